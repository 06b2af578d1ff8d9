/**
 * Microsoft's own payloads (the spec examples in test/fixtures/reference and the documented events in
 * test/fixtures/events, each with its source in the folder's README) through the readers, the normaliser and the
 * evaluator, with the statuses each must get written out here: the catalog applied by hand, not by the code.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceItemsOf } from "../../cli/input.js";
import { Estate, type Emulator, type JsonObject, startEmulator } from "../../emulator/index.js";
import { evaluateItems, newTally } from "../../shared/evaluate/evaluateItems.js";
import { resourceChangeOf } from "../../shared/events/resourceChange.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { ControlId, Status } from "../../shared/model/finding.js";
import { PROJECTED_PROPERTIES } from "../../shared/normalise/postureRow.js";
import { ArmRestClient } from "../../shared/readers/armRestClient.js";
import { DiagnosticSettingsReader } from "../../shared/readers/diagnosticSettingsReader.js";
import { ResourceGraphReader } from "../../shared/readers/resourceGraphReader.js";
import { scanEstate } from "../../shared/scan/scanEstate.js";
import { NOW } from "../fixtures/evaluation.js";
import { referenceEventFiles, referenceEvents } from "../fixtures/events.js";
import { sdkClients } from "../support/emulatorClients.js";

type Statuses = Partial<Record<ControlId, Status>>;
type Body = JsonObject & { id: string; name: string; type: string; properties?: JsonObject };

function example(file: string, status = "200"): unknown {
  const parsed = JSON.parse(readFileSync(new URL(`../fixtures/reference/${file}.json`, import.meta.url), "utf8")) as { responses: Record<string, { body: unknown }> };
  return structuredClone(parsed.responses[status]?.body);
}
const listOf = (file: string): Body[] => (example(file) as { value: Body[] }).value;

/** The example connection, as it stands while it awaits approval. */
function pendingConnection(): JsonObject {
  const connection = listOf("listPrivateEndpointConnection")[0] as JsonObject & { properties: JsonObject };
  connection.properties.privateLinkServiceConnectionState = { status: "Pending", description: "Please approve", actionsRequired: "None" };
  connection.properties.provisioningState = "Succeeded";
  return connection;
}

const vaultWithAclsAndPendingConnection = (): Body => {
  const vault = example("createVaultWithNetworkAcls") as Body;
  (vault.properties as JsonObject).privateEndpointConnections = [pendingConnection()];
  return vault;
};

/** The statuses the catalog gives each example, worked out from CONTROLS.md by hand. */
const PLAIN_VAULT: Statuses = {
  // No publicNetworkAccess, no networkAcls: public, firewall allowing all, trusted services bypassing.
  "VW-NET-001": "Fail",
  "VW-NET-002": "Fail",
  "VW-NET-003": "Fail",
  "VW-NET-004": "Pass",
  "VW-NET-005": "NotApplicable",
  "VW-NET-006": "Fail",
  "VW-NET-007": "Pass",
  "VW-DP-001": "Fail",
  "VW-LOG-001": "Unknown",
  "VW-LOG-002": "NotApplicable",
  "VW-IAM-001": "Fail",
};
const EXPECTED: Record<string, { body: () => Body; statuses: Statuses; exposure: string }> = {
  // Vaults_Get omits enableSoftDelete: absent is off.
  getVault: { body: () => example("getVault") as Body, statuses: { ...PLAIN_VAULT, "VW-DP-002": "Fail" }, exposure: "Internet" },
  // Vaults_List's item says enableSoftDelete true, retention absent (90 days).
  listVaultBySubscription: { body: () => listOf("listVaultBySubscription")[0] as Body, statuses: { ...PLAIN_VAULT, "VW-DP-002": "Pass" }, exposure: "Internet" },
  // Firewall Deny with an IP rule (a quoted, invalid one beside it) and a subnet, plus a connection awaiting approval.
  createVaultWithNetworkAclsAndPendingConnection: {
    body: vaultWithAclsAndPendingConnection,
    statuses: {
      ...PLAIN_VAULT,
      "VW-NET-002": "Pass",
      "VW-NET-004": "Fail",
      "VW-NET-005": "Fail",
      "VW-DP-002": "Fail",
    },
    exposure: "PublicRestricted",
  },
  // ManagedHsms_Get: purge protection false, soft delete on with 90 days, no security domain status reported.
  ManagedHsm_Get: {
    body: () => example("ManagedHsm_Get") as Body,
    statuses: {
      "VW-NET-001": "Fail",
      "VW-NET-002": "Fail",
      "VW-NET-003": "Fail",
      "VW-NET-004": "Pass",
      "VW-NET-005": "NotApplicable",
      "VW-NET-006": "Fail",
      "VW-NET-007": "Pass",
      "VW-DP-001": "Fail",
      "VW-DP-002": "Pass",
      "VW-LOG-001": "Unknown",
      "VW-LOG-002": "NotApplicable",
      "VW-IAM-002": "Unknown",
    },
    exposure: "Internet",
  },
};

