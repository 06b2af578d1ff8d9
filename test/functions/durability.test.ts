/**
 * The findings that matter are never lost or forged, whatever fails and whatever an event claims: each test here
 * reproduces one way today's pipeline lost a transition or trusted an event too far (issue 12), with the real
 * handlers, Azurite and the emulator.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HandlerDependencies } from "../../shared/handlers/dependencies.js";
import { handleEventQueueMessage } from "../../shared/handlers/eventHandlers.js";
import { processShard } from "../../shared/handlers/shardWorker.js";
import { planSweep } from "../../shared/handlers/sweepPlanner.js";
import type { ShardMessage } from "../../shared/queues/shardMessage.js";
import { chainProblems } from "./support/chain.js";
import { type FunctionsHarness, invocationContext, startFunctionsHarness } from "./support/harness.js";
import { type RawEvent, REFERENCE, referenceEvent } from "./support/referenceEvents.js";
import { truthOf } from "./support/truth.js";

let harness: FunctionsHarness;
/** The handlers' clock runs this far ahead of the machine's, so a test can let time pass without waiting. */
let aheadMs = 0;
const clock = () => new Date(Date.now() + aheadMs);

beforeAll(async () => {
  harness = await startFunctionsHarness({ emulator: { estate: { resources: 0, subscriptions: 1, seed: 5 } }, dependencies: { clock } });
});
afterAll(async () => harness?.stop());

/** A subscription of its own (so a sweep shard covers only this test's vault) holding one vault. */
function seedVault(name: string, publicNetworkAccess: "Enabled" | "Disabled"): { id: string; subscriptionId: string } {
  const subscriptionId = randomUUID();
  const estate = harness.emulator.estate;
  estate.addSubscription({ subscriptionId, displayName: name, tenantId: estate.tenantId, managementGroupId: estate.managementGroups()[0]?.id ?? "" });
  const body = renamed(referenceEvent("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json"), name, subscriptionId).data["resourceInfo"] as Record<string, unknown>;
  (body["properties"] as Record<string, unknown>)["publicNetworkAccess"] = publicNetworkAccess;
  estate.upsertResource(body);
  return { id: body["id"] as string, subscriptionId };
}

function setPublicAccess(id: string, publicNetworkAccess: "Enabled" | "Disabled"): void {
  const body = structuredClone(harness.emulator.estate.getResource(id)) as Record<string, unknown>;
  (body["properties"] as Record<string, unknown>)["publicNetworkAccess"] = publicNetworkAccess;
  harness.emulator.estate.upsertResource(body);
}

function renamed<T>(value: T, name: string, subscriptionId: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll("kv-prod-01", name).replaceAll(REFERENCE.subscriptionId, subscriptionId)) as T;
}

/** A sample event renamed to the test's vault, with an id of its own. */
function eventFor(file: string, vault: { id: string; subscriptionId: string }, change: (event: RawEvent) => void = () => undefined): RawEvent {
  const event = renamed(referenceEvent(file), vault.id.split("/").pop() ?? "", vault.subscriptionId);
  event.id = randomUUID();
  change(event);
  return event;
}

const WRITE_EVENT = "kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json";
const NOTIFICATION = "kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json";
const NOTIFICATION_DELETED = "kv-arn-Resources-Deleted.constructed.eventgrid.json";

/** Delivers one queue message to the events handler; resolves to whether the handler acknowledged it. */
async function deliver(event: unknown, deps: HandlerDependencies = harness.deps, dequeueCount = 1): Promise<{ acknowledged: boolean; logs: string[] }> {
  const { context, logs } = invocationContext({ functionName: "resourceEventsFromQueue", triggerMetadata: { dequeueCount } });
  try {
    await handleEventQueueMessage(event, context, deps);
    return { acknowledged: true, logs: logs.map((log) => log.message) };
  } catch {
    return { acknowledged: false, logs: logs.map((log) => log.message) };
  }
}

/** Logs Ingestion down and the spool's storage unreachable: the writer can keep nothing. */
function withBrokenSink(deps: HandlerDependencies = harness.deps): HandlerDependencies {
  return {
    ...deps,
    writer: {
      write: async () => {
        throw new Error("3 of 3 findings rows were not delivered and could not be kept in the spool: connect ECONNREFUSED");
      },
    },
  } as HandlerDependencies;
}

