import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscriptionEvent } from "../../cli/demo/subscriptionEvent.js";
import { processResourceEvents } from "../../shared/handlers/resourceEvents.js";
import { handleShardMessage } from "../../shared/handlers/shardHandler.js";
import { handleSweepTimer } from "../../shared/handlers/sweepTimerHandler.js";
import { SHARD_QUEUE_NAME } from "../../shared/queues/queueNames.js";
import { type FunctionsHarness, drainQueue, invocationContext, startFunctionsHarness } from "./support/harness.js";
import { currentPosture, postureDifferences, truthOf } from "./support/truth.js";

const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
const PUBLIC_ACCESS_BUILT_IN = "/providers/Microsoft.Authorization/policyDefinitions/405c5871-3e91-4644-8a63-58e19d68ff5b";
/** "[Preview]: Microsoft cloud security benchmark v2", which holds that built-in as `KVPublicAccess`. */
const MCSB_V2 = "/providers/Microsoft.Authorization/policySetDefinitions/e3ec7e09-768c-4b64-882c-fcada3772047";

function resourceGroupOf(id: string): string {
  return id.split("/").slice(0, 5).join("/");
}

describe("a sweep honours Azure Policy exemptions of the built-ins a control relates to", () => {
  let harness: FunctionsHarness;
  beforeAll(async () => {
    harness = await startFunctionsHarness({ emulator: { estate: { resources: 120, subscriptions: 2, seed: 11 } } });
  });
  afterAll(async () => harness?.stop());

  it("waives VW-NET-001 on the exempted resource groups' vaults, and nowhere else", { timeout: 300_000 }, async () => {
    const estate = harness.emulator.estate;
    const now = new Date();
    const truth = truthOf(estate, now);
    // Resource groups that hold a vault failing VW-NET-001, in id order.
    const failingGroups = [
      ...new Set(
        [...truth]
          .filter(([id, controls]) => id.includes("/microsoft.keyvault/vaults/") && controls.get("VW-NET-001") === "Fail")
          .map(([id]) => resourceGroupOf(id)),
      ),
    ];
    expect(failingGroups.length).toBeGreaterThanOrEqual(3);
    const [direct, viaInitiative, otherMember] = failingGroups as [string, string, string];
    const subscriptionOf = (group: string) => group.split("/").slice(0, 3).join("/");
    const rootGroup = estate.managementGroups().find((group) => group.parentId === undefined)?.id ?? "";

    // A subscription assignment of the built-in, exempted on one resource group.
    estate.upsertPolicyResource({
      id: `${subscriptionOf(direct)}/providers/Microsoft.Authorization/policyAssignments/kv-public-access`,
      type: "Microsoft.Authorization/policyAssignments",
      name: "kv-public-access",
      properties: { policyDefinitionId: PUBLIC_ACCESS_BUILT_IN, displayName: "Key vaults disable public access", notScopes: [] },
    });
    estate.upsertPolicyResource({
      id: `${direct}/providers/Microsoft.Authorization/policyExemptions/legacy-apps`,
      type: "Microsoft.Authorization/policyExemptions",
      name: "legacy-apps",
      properties: {
        policyAssignmentId: `${subscriptionOf(direct)}/providers/Microsoft.Authorization/policyAssignments/kv-public-access`,
        exemptionCategory: "Waiver",
        expiresOn: "2099-01-01T00:00:00Z",
        displayName: "Legacy apps reach their vaults over the internet until migration",
      },
    });
    // A management group assignment of Microsoft's initiative: one exemption names the member, one names another member.
    const initiativeAssignment = `/providers/Microsoft.Management/managementGroups/${rootGroup}/providers/Microsoft.Authorization/policyAssignments/mcsb-v2`;
    estate.upsertPolicyResource({
      id: initiativeAssignment,
      type: "Microsoft.Authorization/policyAssignments",
      name: "mcsb-v2",
      properties: { policyDefinitionId: MCSB_V2, notScopes: [] },
    });
    estate.upsertPolicyResource({
      id: `${viaInitiative}/providers/Microsoft.Authorization/policyExemptions/perimeter-instead`,
      type: "Microsoft.Authorization/policyExemptions",
      name: "perimeter-instead",
      properties: { policyAssignmentId: initiativeAssignment, policyDefinitionReferenceIds: ["KVPublicAccess"], exemptionCategory: "Mitigated" },
    });
    estate.upsertPolicyResource({
      id: `${otherMember}/providers/Microsoft.Authorization/policyExemptions/rbac-later`,
      type: "Microsoft.Authorization/policyExemptions",
      name: "rbac-later",
      properties: { policyAssignmentId: initiativeAssignment, policyDefinitionReferenceIds: ["keyvaultServiceRbacEnabledMonitoring"], exemptionCategory: "Waiver" },
    });

    const { context } = invocationContext({ functionName: "sweepTimer" });
    const plan = await handleSweepTimer(timer, context, harness.deps);
    const drained = await drainQueue(harness.queues.getQueueClient(SHARD_QUEUE_NAME), (message, ctx) => handleShardMessage(message, ctx, harness.deps), {
      queues: harness.queues,
    });
    expect(drained).toMatchObject({ succeeded: plan.shards.length, failed: 0 });

    const expected = truthOf(estate, new Date(plan.plannedAt));
    // Failing vaults there are waived; those a tag already waived now name the exemption too.
    let waivedVaults = 0;
    for (const [id, controls] of expected) {
      const exempted = resourceGroupOf(id) === direct || resourceGroupOf(id) === viaInitiative;
      if (exempted && id.includes("/microsoft.keyvault/vaults/") && (controls.get("VW-NET-001") === "Fail" || controls.get("VW-NET-001") === "Waived")) {
        controls.set("VW-NET-001", "Waived");
        waivedVaults += 1;
      }
      // The other member's exemption waives VW-IAM-001 in its group, not VW-NET-001.
      if (resourceGroupOf(id) === otherMember && controls.get("VW-IAM-001") === "Fail") controls.set("VW-IAM-001", "Waived");
    }
    expect(waivedVaults).toBeGreaterThanOrEqual(2);
    const rows = harness.ledgerRows();
    expect(postureDifferences(currentPosture(rows), expected)).toEqual([]);

    const waivedRows = rows.filter((row) => row.ControlId === "VW-NET-001" && row.Status === "Waived" && String(row.WaiverSource).includes("policyExemption"));
    expect(waivedRows.length).toBe(waivedVaults);
    const direct0 = waivedRows.find((row) => resourceGroupOf(String(row.AzureResourceId)).toLowerCase() === direct);
    expect(direct0).toMatchObject({
      WaiverSource: expect.stringContaining("policyExemption"),
      Waivers: expect.arrayContaining([expect.objectContaining({ kind: "policyExemption", category: "Waiver", name: "legacy-apps", state: "active" })]),
    });
    expect(String(direct0?.Reason)).toMatch(/Azure Policy exemption legacy-apps \(Waiver\)/);
    const viaInitiative0 = waivedRows.find((row) => resourceGroupOf(String(row.AzureResourceId)).toLowerCase() === viaInitiative);
    expect(viaInitiative0).toMatchObject({ Waivers: expect.arrayContaining([expect.objectContaining({ category: "Mitigated", name: "perimeter-instead" })]) });

    // An event for an exempted vault judges it as the sweep did: still waived, no new violation, no flapping.
    const vaultId = String(direct0?.AzureResourceId);
    const body = estate.getResource(vaultId)!;
    estate.upsertResource({ ...body, tags: { ...(body.tags as object), touched: "yes" } });
    const event = subscriptionEvent({
      kind: "Write",
      subject: vaultId,
      operationName: "Microsoft.KeyVault/vaults/write",
      caller: { userPrincipalName: "dev@contoso.com", objectId: "00000000-0000-0000-0000-0000000000c1", role: "Contributor", principalType: "User", clientIp: "203.0.113.7" },
      time: new Date(),
      tenantId: estate.tenantId,
    });
    const result = await processResourceEvents([event], harness.deps);
    expect(result.failures).toEqual([]);
    const eventRow = harness
      .ledgerRows()
      .filter((row) => row.Trigger === "event" && row.ControlId === "VW-NET-001" && String(row.AzureResourceId).toLowerCase() === vaultId.toLowerCase())
      .at(-1);
    expect(eventRow).toMatchObject({ Status: "Waived", Transition: "Unchanged", WaiverSource: expect.stringContaining("policyExemption") });
    // An exemption without expiresOn never ends, so the row carries no expiry unless a source that does end decides it.
    const onlyExempted = waivedRows.filter((row) => row.WaiverSource === "policyExemption");
    for (const row of onlyExempted) {
      const names = (row.Waivers as { name?: string }[]).map((source) => source.name);
      if (names.includes("perimeter-instead")) expect(row.WaiverExpiry).toBeUndefined();
      if (names.includes("legacy-apps")) expect(row.WaiverExpiry).toBe("2099-01-01T00:00:00.000Z");
    }
  });
});