function evaluationsOf(items: unknown[]): ResourceEvaluation[] {
  return [...evaluateItems(items, { now: NOW })];
}
function statuses(evaluation: ResourceEvaluation | undefined): Statuses {
  return Object.fromEntries((evaluation?.findings ?? []).map((finding) => [finding.controlId, finding.status]));
}

/** A row of vaultwatch's posture query as Resource Graph renders the projection: `type` lower-cased, absent as null. */
function postureRow(body: Body): JsonObject {
  const row: JsonObject = { id: body.id, name: body.name, type: body.type.toLowerCase(), location: body.location ?? null, tags: body.tags ?? {} };
  for (const name of PROJECTED_PROPERTIES) row[name] = structuredClone(body.properties?.[name] ?? null);
  return row;
}

describe("Microsoft's Key Vault and Managed HSM examples", () => {
  it.each(Object.entries(EXPECTED))("%s gets the catalog's statuses from its ARM body", (_, { body, statuses: expected, exposure }) => {
    const [evaluation] = evaluationsOf([body()]);
    expect(statuses(evaluation)).toEqual(expected);
    expect(evaluation?.exposure.class).toBe(exposure);
    expect(evaluation?.warnings).toEqual([]);
  });

  it.each(Object.entries(EXPECTED))("%s gets the same statuses in vaultwatch's posture-query shape, as objects and as a table", (_, { body, statuses: expected, exposure }) => {
    const row = postureRow(body());
    const asObjects = resourceItemsOf({ totalRecords: 1, count: 1, resultTruncated: "false", data: [row] });
    const columns = Object.keys(row).map((name) => ({ name, type: "object" }));
    const asTable = resourceItemsOf({ totalRecords: 1, count: 1, resultTruncated: "false", data: { columns, rows: [Object.values(row)] } });
    for (const items of [asObjects, asTable]) {
      const [evaluation] = evaluationsOf(items);
      expect(statuses(evaluation)).toEqual(expected);
      expect(evaluation?.exposure.class).toBe(exposure);
    }
  });

  it("judges every item of the list examples, vaults and HSMs alike", () => {
    const evaluations = evaluationsOf([...listOf("listVaultBySubscription"), ...listOf("ManagedHsm_ListBySubscription")]);
    // Passed weights over judged weights: the vault passes NET-004 (5), NET-007 (2) and DP-002 (5) of 54, the HSMs of 49.
    expect(evaluations.map((evaluation) => [evaluation.resource.name, evaluation.score])).toEqual([
      ["sample-vault", 22],
      ["hsm1", 24],
      ["hsm2", 24],
    ]);
    for (const evaluation of evaluations) expect(evaluation.score).not.toBeNull();
  });

  it("reads the diagnostic settings examples: allLogs to storage, Event Hubs and a partner collects audit logs, but not in a workspace", () => {
    for (const settings of [example("listDiagnosticSettings"), [example("getDiagnosticSetting")]]) {
      const [evaluation] = evaluationsOf([{ ...(example("getVault") as Body), diagnosticSettings: settings }]);
      expect(statuses(evaluation)).toMatchObject({ "VW-LOG-001": "Pass", "VW-LOG-002": "Fail" });
    }
  });

  it("finds no vault or HSM in Resource Graph's paging examples (disks, automation accounts, runbooks)", () => {
    for (const file of ["ResourcesFirstPageQuery", "ResourcesNextPageQuery"]) {
      const tally = newTally();
      expect([...evaluateItems(resourceItemsOf(example(file)), { now: NOW }, tally)]).toEqual([]);
      expect(tally.evaluated).toBe(0);
      expect(tally.items).toBeGreaterThan(0);
      expect(tally.malformed).toEqual([]);
    }
  });
});