function ledgerOf(resourceId: string): Record<string, unknown>[] {
  return harness.ledgerRows().filter((row) => String(row.AzureResourceId).toLowerCase() === resourceId.toLowerCase()) as Record<string, unknown>[];
}

function rowsOfControl(resourceId: string, controlId: string): Record<string, unknown>[] {
  return ledgerOf(resourceId).filter((row) => row.ControlId === controlId);
}

function latestStatus(resourceId: string, controlId: string): unknown {
  const rows = rowsOfControl(resourceId, controlId).sort((a, b) => String(a.TimeGenerated).localeCompare(String(b.TimeGenerated)));
  return rows.at(-1)?.Status;
}

function truthFor(resourceId: string, controlId: string): unknown {
  return truthOf(harness.emulator.estate, clock()).get(resourceId.toLowerCase())?.get(controlId);
}

describe("a transition whose rows could not be written the first time", () => {
  it("a vault made public while neither Logs Ingestion nor the spool can take rows reaches the ledger as a New failure when the event is redelivered", async () => {
    const vault = seedVault("kv-dur-lost-01", "Disabled");
    expect((await deliver(eventFor(WRITE_EVENT, vault))).acknowledged).toBe(true);
    setPublicAccess(vault.id, "Enabled");
    const event = eventFor(WRITE_EVENT, vault);

    expect((await deliver(event, withBrokenSink())).acknowledged).toBe(false);
    expect((await deliver(event, harness.deps, 2)).acknowledged).toBe(true);

    expect(rowsOfControl(vault.id, "VW-NET-001")).toContainEqual(expect.objectContaining({ Status: "Fail", PreviousStatus: "Pass", Transition: "New" }));
    expect(chainProblems(harness.ledgerRows(), vault.id)).toEqual([]);
  });

  it("a Resource Notifications payload redelivered after its rows were lost writes them, though the payload is no longer newer than the state", async () => {
    const vault = seedVault("kv-dur-lost-02", "Disabled");
    expect((await deliver(eventFor(WRITE_EVENT, vault))).acknowledged).toBe(true);
    setPublicAccess(vault.id, "Enabled");
    const payload = eventFor(NOTIFICATION, vault, (event) => {
      const info = event.data["resourceInfo"] as Record<string, Record<string, unknown>>;
      (info["properties"] as Record<string, unknown>)["publicNetworkAccess"] = "Enabled";
      (event.data["operationalInfo"] as Record<string, unknown>)["resourceEventTime"] = clock().toISOString();
    });

    expect((await deliver(payload, withBrokenSink())).acknowledged).toBe(false);
    expect((await deliver(payload, harness.deps, 2)).acknowledged).toBe(true);

    expect(rowsOfControl(vault.id, "VW-NET-001")).toContainEqual(expect.objectContaining({ Status: "Fail", Transition: "New" }));
    expect(chainProblems(harness.ledgerRows(), vault.id)).toEqual([]);
  });

  it("a sweep shard that died before writing a Pass-to-Fail, overtaken by an event, still puts the New row in the ledger and keeps the chain whole", async () => {
    const vault = seedVault("kv-dur-race-01", "Disabled");
    const shard = async (minutesAgo: number, deps: HandlerDependencies) => {
      const plannedAt = new Date(clock().getTime() - minutesAgo * 60_000);
      const runId = `sweep-dur-${randomUUID().slice(0, 8)}`;
      await harness.deps.runRecords.createRun({ runId, plannedAt, shardCount: 1, subscriptionCount: 1, planErrors: [] });
      const message: ShardMessage = { runId, shardIndex: 0, shardCount: 1, subscriptionIds: [vault.subscriptionId], plannedAt: plannedAt.toISOString() };
      return { message, run: () => processShard(message, deps) };
    };
    await (await shard(30, harness.deps)).run();
    setPublicAccess(vault.id, "Enabled");

    const second = await shard(1, withBrokenSink());
    await expect(second.run()).rejects.toThrow(/could not be kept/);
    expect((await deliver(eventFor(WRITE_EVENT, vault))).acknowledged).toBe(true);
    const redelivered = await processShard(second.message, harness.deps);

    expect(redelivered.kind).toBe("processed");
    expect(rowsOfControl(vault.id, "VW-NET-001")).toContainEqual(expect.objectContaining({ Status: "Fail", PreviousStatus: "Pass", Transition: "New" }));
    expect(chainProblems(harness.ledgerRows(), vault.id)).toEqual([]);
    expect(latestStatus(vault.id, "VW-NET-001")).toBe("Fail");
  });
});

