import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluateResource } from "../../shared/evaluate/evaluate.js";
import { handleEventGridEvent, handleEventQueueMessage } from "../../shared/handlers/eventHandlers.js";
import { normaliseResource } from "../../shared/normalise/normaliseResource.js";
import { encodeQueueMessage } from "../../shared/queues/queueMessage.js";
import { EVENT_QUEUE_NAME, QUEUE_MAX_DEQUEUE_COUNT, poisonQueueName } from "../../shared/queues/queueNames.js";
import { BlobSpool, SPOOL_CONTAINER_NAME } from "../../shared/sink/blobSpool.js";
import { containerClientFor } from "../../shared/state/storageClients.js";
import { type FunctionsHarness, drainQueue, invocationContext, peekAll, startFunctionsHarness } from "./support/harness.js";
import { referenceEventFiles } from "../fixtures/events.js";
import { REFERENCE, type RawEvent, referenceEvent, referenceEvents, seedReferenceEstate } from "./support/referenceEvents.js";
import { truthOf } from "./support/truth.js";

let harness: FunctionsHarness;
let eventsQueue: QueueClient;
let poisonQueue: QueueClient;

beforeAll(async () => {
  harness = await startFunctionsHarness({ emulator: { estate: { resources: 12, subscriptions: 2, seed: 3 } } });
  seedReferenceEstate(harness.emulator);
  eventsQueue = harness.queues.getQueueClient(EVENT_QUEUE_NAME);
  poisonQueue = harness.queues.getQueueClient(poisonQueueName(EVENT_QUEUE_NAME));
  await eventsQueue.createIfNotExists();
});
afterAll(async () => harness?.stop());
beforeEach(async () => {
  harness.emulator.knobs.faults.length = 0;
  delete harness.emulator.knobs.outages.ingestion;
  await poisonQueue.clearMessages();
});

/** A vault of its own for each test, so no test sees another's state: the reference vault under another name. */
function seedVault(name: string, change: (properties: Record<string, unknown>) => void = () => undefined): string {
  const body = renamed(referenceEvent("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json"), name).data["resourceInfo"] as Record<string, unknown>;
  change(body["properties"] as Record<string, unknown>);
  harness.emulator.estate.upsertResource(body);
  return body["id"] as string;
}

function renamed<T>(value: T, name: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll("kv-prod-01", name)) as T;
}

function eventFor(file: string, name: string, index = 0): RawEvent {
  return renamed(referenceEvents(file)[index] as RawEvent, name);
}

/** As Event Grid's Storage Queue handler delivers it: the event JSON, base64 as the queue extension reads it. */
async function enqueue(...messages: unknown[]): Promise<void> {
  for (const message of messages) await eventsQueue.sendMessage(encodeQueueMessage(message));
}

function drainEvents() {
  return drainQueue(eventsQueue, (message, context) => handleEventQueueMessage(message, context, harness.deps), { queues: harness.queues });
}

function rowsOf(resourceId: string): Record<string, unknown>[] {
  return harness.ledgerRows().filter((row) => String(row.AzureResourceId).toLowerCase() === resourceId.toLowerCase()) as Record<string, unknown>[];
}

function served(kind: Parameters<FunctionsHarness["emulator"]["counters"]["served"]>[0]): number {
  return harness.emulator.counters.served(kind);
}

function truthFor(resourceId: string): Map<string, string> {
  const posture = truthOf(harness.emulator.estate, new Date()).get(resourceId.toLowerCase());
  if (posture === undefined) throw new Error(`${resourceId} is not in the emulator`);
  return posture;
}

function statusesOf(rows: Record<string, unknown>[]): Map<string, string> {
  return new Map(rows.map((row) => [String(row.ControlId), String(row.Status)]));
}

