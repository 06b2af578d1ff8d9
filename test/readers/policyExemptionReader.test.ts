import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, generateEstate, startEmulator } from "../../emulator/index.js";
import { CachedPolicyExemptions, PolicyExemptionReader } from "../../shared/readers/policyExemptionReader.js";
import { ResourceGraphReader } from "../../shared/readers/resourceGraphReader.js";
import { sdkClients } from "../support/emulatorClients.js";

const generated = generateEstate({ resources: 20, subscriptions: 2, seed: 4 });
const [first, second] = generated.estate.subscriptions().map((subscription) => subscription.subscriptionId) as [string, string];
const vault = [...generated.estate.exportBodies()].map((body) => String(body.id)).find((id) => id.includes(first) && id.includes("/vaults/"))!;
const group = vault.split("/").slice(0, 5).join("/");
const rbacBuiltIn = "/providers/Microsoft.Authorization/policyDefinitions/12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5";
const customInitiative = `/subscriptions/${first}/providers/Microsoft.Authorization/policySetDefinitions/kv-baseline`;
const rootAssignment = `/providers/Microsoft.Management/managementGroups/${generated.rootManagementGroupId}/providers/Microsoft.Authorization/policyAssignments/kv-baseline`;

function exemption(name: string, scope: string, extra: Record<string, unknown> = {}) {
  return {
    id: `${scope}/providers/Microsoft.Authorization/policyExemptions/${name}`,
    type: "Microsoft.Authorization/policyExemptions",
    name,
    properties: { policyAssignmentId: rootAssignment, exemptionCategory: "Waiver", policyDefinitionReferenceIds: ["rbac"], ...extra },
  };
}

describe("the Azure Policy exemption reader, against the emulator's policyresources with the real ResourceGraphClient", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ estate: generated.estate });
    const estate = emulator.estate;
    // A custom initiative holding the RBAC built-in, assigned at the root management group.
    estate.upsertPolicyResource({
      id: customInitiative,
      type: "Microsoft.Authorization/policySetDefinitions",
      name: "kv-baseline",
      properties: { policyType: "Custom", policyDefinitions: [{ policyDefinitionId: rbacBuiltIn, policyDefinitionReferenceId: "rbac" }] },
    });
    estate.upsertPolicyResource({ id: rootAssignment, type: "Microsoft.Authorization/policyAssignments", name: "kv-baseline", properties: { policyDefinitionId: customInitiative } });
    for (let index = 0; index < 5; index += 1) estate.upsertPolicyResource(exemption(`rbac-${index}`, group, { expiresOn: "2099-01-01T00:00:00Z" }));
    estate.upsertPolicyResource(exemption("selected", group, { resourceSelectors: [{ name: "eu", selectors: [{ kind: "resourceLocation", in: ["westeurope"] }] }] }));
    estate.upsertPolicyResource(exemption("elsewhere", `/subscriptions/${second}`));
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    // Room in the quota, so request counts are the reader's own and never a throttled retry.
    emulator.resetThrottles();
    Object.assign(emulator.knobs.resourceGraph, { quotaPerWindow: 1000 });
    emulator.counters.reset();
  });

  const reader = (pageSize = 1000) => new PolicyExemptionReader(new ResourceGraphReader(sdkClients(emulator).graph, { pageSize }));

  it("reads exemptions page by page, with the management group's assignment and the custom initiative, and resolves them", async () => {
    const read = await reader(2).read({ kind: "subscriptions", subscriptionIds: [first] });
    // Six exemptions in pages of 2, one assignment above the subscription, one initiative.
    expect(emulator.counters.requests.resourceGraph).toBe(3 + 1 + 1);
    expect(read.index.size).toBe(5);
    expect(read.index.sourcesFor({ id: vault, kind: "vault" }, "VW-IAM-001", new Date()).map((source) => source.kind === "policyExemption" && source.name)).toEqual([
      "rbac-0",
      "rbac-1",
      "rbac-2",
      "rbac-3",
      "rbac-4",
    ]);
    expect(read.warnings).toEqual([expect.stringMatching(/selected is not honoured: it is narrowed by resource selectors/)]);
  });

  it("resolves an exemption scoped to a management group through the subscriptions' ancestor chains", async () => {
    const groupOf = (subscriptionId: string) => generated.estate.subscriptions().find((subscription) => subscription.subscriptionId === subscriptionId)?.managementGroupId ?? "";
    const groupExemption = exemption("whole-group", `/providers/Microsoft.Management/managementGroups/${groupOf(first)}`);
    emulator.estate.upsertPolicyResource(groupExemption);
    try {
      const read = await reader().read({ kind: "subscriptions", subscriptionIds: [first, second] });
      const names = (id: string) => read.index.sourcesFor({ id, kind: "vault" }, "VW-IAM-001", new Date()).map((source) => source.kind === "policyExemption" && source.name);
      expect(names(vault)).toContain("whole-group");
      const otherVault = [...generated.estate.exportBodies()].map((body) => String(body.id)).find((id) => id.includes(second) && id.includes("/vaults/"))!;
      expect(groupOf(second)).not.toBe(groupOf(first));
      expect(names(otherVault)).toEqual(["elsewhere"]);
    } finally {
      emulator.estate.deletePolicyResource(groupExemption.id);
    }
  });

  it("sends one query when the scope holds no exemption", async () => {
    const read = await reader().read({ kind: "subscriptions", subscriptionIds: ["00000000-0000-0000-0000-00000000abcd"] });
    expect(read.index.size).toBe(0);
    expect(emulator.counters.requests.resourceGraph).toBe(1);
  });

  it("keeps a subscription's exemptions for a while, so a burst of events reads them once", async () => {
    let now = 0;
    const cache = new CachedPolicyExemptions(reader(), 60_000, () => now);
    await cache.forSubscription(first);
    await cache.forSubscription(first.toUpperCase());
    expect(emulator.counters.requests.resourceGraph).toBe(3);
    now = 60_001;
    await cache.forSubscription(first);
    expect(emulator.counters.requests.resourceGraph).toBe(6);
  });
});
