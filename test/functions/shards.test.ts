import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HandlerDependencies } from "../../shared/handlers/dependencies.js";
import { handleEventQueueMessage } from "../../shared/handlers/eventHandlers.js";
import { handleShardMessage } from "../../shared/handlers/shardHandler.js";
import { handleSweepTimer } from "../../shared/handlers/sweepTimerHandler.js";
import { encodeQueueMessage } from "../../shared/queues/queueMessage.js";
import { QUEUE_MAX_DEQUEUE_COUNT, SHARD_QUEUE_NAME, poisonQueueName } from "../../shared/queues/queueNames.js";
import type { ResourceGraphReader } from "../../shared/readers/resourceGraphReader.js";
import { type FunctionsHarness, drainQueue, invocationContext, peekAll, startFunctionsHarness } from "./support/harness.js";
import { currentPosture, postureDifferences, truthOf } from "./support/truth.js";

const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

let harness: FunctionsHarness;
let shardQueue: QueueClient;
let shardPoison: QueueClient;

beforeAll(async () => {
  harness = await startFunctionsHarness({
    emulator: { estate: { resources: 48, subscriptions: 4, seed: 11 } },
    settings: { VAULTWATCH_SUBSCRIPTIONS_PER_SHARD: "2" },
  });
  shardQueue = harness.queues.getQueueClient(SHARD_QUEUE_NAME);
  shardPoison = harness.queues.getQueueClient(poisonQueueName(SHARD_QUEUE_NAME));
});
afterAll(async () => harness?.stop());
beforeEach(async () => {
  await shardPoison.clearMessages();
});

async function sweep(deps: HandlerDependencies = harness.deps) {
  const plan = await handleSweepTimer(timer, invocationContext({ functionName: "sweepTimer" }).context, deps);
  const drained = await drainQueue(shardQueue, (message, context) => handleShardMessage(message, context, deps), { queues: harness.queues });
  const rows = harness.ledgerRows().filter((row) => row.RunId === plan.runId);
  return { plan, drained, rows, summary: rows.find((row) => row.RecordType === "RunSummary") as Record<string, Record<string, unknown>> | undefined };
}