describe("events are hints: reads are the truth and time is bounded", () => {
  it("a payload dated 2099 that says a public vault is private holds the vault's state only until the next genuine event, which restores the truth", async () => {
    const vault = seedVault("kv-dur-forged-01", "Enabled");
    expect((await deliver(eventFor(WRITE_EVENT, vault))).acknowledged).toBe(true);
    const forged = eventFor(NOTIFICATION, vault, (event) => {
      (event.data["operationalInfo"] as Record<string, unknown>)["resourceEventTime"] = "2099-01-01T00:00:00Z";
    });
    expect((await deliver(forged)).acknowledged).toBe(true);
    const state = await harness.deps.stateStore.read(vault.id);
    expect(state?.observedAt.getTime()).toBeLessThanOrEqual(clock().getTime() + 60_000);

    aheadMs += 2 * 60_000;
    expect((await deliver(eventFor(WRITE_EVENT, vault))).acknowledged).toBe(true);

    expect(latestStatus(vault.id, "VW-NET-001")).toBe("Fail");
    expect(truthFor(vault.id, "VW-NET-001")).toBe("Fail");
    expect(chainProblems(harness.ledgerRows(), vault.id)).toEqual([]);
  });

  it("a Deleted notification dated 2099 for a vault that still exists writes no Removed row and does not hide the vault from later events", async () => {
    const vault = seedVault("kv-dur-deleted-01", "Enabled");
    expect((await deliver(eventFor(WRITE_EVENT, vault))).acknowledged).toBe(true);
    const forged = eventFor(NOTIFICATION_DELETED, vault, (event) => {
      (event.data["operationalInfo"] as Record<string, unknown>)["resourceEventTime"] = "2099-01-01T00:00:00Z";
    });
    expect((await deliver(forged)).acknowledged).toBe(true);
    setPublicAccess(vault.id, "Disabled");
    aheadMs += 2 * 60_000;
    expect((await deliver(eventFor(WRITE_EVENT, vault))).acknowledged).toBe(true);

    expect(ledgerOf(vault.id).filter((row) => row.Status === "Removed")).toEqual([]);
    expect(latestStatus(vault.id, "VW-NET-001")).toBe("Pass");
    expect((await harness.deps.stateStore.read(vault.id))?.deleted).toBe(false);
  });

  it("a Deleted notification dated now is confirmed by a read: Removed rows only once ARM answers 404", async () => {
    const vault = seedVault("kv-dur-deleted-02", "Enabled");
    expect((await deliver(eventFor(WRITE_EVENT, vault))).acknowledged).toBe(true);
    const readsBefore = harness.emulator.counters.served("armVault");
    const dated = (event: RawEvent) => {
      (event.data["operationalInfo"] as Record<string, unknown>)["resourceEventTime"] = clock().toISOString();
      event.eventTime = clock().toISOString();
    };
    expect((await deliver(eventFor(NOTIFICATION_DELETED, vault, dated))).acknowledged).toBe(true);
    expect(harness.emulator.counters.served("armVault") - readsBefore).toBe(1);
    expect(ledgerOf(vault.id).filter((row) => row.Status === "Removed")).toEqual([]);

    harness.emulator.estate.deleteResource(vault.id);
    expect((await deliver(eventFor(NOTIFICATION_DELETED, vault, dated))).acknowledged).toBe(true);
    expect(rowsOfControl(vault.id, "VW-NET-001").at(-1)).toMatchObject({ Status: "Removed", PreviousStatus: "Fail", Transition: "Removed" });
    expect(chainProblems(harness.ledgerRows(), vault.id)).toEqual([]);
  });
});

describe("deletions are believed only when ARM confirms them", () => {
  it("a sweep whose Resource Graph page leaves out a vault ARM still serves keeps the vault, writes no Removed row and names it in its errors", async () => {
    const vault = seedVault("kv-dur-lagging-01", "Disabled");
    const runShard = async (minutesAgo: number, deps: HandlerDependencies) => {
      const plannedAt = new Date(clock().getTime() - minutesAgo * 60_000);
      const runId = `sweep-dur-${randomUUID().slice(0, 8)}`;
      await harness.deps.runRecords.createRun({ runId, plannedAt, shardCount: 1, subscriptionCount: 1, planErrors: [] });
      return processShard({ runId, shardIndex: 0, shardCount: 1, subscriptionIds: [vault.subscriptionId], plannedAt: plannedAt.toISOString() }, deps);
    };
    await runShard(30, harness.deps);
    const reader = harness.deps.resourceGraphReader;
    const lagging = {
      ...harness.deps,
      resourceGraphReader: {
        pages: async function* (...args: Parameters<typeof reader.pages>) {
          for await (const page of reader.pages(...args)) yield { ...page, resources: [] };
        },
      },
    } as HandlerDependencies;

    const report = await runShard(1, lagging);

    expect(report.removed).toBe(0);
    expect(report.errors.join(" ")).toContain(`${vault.id} is missing from Resource Graph but ARM still has it`);
    expect(ledgerOf(vault.id).filter((row) => row.Status === "Removed")).toEqual([]);
    expect((await harness.deps.stateStore.read(vault.id))?.deleted).toBe(false);
  });
});