describe("Microsoft.Resources events delivered through the vaultwatch-events queue", () => {
  it("re-read the vault named by a ResourceWriteSuccess and write its current posture, attributed to the event", async () => {
    const vaultId = seedVault("kv-write-01", (properties) => (properties.publicNetworkAccess = "Enabled"));
    const event = eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-write-01");
    const readsBefore = served("armVault");

    await enqueue(event);
    expect(await drainEvents()).toMatchObject({ invocations: 1, succeeded: 1 });

    const rows = rowsOf(vaultId);
    expect(served("armVault") - readsBefore).toBe(1);
    // The read is the truth: the event itself says nothing about public access, the emulator's vault does.
    expect(statusesOf(rows)).toEqual(truthFor(vaultId));
    expect(statusesOf(rows).get("VW-NET-001")).toBe("Fail");
    expect(rows[0]).toMatchObject({
      Trigger: "event",
      EventId: event.id,
      ChangeOperation: "Microsoft.KeyVault/vaults/write",
      ChangeCallerRole: "Contributor",
      ChangeClientIp: "203.0.113.7",
      ChangeCorrelationId: "6c0a4b3e-9d1f-4e0c-8a57-3f2b9c1d2e10",
    });
  });

  it("map a private endpoint connection and a diagnostic setting of the same vault to one read, and ignore a purge", async () => {
    const vaultId = seedVault("kv-batch-01");
    const batch = referenceEvents("kv-subscription-child-and-action-batch.constructed.eventgrid.json").map((event) => renamed(event, "kv-batch-01"));
    const readsBefore = served("armVault");

    await enqueue(batch);
    const drained = await drainEvents();

    expect(drained).toMatchObject({ invocations: 1, succeeded: 1 });
    expect(served("armVault") - readsBefore).toBe(1);
    expect(statusesOf(rowsOf(vaultId))).toEqual(truthFor(vaultId));
    expect(drained.logs.some((log) => /3 event\(s\); 0 rejected; 1 ignored/.test(log.message))).toBe(true);
  });

  it("read a private endpoint named as the subject to find the vault it connects to, and re-read that vault", async () => {
    const vaultId = seedVault("kv-pe-01");
    const endpointId = REFERENCE.privateEndpointId.replace("pe-kv-prod-01", "pe-kv-pe-01");
    const endpoint = harness.emulator.estate.getPrivateEndpoint(REFERENCE.privateEndpointId);
    harness.emulator.estate.upsertPrivateEndpoint(renamed({ ...endpoint, id: endpointId }, "kv-pe-01"));
    const event = eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-pe-01");
    event.subject = endpointId;
    event.data.resourceUri = endpointId;
    event.data.operationName = "Microsoft.Network/privateEndpoints/write";
    const endpointReads = served("armPrivateEndpoint");
    const vaultReads = served("armVault");

    await enqueue(event);
    await drainEvents();

    expect(served("armPrivateEndpoint") - endpointReads).toBe(1);
    expect(served("armVault") - vaultReads).toBe(1);
    expect(statusesOf(rowsOf(vaultId))).toEqual(truthFor(vaultId));
    expect(rowsOf(vaultId)[0]).toMatchObject({ EventId: event.id, ChangeOperation: "Microsoft.Network/privateEndpoints/write" });
  });

  it("leave a deleted private endpoint for the next sweep and say so in the log, reading nothing", async () => {
    const event = referenceEvent("kv-subscription-ResourceDeleteSuccess.constructed.eventgrid.json");
    const endpointId = REFERENCE.privateEndpointId.replace("pe-kv-prod-01", "pe-gone-01");
    event.subject = endpointId;
    event.data.resourceUri = endpointId;
    const requestsBefore = harness.emulator.counters.totalRequests();

    await enqueue(event);
    const drained = await drainEvents();

    expect(drained).toMatchObject({ succeeded: 1, failed: 0 });
    expect(harness.emulator.counters.totalRequests()).toBe(requestsBefore);
    expect(drained.logs.some((log) => log.level === "warning" && log.message.includes(endpointId) && log.message.includes("next sweep"))).toBe(true);
  });

  it("turn the deletion of a vault into a Removed row for each control it had", async () => {
    const vaultId = seedVault("kv-delete-01");
    await enqueue(eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-delete-01"));
    await drainEvents();
    const evaluated = rowsOf(vaultId).length;
    harness.emulator.estate.deleteResource(vaultId);

    const deletion = eventFor("kv-subscription-ResourceDeleteSuccess.constructed.eventgrid.json", "kv-delete-01");
    await enqueue(deletion);
    await drainEvents();

    const removed = rowsOf(vaultId).filter((row) => row.EventId === deletion.id);
    expect(removed).toHaveLength(evaluated);
    expect(removed.every((row) => row.Status === "Removed" && row.Transition === "Removed")).toBe(true);
  });
});

describe("Resource Notifications events delivered through the queue", () => {
  it("evaluate the payload without reading the vault, still reading its diagnostic settings, with booleans sent as 1 and 0", async () => {
    const event = eventFor("kv-arn-Resources-CreatedOrUpdated-intbooleans.constructed.eventgrid.json", "kv-arn-01");
    const resourceInfo = event.data["resourceInfo"] as Record<string, unknown>;
    const vaultId = String(resourceInfo["id"]);
    const vaultReads = served("armVault");
    const settingsReads = served("diagnosticSettings");

    await enqueue(event);
    await drainEvents();

    expect(served("armVault")).toBe(vaultReads);
    expect(served("diagnosticSettings") - settingsReads).toBe(1);
    const normalised = normaliseResource({ ...resourceInfo, diagnosticSettingsError: "not compared" });
    if (!normalised.ok) throw new Error("the reference payload does not normalise");
    const expected = evaluateResource(normalised.resource, { now: new Date() });
    const statuses = statusesOf(rowsOf(vaultId));
    for (const finding of expected.findings.filter((f) => !f.controlId.startsWith("VW-LOG"))) {
      expect([finding.controlId, statuses.get(finding.controlId)]).toEqual([finding.controlId, finding.status]);
    }
    expect(statuses.get("VW-DP-001")).toBe("Pass");
  });

  it("apply a payload only when it is newer than the last applied observation", async () => {
    const newer = eventFor("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json", "kv-arn-02");
    const older = eventFor("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json", "kv-arn-02");
    older.id = "older-payload";
    ((older.data["resourceInfo"] as Record<string, unknown>)["properties"] as Record<string, unknown>).publicNetworkAccess = "Enabled";
    (older.data["operationalInfo"] as Record<string, unknown>).resourceEventTime = "2026-11-20T09:00:00Z";
    const vaultId = String((newer.data["resourceInfo"] as Record<string, unknown>)["id"]);

    await enqueue(newer);
    await drainEvents();
    const afterNewer = rowsOf(vaultId).length;
    await enqueue(older);
    await drainEvents();

    expect(afterNewer).toBeGreaterThan(0);
    expect(rowsOf(vaultId)).toHaveLength(afterNewer);
    expect(statusesOf(rowsOf(vaultId)).get("VW-NET-001")).toBe("Pass");
  });

  it("record a Deleted notification as Removed rows, and refuse to bring the vault back with an older payload", async () => {
    const created = eventFor("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json", "kv-arn-03");
    const deleted = eventFor("kv-arn-Resources-Deleted.constructed.eventgrid.json", "kv-arn-03");
    const vaultId = String((created.data["resourceInfo"] as Record<string, unknown>)["id"]);

    await enqueue(created);
    await drainEvents();
    await enqueue(deleted);
    await drainEvents();
    await enqueue({ ...created, id: "replayed-create" });
    await drainEvents();

    const rows = rowsOf(vaultId);
    const removed = rows.filter((row) => row.EventId === deleted.id);
    expect(removed.length).toBe(rows.filter((row) => row.EventId === created.id).length);
    expect(removed.every((row) => row.Status === "Removed")).toBe(true);
    expect(rows.filter((row) => row.EventId === "replayed-create")).toEqual([]);
  });

  it("accept a Managed HSM payload in the CloudEvents schema", async () => {
    const event = referenceEvent("mhsm-arn-Resources-CreatedOrUpdated.constructed.cloudevent.json");

    await enqueue(event);
    await drainEvents();

    const rows = rowsOf(REFERENCE.hsmId);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.AzureResourceType === "Microsoft.KeyVault/managedHSMs" && row.EventId === event.id)).toBe(true);
    expect(statusesOf(rows).get("VW-IAM-002")).toBe("Pass");
  });
});