function pairCounts(rows: readonly Record<string, unknown>[]): number[] {
  const counts = new Map<string, number>();
  for (const row of rows.filter((r) => r.RecordType === "Finding")) {
    const key = `${String(row.AzureResourceId).toLowerCase()}|${String(row.ControlId)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.values()];
}

describe("sweep shards on the vaultwatch-shards queue", () => {
  it("a shard that fails part-way is retried by the queue and each failing control is recorded exactly once (as the baseline: this is the deployment's first sweep)", async () => {
    let applies = 0;
    let broken = true;
    const store = harness.deps.stateStore;
    const flaky: HandlerDependencies = {
      ...harness.deps,
      stateStore: {
        read: (id) => store.read(id),
        remove: (...args) => store.remove(...args),
        acknowledge: (...args) => store.acknowledge(...args),
        apply: async (...args) => {
          applies += 1;
          if (broken && applies > 10) {
            broken = false;
            throw new Error("Table Storage is unavailable");
          }
          return store.apply(...args);
        },
      },
    };

    const { plan, drained, rows, summary } = await sweep(flaky);

    expect(drained).toMatchObject({ invocations: plan.shards.length + 1, failed: 1, succeeded: plan.shards.length });
    expect(drained.logs.some((log) => log.level === "warning" && log.message.includes("Table Storage is unavailable"))).toBe(true);
    expect(pairCounts(rows).every((count) => count === 1)).toBe(true);
    const truth = truthOf(harness.emulator.estate, plan.plannedAt);
    const failing = [...truth.values()].flatMap((controls) => [...controls.values()]).filter((status) => status === "Fail").length;
    expect(rows.filter((row) => row.Transition === "Baseline" && row.Status === "Fail")).toHaveLength(failing);
    expect(rows.filter((row) => row.Transition === "New")).toHaveLength(0);
    expect(summary?.RunSummary).toMatchObject({ resourcesEvaluated: truth.size, shards: { total: plan.shards.length, failed: 0 }, baseline: { failures: failing } });
  });

  it("a redelivered shard that already finished reads nothing and writes nothing", async () => {
    const { plan } = await sweep();
    const ledgerSize = harness.ledgerRows().length;
    const graphQueries = harness.emulator.counters.served("resourceGraph");

    await shardQueue.sendMessage(encodeQueueMessage(plan.shards[0]));
    const drained = await drainQueue(shardQueue, (message, context) => handleShardMessage(message, context, harness.deps), { queues: harness.queues });

    expect(drained).toMatchObject({ invocations: 1, succeeded: 1 });
    expect(harness.ledgerRows()).toHaveLength(ledgerSize);
    expect(harness.emulator.counters.served("resourceGraph")).toBe(graphQueries);
    expect(drained.logs.some((log) => log.message.includes("already finished"))).toBe(true);
  });

  it(`a shard that keeps failing ends on the poison queue with its reason after ${QUEUE_MAX_DEQUEUE_COUNT} deliveries, and the run summary names it`, async () => {
    const [failingSubscription] = harness.emulator.estate.subscriptions().map((s) => s.subscriptionId).sort();
    const reader = harness.deps.resourceGraphReader;
    const outage: HandlerDependencies = {
      ...harness.deps,
      resourceGraphReader: {
        pages: (scope, options) => {
          if (scope.kind === "subscriptions" && scope.subscriptionIds.includes(failingSubscription ?? "")) {
            throw new Error(`Resource Graph refused the query: 503 ServiceUnavailable for ${failingSubscription}`);
          }
          return reader.pages(scope, options);
        },
      } as ResourceGraphReader,
    };

    const { plan, drained, summary } = await sweep(outage);

    expect(drained).toMatchObject({ failed: QUEUE_MAX_DEQUEUE_COUNT - 1, poisonedByHost: 0, invocations: plan.shards.length + QUEUE_MAX_DEQUEUE_COUNT - 1 });
    const poisoned = (await peekAll(shardPoison)) as Record<string, unknown>[];
    expect(poisoned).toHaveLength(1);
    expect(poisoned[0]).toMatchObject({ source: "vaultwatch-shards", dequeueCount: QUEUE_MAX_DEQUEUE_COUNT, message: { runId: plan.runId, shardIndex: 0 } });
    expect(String(poisoned[0]?.reason)).toContain("503 ServiceUnavailable");
    expect(summary?.RunSummary).toMatchObject({ shards: { total: plan.shards.length, failed: 1 } });
    expect(String((summary?.RunSummary?.errors as string[])[0])).toContain("503 ServiceUnavailable");
  });

  it("the next sweep finds deleted vaults and writes Removed rows for them, leaving the rest as they are", async () => {
    await sweep();
    const [first, second] = [...harness.emulator.estate.exportBodies()].map((body) => String(body.id));
    harness.emulator.estate.deleteResource(first ?? "");
    harness.emulator.estate.deleteResource(second ?? "");

    const { plan, rows, summary } = await sweep();

    const removed = new Set(rows.filter((row) => row.Status === "Removed" && row.Transition === "Removed").map((row) => String(row.AzureResourceId)));
    expect([...removed].sort()).toEqual([first, second].sort());
    expect(summary?.RunSummary).toMatchObject({ resourcesRemoved: 2 });
    expect(postureDifferences(currentPosture(harness.ledgerRows()), truthOf(harness.emulator.estate, plan.plannedAt))).toEqual([]);
  });

  it("a sweep leaves alone what events recorded just before it, which Resource Graph may not show yet", async () => {
    const estate = harness.emulator.estate;
    const [existing] = [...estate.exportBodies()].filter((body) => /\/vaults\//i.test(String(body.id)));
    const existingId = String(existing?.id);
    const subscriptionId = existingId.split("/")[2] ?? "";
    const justCreatedId = `/subscriptions/${subscriptionId}/resourceGroups/rg-new/providers/Microsoft.KeyVault/vaults/kv-not-in-graph-yet`;
    const notification = (id: string, publicNetworkAccess: string) => ({
      id: `lag-${id.split("/").pop()}`,
      topic: `/subscriptions/${subscriptionId}`,
      subject: id,
      eventType: "Microsoft.ResourceNotifications.Resources.CreatedOrUpdated",
      eventTime: new Date().toISOString(),
      dataVersion: "1",
      metadataVersion: "1",
      data: {
        resourceInfo: { id, name: id.split("/").pop(), type: "Microsoft.KeyVault/vaults", location: "westeurope", properties: { tenantId: estate.tenantId, sku: { family: "A", name: "standard" }, publicNetworkAccess } },
        operationalInfo: { resourceEventTime: new Date().toISOString() },
      },
    });
    const publicNow = estate.getResource(existingId)?.properties as Record<string, unknown>;
    const changedTo = publicNow.publicNetworkAccess === "Disabled" ? "Enabled" : "Disabled";
    for (const event of [notification(existingId, changedTo), notification(justCreatedId, "Disabled")]) {
      const result = await handleEventQueueMessage(event, invocationContext({ triggerMetadata: { dequeueCount: 1 } }).context, harness.deps);
      expect(result?.failures).toEqual([]);
    }

    const { rows } = await sweep();

    expect(rows.filter((row) => String(row.AzureResourceId).toLowerCase() === justCreatedId.toLowerCase())).toEqual([]);
    const posture = currentPosture(harness.ledgerRows());
    expect(posture.get(justCreatedId.toLowerCase())?.size).toBeGreaterThan(0);
    expect(posture.get(existingId.toLowerCase())?.get("VW-NET-001")).toBe(changedTo === "Disabled" ? "Pass" : "Fail");
  });

  it("a message that is not a valid shard goes to the poison queue at once with the reason", async () => {
    await shardQueue.sendMessage(encodeQueueMessage({ runId: "run with spaces", shardIndex: 3, shardCount: 2, subscriptionIds: [], plannedAt: "yesterday" }));

    const drained = await drainQueue(shardQueue, (message, context) => handleShardMessage(message, context, harness.deps), { queues: harness.queues });

    expect(drained).toMatchObject({ invocations: 1, succeeded: 1 });
    const [poisoned] = (await peekAll(shardPoison)) as Record<string, unknown>[];
    expect(String(poisoned?.reason)).toMatch(/^not a valid shard message: runId must be letters, digits and hyphens/);
  });
});

describe("the sweep's scope", () => {
  it("leaves out a configured subscription the identity cannot read, and says so in the run summary", async () => {
    const readable = harness.emulator.estate.subscriptions()[0]?.subscriptionId ?? "";
    const unknown = "99999999-9999-4999-8999-999999999999";
    const deps: HandlerDependencies = { ...harness.deps, scope: { subscriptionIds: [readable, unknown], managementGroups: [] } };

    const { plan, summary } = await sweep(deps);

    expect(plan.shards.map((shard) => shard.subscriptionIds)).toEqual([[readable]]);
    expect(summary?.RunSummary?.errors).toEqual([`Subscription ${unknown} is configured in VAULTWATCH_SUBSCRIPTION_IDS but the identity cannot read it; it was not swept.`]);
  });

  it("a sweep with no subscription in scope writes its summary at once, with the reason", async () => {
    const deps: HandlerDependencies = { ...harness.deps, scope: { subscriptionIds: ["99999999-9999-4999-8999-999999999999"], managementGroups: [] } };

    const { plan, drained, summary } = await sweep(deps);

    expect(plan.shards).toEqual([]);
    expect(drained.invocations).toBe(0);
    expect(summary?.RunSummary).toMatchObject({ resourcesEvaluated: 0, errorCount: 2, shards: { total: 0, failed: 0 } });
  });
});
