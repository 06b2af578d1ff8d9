import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleShardMessage } from "../../shared/handlers/shardHandler.js";
import { handleSweepTimer } from "../../shared/handlers/sweepTimerHandler.js";
import { SHARD_QUEUE_NAME } from "../../shared/queues/queueNames.js";
import { type FunctionsHarness, drainQueue, invocationContext, startFunctionsHarness } from "./support/harness.js";
import { currentPosture, postureDifferences, truthOf } from "./support/truth.js";

const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

describe("a sweep driven through the timer and shard handlers", () => {
  let harness: FunctionsHarness;
  beforeAll(async () => {
    harness = await startFunctionsHarness({
      emulator: { estate: { resources: 2000, subscriptions: 10, seed: 5 } },
      settings: { VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "3" },
    });
  });
  afterAll(async () => harness?.stop());

  it("lands exactly one current row per resource and control in the ledger, plus one run summary", { timeout: 300_000 }, async () => {
    const { context, logs } = invocationContext({ functionName: "sweepTimer" });
    const plan = await handleSweepTimer(timer, context, harness.deps);
    expect(plan.shards).toHaveLength(4);
    expect(logs.some((log) => log.message.includes(plan.runId))).toBe(true);

    const drained = await drainQueue(harness.queues.getQueueClient(SHARD_QUEUE_NAME), (message, ctx) => handleShardMessage(message, ctx, harness.deps), {
      queues: harness.queues,
    });
    expect(drained).toMatchObject({ invocations: 4, succeeded: 4, failed: 0 });

    const rows = harness.ledgerRows();
    const findings = rows.filter((row) => row.RecordType === "Finding");
    const pairs = new Map<string, number>();
    for (const row of findings) {
      const key = `${String(row.AzureResourceId).toLowerCase()}|${String(row.ControlId)}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    expect([...pairs.values()].every((count) => count === 1)).toBe(true);
    expect(postureDifferences(currentPosture(rows), truthOf(harness.emulator.estate, plan.plannedAt))).toEqual([]);

    const summaries = rows.filter((row) => row.RecordType === "RunSummary");
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ RunId: plan.runId, Trigger: "sweep", RunSummary: { resourcesEvaluated: 2000, shards: { total: 4, failed: 0 } } });
  });
});
