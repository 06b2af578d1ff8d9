import { describe, expect, it } from "vitest";
import { referenceEvent, referenceEvents } from "../../test/fixtures/events.js";
import { parseDelivery } from "./eventEnvelope.js";
import { coalesceChanges } from "./coalesce.js";
import { resourceChangeOf } from "./resourceChange.js";

const VAULT_ID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-prod-01";

describe("Microsoft.Resources events from a subscription system topic", () => {
  it("asks for a re-read of the vault named by a ResourceWriteSuccess in the Event Grid schema", () => {
    const change = resourceChangeOf(referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json"));
    expect(change).toMatchObject({ kind: "reread", target: { id: VAULT_ID, key: VAULT_ID.toLowerCase(), kind: "vault" } });
  });

  it("reads the same vault from the CloudEvents schema", () => {
    const change = resourceChangeOf(referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.cloudevent.json"));
    expect(change).toMatchObject({ kind: "reread", target: { id: VAULT_ID } });
  });

  it("turns a deletion into a re-read, whose 404 is the truth about the deletion", () => {
    const change = resourceChangeOf(referenceEvent("kv-subscription-ResourceDeleteSuccess.constructed.eventgrid.json"));
    expect(change).toMatchObject({ kind: "reread", target: { id: VAULT_ID } });
  });

  it("maps a private endpoint connection and a diagnostic setting back to their vault, and ignores a purge of a deleted vault", () => {
    const batch = referenceEvents("kv-subscription-child-and-action-batch.constructed.eventgrid.json").map(resourceChangeOf);
    expect(batch.map((change) => change.kind)).toEqual(["reread", "reread", "ignored"]);
    expect(batch[0]).toMatchObject({ target: { id: VAULT_ID } });
    expect(batch[1]).toMatchObject({ target: { id: VAULT_ID } });
  });

  it("compares ids case-insensitively, keeping the caller's casing", () => {
    const event = referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");
    const lower = VAULT_ID.replace("resourceGroups", "resourcegroups").replace("kv-prod-01", "KV-PROD-01");
    event.subject = lower;
    (event.data as Record<string, unknown>).resourceUri = lower.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/");
    const change = resourceChangeOf(event);
    expect(change).toMatchObject({ kind: "reread", target: { key: VAULT_ID.toLowerCase() } });
  });

  it("asks for the private endpoint to be read when the subject is a Microsoft.Network/privateEndpoints resource", () => {
    const event = referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");
    const endpoint = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-kv-prod-01";
    event.subject = endpoint;
    (event.data as Record<string, unknown>).resourceUri = endpoint;
    expect(resourceChangeOf(event)).toMatchObject({ kind: "privateEndpoint", privateEndpointId: endpoint, deleted: false });
  });

  it("acknowledges and ignores other resource types cheaply", () => {
    const change = resourceChangeOf(referenceEvent("docs-subscription-ResourceWriteSuccess.eventgrid.json"));
    // The docs sample uses placeholders such as {subscription-id}: not a well-formed id, so it is rejected, not read.
    expect(change.kind).toBe("rejected");
    const storage = referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");
    const account = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-sec/providers/Microsoft.Storage/storageAccounts/st1";
    storage.subject = account;
    (storage.data as Record<string, unknown>).resourceUri = account;
    expect(resourceChangeOf(storage)).toMatchObject({ kind: "ignored" });
  });

  it("ignores secret writes and role assignments on a vault's scope, which change no control", () => {
    const event = referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");
    for (const subject of [`${VAULT_ID}/secrets/db-password`, `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/abc`]) {
      event.subject = subject;
      (event.data as Record<string, unknown>).resourceUri = subject;
      expect(resourceChangeOf(event)).toMatchObject({ kind: "ignored" });
    }
  });
});

describe("Resource Notifications events", () => {
  it("carries the vault payload with booleans as 1/0 and the time the resource changed", () => {
    const change = resourceChangeOf(referenceEvent("kv-arn-Resources-CreatedOrUpdated-intbooleans.constructed.eventgrid.json"));
    expect(change.kind).toBe("payload");
    if (change.kind !== "payload") return;
    expect(change.target.id).toBe(VAULT_ID);
    expect(change.observedAt.toISOString()).toBe("2026-11-20T10:15:31.000Z");
    expect((change.resource.properties as Record<string, unknown>).enablePurgeProtection).toBe(1);
  });

  it("carries a Managed HSM payload from the CloudEvents schema", () => {
    const change = resourceChangeOf(referenceEvent("mhsm-arn-Resources-CreatedOrUpdated.constructed.cloudevent.json"));
    expect(change).toMatchObject({ kind: "payload", target: { kind: "managedHsm" } });
  });

  it("reports a deletion with its time", () => {
    const change = resourceChangeOf(referenceEvent("kv-arn-Resources-Deleted.constructed.eventgrid.json"));
    expect(change).toMatchObject({ kind: "deleted", target: { id: VAULT_ID } });
  });

  it("ignores resources of other types", () => {
    const event = referenceEvent("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json");
    const account = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-sec/providers/Microsoft.Storage/storageAccounts/st1";
    event.subject = account;
    const data = event.data as { resourceInfo: Record<string, unknown> };
    data.resourceInfo.id = account;
    data.resourceInfo.type = "Microsoft.Storage/storageAccounts";
    expect(resourceChangeOf(event)).toMatchObject({ kind: "ignored" });
  });
});

describe("malformed and hostile events", () => {
  const base = (): Record<string, unknown> => referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");

  it.each([
    ["a query string", `${VAULT_ID}?api-version=2020-01-01`],
    ["a path traversal", "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/../../x"],
    ["an encoded slash", `${VAULT_ID}%2F..%2Fother`],
    ["a subscription that is not a GUID", "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"],
    ["a newline", `${VAULT_ID}\n`],
    ["a KQL injection", "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg'|where 1==1/providers/Microsoft.KeyVault/vaults/kv"],
  ])("rejects a subject with %s before it reaches any request", (_label, subject) => {
    const event = base();
    event.subject = subject;
    (event.data as Record<string, unknown>).resourceUri = subject;
    const change = resourceChangeOf(event);
    expect(change.kind).toBe("rejected");
    if (change.kind === "rejected") expect(change.reason).toMatch(/subject is not a well-formed ARM resource id/);
  });

  it("rejects a forged subject that disagrees with data.resourceUri, so it cannot redirect evaluation or attribution", () => {
    const event = base();
    event.subject = VAULT_ID.replace("kv-prod-01", "kv-innocent");
    expect(resourceChangeOf(event)).toMatchObject({ kind: "rejected", reason: "subject and data.resourceUri name different resources" });
  });

  it("rejects a subject outside the publishing topic's subscription", () => {
    const event = base();
    event.topic = "/subscriptions/99999999-9999-9999-9999-999999999999";
    expect(resourceChangeOf(event)).toMatchObject({ kind: "rejected" });
  });

  it("rejects an event without its required envelope fields, naming them", () => {
    const event = base();
    delete event.subject;
    delete event.eventTime;
    const change = resourceChangeOf(event);
    expect(change.kind).toBe("rejected");
    if (change.kind === "rejected") expect(change.reason).toMatch(/subject/);
  });

  it("rejects a Resource Notifications event whose payload names another resource than its subject", () => {
    const event = referenceEvent("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json");
    (event.data as { resourceInfo: Record<string, unknown> }).resourceInfo.id = VAULT_ID.replace("kv-prod-01", "kv-other");
    expect(resourceChangeOf(event)).toMatchObject({ kind: "rejected" });
  });

  it("reports deliveries that are not JSON or hold no events", () => {
    expect(parseDelivery("{not json")).toEqual({ ok: false, error: "message is not JSON" });
    expect(parseDelivery("[]")).toEqual({ ok: false, error: "message holds an empty list of events" });
    expect(parseDelivery("42")).toMatchObject({ ok: false });
    expect(parseDelivery(JSON.stringify([base(), base()]))).toMatchObject({ ok: true, events: [{}, {}] });
  });
});

describe("change attribution", () => {
  it("names the operation, the caller, the role, the client IP and the correlation id of a write", () => {
    const event = base();
    const claims = (event.data as { claims: Record<string, unknown> }).claims;
    claims["http://schemas.microsoft.com/identity/claims/objectidentifier"] = "33333333-3333-3333-3333-333333333333";
    claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = "alice@contoso.com";
    const change = resourceChangeOf(event);
    expect(change.kind === "reread" && change.cause.attribution).toEqual({
      operation: "Microsoft.KeyVault/vaults/write",
      callerObjectId: "33333333-3333-3333-3333-333333333333",
      callerName: "alice@contoso.com",
      callerRole: "Contributor",
      clientIp: "203.0.113.7",
      correlationId: "6c0a4b3e-9d1f-4e0c-8a57-3f2b9c1d2e10",
    });
  });

  it("falls back to the application id for a service principal and omits what the event does not carry", () => {
    const event = base();
    const data = event.data as Record<string, unknown>;
    data.claims = { appid: "44444444-4444-4444-4444-444444444444" };
    delete data.httpRequest;
    delete data.authorization;
    const change = resourceChangeOf(event);
    expect(change.kind === "reread" && change.cause.attribution).toEqual({
      operation: "Microsoft.KeyVault/vaults/write",
      callerName: "44444444-4444-4444-4444-444444444444",
      correlationId: "6c0a4b3e-9d1f-4e0c-8a57-3f2b9c1d2e10",
    });
  });

  it("keeps hostile claim text as inert, length-capped data", () => {
    const event = base();
    (event.data as Record<string, unknown>).claims = { upn: `<script>alert(1)</script>\u0000${"x".repeat(1000)}` };
    const change = resourceChangeOf(event);
    const name = change.kind === "reread" ? change.cause.attribution?.callerName : undefined;
    expect(name?.startsWith("<script>alert(1)</script>x")).toBe(true);
    expect(name?.length).toBe(256);
  });

  function base(): Record<string, unknown> {
    return referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");
  }
});

describe("coalescing a batch", () => {
  it("reads a resource once however many events name it, keeping the latest cause", () => {
    const first = referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");
    const second = referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json");
    second.id = "later";
    second.eventTime = "2026-11-20T11:00:00Z";
    const child = referenceEvents("kv-subscription-child-and-action-batch.constructed.eventgrid.json")[0];
    const changes = [second, first, child].map(resourceChangeOf).filter((c) => c.kind === "reread");
    const work = coalesceChanges(changes);
    expect(work).toHaveLength(1);
    expect(work[0]).toMatchObject({ kind: "reread", cause: { eventId: "later" } });
  });

  it("prefers a re-read over payloads, and the newest payload over older ones", () => {
    const older = resourceChangeOf(referenceEvent("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json"));
    const newerEvent = referenceEvent("kv-arn-Resources-CreatedOrUpdated-intbooleans.constructed.eventgrid.json");
    (newerEvent.data as { operationalInfo: Record<string, unknown> }).operationalInfo.resourceEventTime = "2026-11-21T00:00:00Z";
    const newer = resourceChangeOf(newerEvent);
    if (older.kind !== "payload" || newer.kind !== "payload") throw new Error("expected payloads");
    expect(coalesceChanges([newer, older])[0]).toMatchObject({ kind: "payload", observedAt: new Date("2026-11-21T00:00:00Z") });
    const reread = resourceChangeOf(referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json"));
    if (reread.kind !== "reread") throw new Error("expected a re-read");
    expect(coalesceChanges([older, reread, newer])[0]?.kind).toBe("reread");
  });
});
