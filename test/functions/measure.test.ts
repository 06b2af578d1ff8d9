import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureEventToUpload, measureSweep, summariseLatencies } from "../../bench/functionsMeasure.js";
import { type FunctionsHarness, startFunctionsHarness } from "./support/harness.js";

describe("the benchmark's measurements of the handlers", () => {
  let harness: FunctionsHarness;
  beforeAll(async () => {
    harness = await startFunctionsHarness({ emulator: { estate: { resources: 30, subscriptions: 3, seed: 8 } }, settings: { VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "1" } });
  });
  afterAll(async () => harness?.stop());

  it("time events for vaults made public, each reaching the ledger as a New failure of VW-NET-001", async () => {
    const subscriptionId = harness.emulator.estate.subscriptions()[0]?.subscriptionId ?? "";

    const measured = await measureEventToUpload({ deps: harness.deps, estate: harness.emulator.estate, subscriptionId, events: 4 });

    expect(measured).toMatchObject({ count: 4, newPublicAccessFailures: 4 });
    expect(measured.p50Ms).toBeLessThanOrEqual(measured.p95Ms);
    expect(measured.p95Ms).toBeLessThanOrEqual(measured.maxMs);
    const inLedger = harness.ledgerRows().filter((row) => String(row.EventId).endsWith("-made-public") && row.ControlId === "VW-NET-001");
    expect(inLedger.map((row) => [row.Status, row.Transition])).toEqual(Array.from({ length: 4 }, () => ["Fail", "New"]));
  });

  it("time a whole sweep through the timer and shard handlers", async () => {
    const measured = await measureSweep({ deps: harness.deps });

    expect(measured).toMatchObject({ subscriptions: 3, shards: 3, summaryRows: 1 });
    expect(measured.resources).toBe(harness.emulator.estate.size);
    expect(measured.findingRows).toBeGreaterThanOrEqual(measured.resources * 9);
    expect(measured.shardMs.count).toBe(3);
  });

  it("summarise latencies by nearest rank", () => {
    expect(summariseLatencies([5, 1, 3, 2, 4])).toEqual({ count: 5, p50Ms: 3, p95Ms: 5, maxMs: 5 });
    expect(summariseLatencies([])).toEqual({ count: 0, p50Ms: 0, p95Ms: 0, maxMs: 0 });
  });
});
