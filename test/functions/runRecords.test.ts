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
