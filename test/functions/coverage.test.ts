import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HandlerDependencies } from "../../shared/handlers/dependencies.js";
import { handleEventQueueMessage } from "../../shared/handlers/eventHandlers.js";
import { handleShardMessage } from "../../shared/handlers/shardHandler.js";
import { handleSweepTimer } from "../../shared/handlers/sweepTimerHandler.js";
import { SHARD_QUEUE_NAME } from "../../shared/queues/queueNames.js";
import type { ResourceGraphQueryClient } from "../../shared/readers/resourceGraphReader.js";
import { type FunctionsHarness, drainQueue, invocationContext, startFunctionsHarness } from "./support/harness.js";

const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
const DELIVERY_IDENTITY =
  "/subscriptions/00000000-0000-4000-8000-0000000000aa/resourceGroups/rg-vaultwatch/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-vaultwatch-events-abc";
const OTHER_IDENTITY =
  "/subscriptions/00000000-0000-4000-8000-0000000000aa/resourceGroups/rg-other/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-someone-else";

let harness: FunctionsHarness;
let shardQueue: QueueClient;
let wired: string;
let foreignTopic: string;
let bare: string;

/** A subscription system topic as ARM returns it (Microsoft.EventGrid/systemTopics 2025-02-15). */
function systemTopic(subscriptionId: string, name: string, identityId: string) {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-vaultwatch-events/providers/Microsoft.EventGrid/systemTopics/${name}`,
    name,
    type: "Microsoft.EventGrid/systemTopics",
    location: "global",
    identity: { type: "UserAssigned", userAssignedIdentities: { [identityId]: { principalId: "11111111-1111-4111-8111-111111111111", clientId: "22222222-2222-4222-8222-222222222222" } } },
    properties: { source: `/subscriptions/${subscriptionId}`, topicType: "Microsoft.Resources.Subscriptions", metricResourceId: "33333333-3333-4333-8333-333333333333", provisioningState: "Succeeded" },
  };
}

beforeAll(async () => {
  harness = await startFunctionsHarness({
    emulator: { estate: { resources: 12, subscriptions: 3, seed: 5 } },
    settings: { VAULTWATCH_EVENTS_IDENTITY_ID: DELIVERY_IDENTITY },
  });
  shardQueue = harness.queues.getQueueClient(SHARD_QUEUE_NAME);
  [wired = "", foreignTopic = "", bare = ""] = harness.emulator.estate.subscriptions().map((s) => s.subscriptionId).sort();
  // Resource Graph returns the identity keys as ARM stored them; vaultwatch's setting may differ in case.
  harness.emulator.estate.upsertSystemTopic(systemTopic(wired, "evgt-vaultwatch-a", DELIVERY_IDENTITY.toUpperCase()));
  harness.emulator.estate.upsertSystemTopic(systemTopic(foreignTopic, "evgt-theirs", OTHER_IDENTITY));
});
afterAll(async () => harness?.stop());

async function sweep(deps: HandlerDependencies = harness.deps) {
  const plan = await handleSweepTimer(timer, invocationContext({ functionName: "sweepTimer" }).context, deps);
  await drainQueue(shardQueue, (message, context) => handleShardMessage(message, context, deps), { queues: harness.queues });
  const rows = harness.ledgerRows().filter((row) => row.RunId === plan.runId);
  return { rows, coverage: rows.filter((row) => row.RecordType === "Coverage"), summary: rows.find((row) => row.RecordType === "RunSummary") };
}

describe("coverage rows of a sweep", () => {
  it("say for each subscription in scope whether its events reach this deployment, and when the last one arrived", async () => {
    const vault = [...harness.emulator.estate.exportBodies()].find((body) => String(body.id).toLowerCase().startsWith(`/subscriptions/${wired}/`));
    const event = {
      id: "6f1d3f0e-0d1e-4c9e-9d55-0c1f8f0f5a11",
      topic: `/subscriptions/${wired}`,
      subject: String(vault?.id),
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      eventTime: new Date().toISOString(),
      dataVersion: "2",
      metadataVersion: "1",
      data: { operationName: "Microsoft.KeyVault/vaults/write", resourceUri: String(vault?.id), status: "Succeeded", subscriptionId: wired },
    };
    const before = Date.now();
    await handleEventQueueMessage(event, invocationContext({ triggerMetadata: { dequeueCount: 1 } }).context, harness.deps);

    const { coverage } = await sweep();

    const bySubscription = new Map(coverage.map((row) => [String(row.AzureSubscriptionId), row]));
    expect(bySubscription.size).toBe(3);
    expect(bySubscription.get(wired)).toMatchObject({ EventWiring: "Wired", EventTopicId: expect.stringContaining("evgt-vaultwatch-a") });
    expect(Date.parse(String(bySubscription.get(wired)?.LastEventTime))).toBeGreaterThanOrEqual(before - 1000);
    expect(bySubscription.get(foreignTopic)).toMatchObject({ EventWiring: "NotWired" });
    expect(bySubscription.get(foreignTopic)?.LastEventTime).toBeUndefined();
    expect(bySubscription.get(bare)).toMatchObject({ EventWiring: "NotWired" });
  });

  it("are Unknown, never NotWired, when Resource Graph cannot be read, and the run summary says why", async () => {
    const failing: ResourceGraphQueryClient = {
      resources: async (request, options) => {
        if (String(request.query).includes("systemtopics")) throw new Error("Resource Graph is unavailable (503)");
        return (harness.deps.coverage?.resourceGraph as ResourceGraphQueryClient).resources(request, options);
      },
    };
    const deps: HandlerDependencies = { ...harness.deps, coverage: { ...(harness.deps.coverage as NonNullable<HandlerDependencies["coverage"]>), resourceGraph: failing } };

    const { coverage, summary } = await sweep(deps);

    expect(coverage.map((row) => row.EventWiring)).toEqual(["Unknown", "Unknown", "Unknown"]);
    expect(JSON.stringify(summary?.RunSummary)).toContain("event wiring could not be read");
  });

  it("keeps the latest arrival: a late delivery never moves a subscription's last event back", async () => {
    const arrivals = harness.deps.eventArrivals;
    await arrivals.record([bare.toUpperCase()], new Date("2026-11-24T06:00:00Z"));
    await arrivals.record([bare], new Date("2026-11-24T05:00:00Z"));
    expect((await arrivals.lastArrivals()).get(bare.toLowerCase())).toEqual(new Date("2026-11-24T06:00:00Z"));
  });
});