describe("Microsoft's examples served by the emulator and read through the live readers", () => {
  const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
  let emulator: Emulator;
  const bodies = (): Body[] => [vaultWithAclsAndPendingConnection(), ...listOf("listVaultBySubscription"), ...listOf("ManagedHsm_ListBySubscription")];

  beforeAll(async () => {
    const estate = new Estate(SUBSCRIPTION, () => NOW);
    estate.addManagementGroup("root");
    estate.addSubscription({ subscriptionId: SUBSCRIPTION, displayName: "examples", tenantId: SUBSCRIPTION, managementGroupId: "root" });
    for (const body of bodies()) estate.upsertResource(body, { keepSystemData: true });
    const acls = bodies()[0] as Body;
    const setting = example("getDiagnosticSetting") as JsonObject;
    estate.setDiagnosticSettings(acls.id, [setting], { keepSystemData: true });
    emulator = await startEmulator({ estate });
  });
  afterAll(async () => emulator?.stop());

  it("gives each resource the statuses its ARM body gets offline", async () => {
    const resourceGraph = new ResourceGraphReader(sdkClients(emulator).graph);
    const diagnosticSettings = new DiagnosticSettingsReader(new ArmRestClient(emulator.credential, emulator.clientOptions()), { backoffMs: 5 });
    const scanned = new Map<string, Statuses>();
    for await (const evaluation of scanEstate({ scope: { kind: "subscriptions", subscriptionIds: [SUBSCRIPTION] }, now: NOW, resourceGraph, diagnosticSettings })) {
      scanned.set(evaluation.resource.resourceId.toLowerCase(), statuses(evaluation));
    }
    expect(scanned.size).toBe(4);
    const acls = bodies()[0] as Body;
    expect(scanned.get(acls.id.toLowerCase())).toEqual({
      ...EXPECTED.createVaultWithNetworkAclsAndPendingConnection?.statuses,
      // The settings example sends allLogs to storage, Event Hubs and a partner, none to a workspace.
      "VW-LOG-001": "Pass",
      "VW-LOG-002": "Fail",
    });
    const listed = listOf("listVaultBySubscription")[0] as Body;
    // Served with no diagnostic setting: the list is read, and it is empty.
    expect(scanned.get(listed.id.toLowerCase())).toEqual({ ...EXPECTED.listVaultBySubscription?.statuses, "VW-LOG-001": "Fail" });
    for (const hsm of listOf("ManagedHsm_ListBySubscription")) {
      expect(scanned.get(hsm.id.toLowerCase())).toEqual({ ...EXPECTED.ManagedHsm_Get?.statuses, "VW-LOG-001": "Fail" });
    }
  });
});

/** What each documented or constructed event asks of vaultwatch, written out per file. */
const EVENT_OUTCOMES: Record<string, readonly string[]> = {
  "docs-arn-Resources-CreatedOrUpdated.cloudevent.json": ["ignored"],
  "docs-arn-Resources-CreatedOrUpdated.eventgrid.json": ["ignored"],
  "docs-arn-Resources-Deleted.cloudevent.json": ["ignored"],
  "docs-arn-Resources-Deleted.eventgrid.json": ["ignored"],
  "docs-subscription-ResourceActionSuccess.eventgrid.json": ["ignored"],
  "docs-subscription-ResourceDeleteSuccess.eventgrid.json": ["ignored"],
  "docs-subscription-ResourceWriteSuccess.eventgrid.json": ["ignored"],
  "kv-arn-Resources-CreatedOrUpdated-intbooleans.constructed.eventgrid.json": ["payload"],
  "kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json": ["payload"],
  "kv-arn-Resources-Deleted.constructed.eventgrid.json": ["deleted"],
  "kv-subscription-ResourceDeleteSuccess.constructed.eventgrid.json": ["reread"],
  "kv-subscription-ResourceWriteSuccess.constructed.cloudevent.json": ["reread"],
  "kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json": ["reread"],
  "kv-subscription-child-and-action-batch.constructed.eventgrid.json": ["reread", "reread", "ignored"],
  "mhsm-arn-Resources-CreatedOrUpdated.constructed.cloudevent.json": ["payload"],
};