describe("scope on every event path", () => {
  let scoped: FunctionsHarness;
  const inScope = "aaaaaaaa-1111-4111-8111-111111111111";
  beforeAll(async () => {
    scoped = await startFunctionsHarness({ emulator: { estate: { resources: 0, subscriptions: 1, seed: 6 } }, settings: { VAULTWATCH_SUBSCRIPTION_IDS: inScope } });
  });
  afterAll(async () => scoped?.stop());

  it("a write event for a vault in a subscription outside VAULTWATCH_SUBSCRIPTION_IDS is counted, logged and dropped, with no read and no row", async () => {
    const estate = scoped.emulator.estate;
    const outside = randomUUID();
    estate.addSubscription({ subscriptionId: outside, displayName: "outside", tenantId: estate.tenantId, managementGroupId: estate.managementGroups()[0]?.id ?? "" });
    const body = renamed(referenceEvent(NOTIFICATION), "kv-dur-scope-01", outside).data["resourceInfo"] as Record<string, unknown>;
    estate.upsertResource(body);
    const event = renamed(referenceEvent(WRITE_EVENT), "kv-dur-scope-01", outside);
    const payload = renamed(referenceEvent(NOTIFICATION), "kv-dur-scope-01", outside);
    const requestsBefore = scoped.emulator.counters.served("armVault") + scoped.emulator.counters.served("batch");

    const { context, logs } = invocationContext({ functionName: "resourceEventsFromQueue", triggerMetadata: { dequeueCount: 1 } });
    const result = await handleEventQueueMessage([event, payload], context, scoped.deps);

    expect(result).toMatchObject({ outOfScope: 1, rows: 0, failures: [] });
    expect(scoped.emulator.counters.served("armVault") + scoped.emulator.counters.served("batch")).toBe(requestsBefore);
    expect(scoped.ledgerRows().filter((row) => String(row.AzureResourceId).toLowerCase() === String(body["id"]).toLowerCase())).toEqual([]);
    expect(logs.some((log) => log.message.includes("1 out of scope") && log.message.includes("vault/HSM"))).toBe(true);
    expect(logs.some((log) => log.message.includes(String(body["id"])) && /outside the configured scope/.test(log.message))).toBe(true);
  });
});

describe("a sweep whose fan-out partly failed", () => {
  it("records the shard whose message could not be sent as failed, so the run completes with a summary that names it", async () => {
    let sends = 0;
    const deps: HandlerDependencies = {
      ...harness.deps,
      shardQueue: {
        send: async (message) => {
          sends += 1;
          if (sends === 1) throw new Error("The queue service answered 503 ServerBusy");
          return harness.deps.shardQueue.send(message);
        },
      },
      subscriptionsPerShard: 1,
    } as HandlerDependencies;

    const plan = await planSweep(deps);
    const unsent = plan.shards.length - (sends - 1);
    const { drainQueue } = await import("./support/harness.js");
    const { handleShardMessage } = await import("../../shared/handlers/shardHandler.js");
    await drainQueue(harness.queues.getQueueClient("vaultwatch-shards"), (message, context) => handleShardMessage(message, context, deps), { queues: harness.queues });
    const summary = harness.ledgerRows().find((row) => row.RunId === plan.runId && row.RecordType === "RunSummary") as { RunSummary: Record<string, unknown> } | undefined;

    expect(unsent).toBe(1);
    expect(plan.unsent).toBe(1);
    expect(summary?.RunSummary).toMatchObject({ shards: { total: plan.shards.length, failed: 1 } });
    expect(JSON.stringify(summary?.RunSummary["errors"])).toMatch(/could not be put on the shard queue/);
  });
});