describe("the documentation's own samples", () => {
  const samples = referenceEventFiles().filter((file) => file.startsWith("docs-"));

  it("are acknowledged without a single request to Azure: placeholder subjects rejected to the poison queue, other resource types ignored", async () => {
    const filled = (event: RawEvent): RawEvent =>
      JSON.parse(
        JSON.stringify(event)
          // The Resource Notifications samples misspell one placeholder as {subcription-id}.
          .replace(/\{subs?cription-id\}/g, REFERENCE.subscriptionId)
          .replace(/\{(rg-name|resource-group)\}/g, "rg-docs")
          .replace(/\{[a-zA-Z-]+\}/g, "docs1"),
      ) as RawEvent;
    const events = samples.flatMap((file) => referenceEvents(file));
    const requestsBefore = harness.emulator.counters.totalRequests();

    const results = [];
    for (const event of [...events, ...events.map(filled)]) {
      results.push(await handleEventQueueMessage(event, invocationContext({ triggerMetadata: { dequeueCount: 1 } }).context, harness.deps));
    }

    expect(events.length).toBe(samples.length);
    expect(harness.emulator.counters.totalRequests()).toBe(requestsBefore);
    expect(results.slice(0, events.length).map((result) => result?.rejected[0]?.reason)).toEqual(
      events.map(() => expect.stringMatching(/^subject is not a well-formed ARM resource id/)),
    );
    expect(results.slice(events.length).map((result) => result?.ignored)).toEqual(events.map(() => 1));
    expect(await peekAll(poisonQueue)).toHaveLength(events.length);
  });
});

