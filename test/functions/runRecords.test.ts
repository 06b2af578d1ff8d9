import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunRecords } from "../../shared/handlers/runRecords.js";
import { completeRunIfFinished, type RunSummaryDependencies } from "../../shared/handlers/runSummary.js";
import type { FindingsRow } from "../../shared/sink/findingsSchema.js";
import { emptyTally } from "../../shared/sink/findingRows.js";
import { type LocalAzurite, startAzurite } from "../support/azurite.js";

let azurite: LocalAzurite;
let records: RunRecords;
let tables = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => azurite?.stop());

async function freshRecords(): Promise<RunRecords> {
  tables += 1;
  return RunRecords.open(TableClient.fromConnectionString(azurite.connectionString, `runs${tables}`, { allowInsecureConnection: true }));
}

/** Summary dependencies whose writer keeps what it is given. */
function summaryDeps(runRecords: RunRecords): { deps: RunSummaryDependencies; written: FindingsRow[] } {
  const written: FindingsRow[] = [];
  const deps: RunSummaryDependencies = {
    runRecords,
    writer: {
      write: async (rows) => {
        written.push(...rows);
      },
    },
    clock: () => new Date("2026-11-24T07:00:00Z"),
    toolVersion: "test",
  };
  return { deps, written };
}

const plannedAt = new Date("2026-11-24T06:00:00Z");

describe("run records", () => {
  beforeAll(async () => {
    records = await freshRecords();
  });

  it("record a shard's end once: a second delivery of the same shard does not count again or overwrite it", async () => {
    await records.createRun({ runId: "run-once", plannedAt, shardCount: 2, subscriptionCount: 3, planErrors: [] });

    const first = await records.recordShard("run-once", 0, { outcome: "completed", finishedAt: new Date("2026-11-24T06:05:00Z"), tally: { ...emptyTally(), resources: 7 }, errors: [] });
    const again = await records.recordShard("run-once", 0, { outcome: "failed", finishedAt: new Date("2026-11-24T06:09:00Z"), errors: ["late"] });

    expect([first, again]).toEqual(["recorded", "alreadyRecorded"]);
    const shards = await records.listShards("run-once");
    expect(shards).toHaveLength(1);
    expect(shards[0]).toMatchObject({ shardIndex: 0, outcome: "completed", tally: { resources: 7 } });
  });

  it("let exactly one of two shards finishing at once write the run summary", async () => {
    const runRecords = await freshRecords();
    const { deps, written } = summaryDeps(runRecords);
    await runRecords.createRun({ runId: "run-race", plannedAt, shardCount: 2, subscriptionCount: 2, planErrors: ["a subscription was unreadable"] });
    await runRecords.recordShard("run-race", 0, { outcome: "completed", finishedAt: new Date("2026-11-24T06:04:00Z"), tally: { ...emptyTally(), resources: 5 }, errors: [] });
    await runRecords.recordShard("run-race", 1, { outcome: "failed", finishedAt: new Date("2026-11-24T06:06:00Z"), errors: ["gave up"] });

    const outcomes = await Promise.all([completeRunIfFinished("run-race", 0, deps), completeRunIfFinished("run-race", 1, deps)]);

    expect(outcomes.filter((outcome) => outcome.kind === "written")).toHaveLength(1);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      RecordType: "RunSummary",
      RunId: "run-race",
      TimeGenerated: "2026-11-24T06:06:00.000Z",
      RunSummary: { resourcesEvaluated: 5, durationMs: 6 * 60_000, errorCount: 2, errors: ["a subscription was unreadable", "shard 1: gave up"], shards: { total: 2, failed: 1 } },
    });
    expect(await completeRunIfFinished("run-race", 1, deps)).toEqual({ kind: "alreadyWritten" });
  });

  it("wait for the last shard before writing a summary", async () => {
    const runRecords = await freshRecords();
    const { deps, written } = summaryDeps(runRecords);
    await runRecords.createRun({ runId: "run-wait", plannedAt, shardCount: 3, subscriptionCount: 3, planErrors: [] });
    await runRecords.recordShard("run-wait", 2, { outcome: "completed", finishedAt: plannedAt, errors: [] });

    expect(await completeRunIfFinished("run-wait", 2, deps)).toEqual({ kind: "pending", finishedShards: 1, shardCount: 3 });
    expect(written).toEqual([]);
  });

  it("let a claimant that stopped before writing resume on its redelivery, while other shards leave it the claim", async () => {
    const runRecords = await freshRecords();
    const { deps, written } = summaryDeps(runRecords);
    await runRecords.createRun({ runId: "run-resume", plannedAt, shardCount: 2, subscriptionCount: 2, planErrors: [] });
    await runRecords.recordShard("run-resume", 0, { outcome: "completed", finishedAt: plannedAt, errors: [] });
    await runRecords.recordShard("run-resume", 1, { outcome: "completed", finishedAt: plannedAt, errors: [] });
    expect(await runRecords.claimSummary("run-resume", 1)).toMatchObject({ kind: "claimed" });

    expect(await completeRunIfFinished("run-resume", 0, deps)).toEqual({ kind: "claimedByAnotherShard", shardIndex: 1 });
    expect((await completeRunIfFinished("run-resume", 1, deps)).kind).toBe("written");
    expect(written).toHaveLength(1);
  });
});