/** Microsoft's placeholders (`{subscription-id}`) filled with a GUID, as a real event carries one. */
function filled(event: unknown): unknown {
  return JSON.parse(JSON.stringify(event).replaceAll(/\{subs?cription-id\}/g, "11111111-2222-3333-4444-555555555555").replaceAll(/\{[a-zA-Z-]+\}/g, "x"));
}

describe("the documented and constructed events", () => {
  it("cover every vendored event file", () => {
    expect(referenceEventFiles().sort()).toEqual(Object.keys(EVENT_OUTCOMES).sort());
  });

  it.each(Object.entries(EVENT_OUTCOMES))("%s asks for %j", (file, outcomes) => {
    expect(referenceEvents(file).map((event) => resourceChangeOf(filled(event)).kind)).toEqual(outcomes);
  });

  it("evaluates the resource each Resource Notifications payload carries, booleans as 1/0 included", () => {
    // kv-prod-01: public access Disabled, an approved private endpoint, RBAC, purge protection; trusted services bypass.
    const vault: Statuses = {
      "VW-NET-001": "Pass",
      "VW-NET-002": "NotApplicable",
      "VW-NET-003": "Pass",
      "VW-NET-004": "Pass",
      "VW-NET-005": "NotApplicable",
      "VW-NET-006": "Fail",
      "VW-NET-007": "NotApplicable",
      "VW-DP-001": "Pass",
      "VW-DP-002": "Pass",
      "VW-LOG-001": "Unknown",
      "VW-LOG-002": "NotApplicable",
      "VW-IAM-001": "Pass",
    };
    const expected: Record<string, Statuses> = {
      "kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json": vault,
      "kv-arn-Resources-CreatedOrUpdated-intbooleans.constructed.eventgrid.json": vault,
      // mhsm-prod-01: public access on but the firewall denies all with no rule and no bypass; no private endpoint.
      "mhsm-arn-Resources-CreatedOrUpdated.constructed.cloudevent.json": {
        "VW-NET-001": "Fail",
        "VW-NET-002": "Pass",
        "VW-NET-003": "Fail",
        "VW-NET-004": "Pass",
        "VW-NET-005": "Pass",
        "VW-NET-006": "Pass",
        "VW-NET-007": "Pass",
        "VW-DP-001": "Pass",
        "VW-DP-002": "Pass",
        "VW-LOG-001": "Unknown",
        "VW-LOG-002": "NotApplicable",
        "VW-IAM-002": "Pass",
      },
    };
    for (const file of Object.keys(expected)) {
      const change = resourceChangeOf(filled(referenceEvents(file)[0]));
      if (change.kind !== "payload") throw new Error(`${file} carries no payload`);
      const [evaluation] = evaluationsOf([change.resource]);
      expect(evaluation?.warnings, file).toEqual([]);
      expect(evaluation?.score, file).not.toBeNull();
      expect(statuses(evaluation), file).toEqual(expected[file]);
    }
  });

  it("accepts the spec's CloudEvents examples, and a CloudEvent without the optional time", () => {
    for (const file of ["resources-cloudevent-resource_write_success", "resourcenotifications-cloudevent-Resources_Deleted"]) {
      const event = filled(JSON.parse(readFileSync(new URL(`../fixtures/reference/${file}.json`, import.meta.url), "utf8"))) as JsonObject;
      expect(resourceChangeOf(event).kind, file).toBe("ignored"); // a storage account: not vaultwatch's
      const { time: _time, ...withoutTime } = event;
      expect(resourceChangeOf(withoutTime).kind, `${file} without time`).toBe("ignored");
    }
  });
});