describe("malformed deliveries and failures on the queue", () => {
  it("move a message that is not JSON, and an event with a hostile subject, to the poison queue at once with the reason, sending nothing to Azure", async () => {
    const hostile = referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");
    hostile.subject = `${REFERENCE.vaultId}?api-version=2020-01-01&$filter=x`;
    hostile.data.resourceUri = hostile.subject;
    await eventsQueue.sendMessage(Buffer.from("{not json", "utf8").toString("base64"));
    await enqueue(hostile);
    const requestsBefore = harness.emulator.counters.totalRequests();

    const drained = await drainEvents();

    expect(drained).toMatchObject({ invocations: 2, succeeded: 2, failed: 0 });
    expect(harness.emulator.counters.totalRequests()).toBe(requestsBefore);
    const poisoned = (await peekAll(poisonQueue)) as Record<string, unknown>[];
    expect(poisoned.map((record) => record.reason).sort()).toEqual([
      "message is not JSON",
      expect.stringMatching(/^subject is not a well-formed ARM resource id/),
    ]);
    expect(poisoned.find((record) => record.reason === "message is not JSON")).toMatchObject({ source: "vaultwatch-events", message: "{not json", dequeueCount: 1 });
  });

  it("retry a delivery whose vault read failed past the SDK's retries, and complete it on the next delivery", async () => {
    const vaultId = seedVault("kv-retry-01");
    harness.emulator.knobs.faults.push({ kinds: ["armVault"], status: 503, pathContains: "kv-retry-01", remaining: 4 });

    await enqueue(eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-retry-01"));
    const drained = await drainEvents();

    expect(drained).toMatchObject({ invocations: 2, failed: 1, succeeded: 1 });
    expect(drained.logs.some((log) => log.level === "warning" && log.message.includes("will be retried"))).toBe(true);
    expect(statusesOf(rowsOf(vaultId))).toEqual(truthFor(vaultId));
  });

  it(`give up after ${QUEUE_MAX_DEQUEUE_COUNT} deliveries and keep the message on the poison queue with its reason`, async () => {
    seedVault("kv-broken-01");
    harness.emulator.knobs.faults.push({ kinds: ["armVault"], status: 503, pathContains: "kv-broken-01" });
    const event = eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-broken-01");

    await enqueue(event);
    const drained = await drainEvents();

    expect(drained).toMatchObject({ invocations: QUEUE_MAX_DEQUEUE_COUNT, failed: QUEUE_MAX_DEQUEUE_COUNT - 1, succeeded: 1, poisonedByHost: 0 });
    const [poisoned] = (await peekAll(poisonQueue)) as Record<string, unknown>[];
    expect(poisoned).toMatchObject({ source: "vaultwatch-events", dequeueCount: QUEUE_MAX_DEQUEUE_COUNT, message: event });
    expect(String(poisoned?.reason)).toMatch(/kv-broken-01.*503/);
    expect(drained.logs.some((log) => log.level === "error" && log.message.includes("MaxDequeueCount") && log.message.includes("vaultwatch-events-poison"))).toBe(true);
  });

  it("keep the rows in the spool while Logs Ingestion is down, acknowledging the event, and deliver them once it recovers", async () => {
    const first = seedVault("kv-outage-01");
    const second = seedVault("kv-outage-02");
    harness.emulator.knobs.outages.ingestion = "serviceUnavailable";

    await enqueue(eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-outage-01"));
    const duringOutage = await drainEvents();
    const spool = new BlobSpool(containerClientFor({ kind: "connectionString", connectionString: harness.azurite.connectionString }, SPOOL_CONTAINER_NAME));
    const spooled = await spool.summary();
    delete harness.emulator.knobs.outages.ingestion;
    await enqueue(eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-outage-02"));
    await drainEvents();

    expect(duringOutage).toMatchObject({ succeeded: 1, failed: 0 });
    expect(spooled.pendingRows).toBeGreaterThan(0);
    expect(duringOutage.logs.some((log) => /[1-9]\d* spooled, 0 refused \(spooled because: Logs Ingestion answered 503/.test(log.message))).toBe(true);
    expect(statusesOf(rowsOf(first))).toEqual(truthFor(first));
    expect(statusesOf(rowsOf(second))).toEqual(truthFor(second));
    expect((await spool.summary()).pendingRows).toBe(0);
  });
});

describe("the direct Event Grid trigger", () => {
  it("handle a ResourceWriteSuccess in the CloudEvents schema like the queued one", async () => {
    const vaultId = seedVault("kv-grid-01");
    const event = eventFor("kv-subscription-ResourceWriteSuccess.constructed.cloudevent.json", "kv-grid-01");
    const { context, logs } = invocationContext({ functionName: "resourceEventsFromEventGrid" });

    const result = await handleEventGridEvent(event, context, harness.deps);

    expect(result.failures).toEqual([]);
    expect(statusesOf(rowsOf(vaultId))).toEqual(truthFor(vaultId));
    expect(logs.some((log) => log.message.includes(String(event.id)))).toBe(true);
  });

  it("acknowledge a malformed event after putting it on the poison queue with its reason", async () => {
    const event = referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.cloudevent.json");
    delete event.subject;
    const { context } = invocationContext({ functionName: "resourceEventsFromEventGrid" });

    const result = await handleEventGridEvent(event, context, harness.deps);

    expect(result.rejected).toHaveLength(1);
    const [poisoned] = (await peekAll(poisonQueue)) as Record<string, unknown>[];
    expect(poisoned).toMatchObject({ source: "eventGridTrigger", message: event });
    expect(String(poisoned?.reason)).toMatch(/subject/);
  });

  it("throw on a transient failure so Event Grid redelivers the event", async () => {
    seedVault("kv-grid-02");
    harness.emulator.knobs.faults.push({ kinds: ["armVault"], status: 503, pathContains: "kv-grid-02" });
    const { context } = invocationContext({ functionName: "resourceEventsFromEventGrid" });

    const event = eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-grid-02");

    await expect(handleEventGridEvent(event, context, harness.deps)).rejects.toThrow(/Event Grid will redeliver it.*kv-grid-02.*503/);
  });
});

describe("a vault made public", () => {
  it("reaches the ledger as a New failure of VW-NET-001", async () => {
    const vaultId = seedVault("kv-public-01");
    await enqueue(eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-public-01"));
    await drainEvents();
    const body = harness.emulator.estate.getResource(vaultId) as Record<string, Record<string, unknown>>;
    body.properties!.publicNetworkAccess = "Enabled";
    harness.emulator.estate.upsertResource(body);
    const change = eventFor("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json", "kv-public-01");
    change.id = "made-public";

    await enqueue(change);
    await drainEvents();

    const row = rowsOf(vaultId).find((r) => r.EventId === "made-public" && r.ControlId === "VW-NET-001");
    expect(row).toMatchObject({ Status: "Fail", Transition: "New", PreviousStatus: "Pass", Severity: "High" });
  });
});