describe("the deployment's baseline", () => {
  const baselineTally = { ...emptyTally(), resources: 4, failuresBySeverity: { High: 2, Medium: 1, Low: 0 }, baselineFailuresBySeverity: { High: 2, Medium: 1, Low: 0 } };

  it("ends when a baseline sweep completes with every shard, and its summary counts the failures it found", async () => {
    const runRecords = await freshRecords();
    const { deps, written } = summaryDeps(runRecords);
    expect(await runRecords.baselineCompletion()).toBeUndefined();
    await runRecords.createRun({ runId: "run-baseline", plannedAt, shardCount: 1, subscriptionCount: 1, planErrors: [], baseline: true });
    await runRecords.recordShard("run-baseline", 0, { outcome: "completed", finishedAt: new Date("2026-11-24T06:04:00Z"), tally: baselineTally, errors: [] });

    await completeRunIfFinished("run-baseline", 0, deps);

    expect(await runRecords.baselineCompletion()).toEqual({ runId: "run-baseline", completedAt: new Date("2026-11-24T06:04:00Z") });
    expect(written[0]?.RunSummary).toMatchObject({ baseline: { failures: 3, failuresBySeverity: { High: 2, Medium: 1, Low: 0 } } });
  });

  it("stays open after a baseline sweep that gave up on a shard, so the subscriptions it missed are not taken for new next time", async () => {
    const runRecords = await freshRecords();
    const { deps } = summaryDeps(runRecords);
    await runRecords.createRun({ runId: "run-partial", plannedAt, shardCount: 2, subscriptionCount: 2, planErrors: [], baseline: true });
    await runRecords.recordShard("run-partial", 0, { outcome: "completed", finishedAt: new Date("2026-11-24T06:04:00Z"), tally: baselineTally, errors: [] });
    await runRecords.recordShard("run-partial", 1, { outcome: "failed", finishedAt: new Date("2026-11-24T06:05:00Z"), errors: ["gave up"] });

    await completeRunIfFinished("run-partial", 1, deps);

    expect(await runRecords.baselineCompletion()).toBeUndefined();
  });

  it("is recorded even when the summary upload fails, and the redelivered shard writes the same summary", async () => {
    const runRecords = await freshRecords();
    const { deps, written } = summaryDeps(runRecords);
    let uploads = 0;
    const flaky: RunSummaryDependencies = {
      ...deps,
      writer: {
        write: async (rows) => {
          uploads += 1;
          if (uploads === 1) throw new Error("ingestion unavailable");
          return deps.writer.write(rows);
        },
      },
    };
    await runRecords.createRun({ runId: "run-crash", plannedAt, shardCount: 1, subscriptionCount: 1, planErrors: [], baseline: true });
    await runRecords.recordShard("run-crash", 0, { outcome: "completed", finishedAt: new Date("2026-11-24T06:04:00Z"), tally: baselineTally, errors: [] });

    await expect(completeRunIfFinished("run-crash", 0, flaky)).rejects.toThrow("ingestion unavailable");
    expect(await runRecords.baselineCompletion()).toMatchObject({ runId: "run-crash" });
    await completeRunIfFinished("run-crash", 0, flaky);

    expect(written).toHaveLength(1);
    expect(written[0]?.RunSummary).toMatchObject({ baseline: { failures: 3 } });
  });

  it("keeps the first baseline run that completed when another one finishes later", async () => {
    const runRecords = await freshRecords();
    await runRecords.markBaselineCompleted("run-first", new Date("2026-11-24T06:04:00Z"));
    await runRecords.markBaselineCompleted("run-second", new Date("2026-11-24T12:04:00Z"));
    expect(await runRecords.baselineCompletion()).toMatchObject({ runId: "run-first" });
  });

  it("reads shard records written before baselines existed, counting no baseline failures", async () => {
    const runRecords = await freshRecords();
    const table = TableClient.fromConnectionString(azurite.connectionString, `runs${tables}`, { allowInsecureConnection: true });
    const { baselineFailuresBySeverity: _omitted, ...oldTally } = emptyTally();
    await table.createEntity({ partitionKey: "run-old", rowKey: "shard-000000", Outcome: "completed", FinishedAt: "2026-11-24T06:04:00.000Z", Tally: JSON.stringify(oldTally), Errors: "[]", ErrorCount: 0 });
    const [shard] = await runRecords.listShards("run-old");
    expect(shard?.tally.baselineFailuresBySeverity).toEqual({ High: 0, Medium: 0, Low: 0 });
  });
});
