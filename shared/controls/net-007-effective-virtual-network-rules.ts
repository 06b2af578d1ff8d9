import { type Control, fail, notApplicable, pass, unknown, whenReadable } from "./control.js";
import { publicAccessOff } from "./networkFacts.js";

/** Key Vault accepts at most 200 virtual network rules. */
export const MAX_VAULT_VIRTUAL_NETWORK_RULES = 200;

export const effectiveVirtualNetworkRules: Control = {
  id: "VW-NET-007",
  title: "Virtual network rules are effective",
  severity: "Low",
  appliesTo: ["vault", "managedHsm"],
  rationale:
    "A rule whose subnet lacks the Key Vault service endpoint never matches; Managed HSM ignores virtual network rules altogether.",
  evaluate: (resource) =>
    whenReadable(
      { publicAccessOff: publicAccessOff(resource), virtualNetworkRules: resource.virtualNetworkRules },
      ({ publicAccessOff: off, virtualNetworkRules }) => {
        if (off) return notApplicable("Public network access is off, so service-endpoint rules filter no traffic.");
        const subnets = virtualNetworkRules.map((rule) => rule.subnetId ?? null);
        if (resource.kind === "managedHsm") {
          return virtualNetworkRules.length === 0
            ? pass("No virtual network rule is configured.", { ruleCount: 0 })
            : fail(
                `${virtualNetworkRules.length} virtual network rule(s) are configured, but Managed HSM does not support service endpoints: they admit nobody.`,
                { ruleCount: virtualNetworkRules.length, subnets },
              );
        }
        for (const rule of virtualNetworkRules) {
          const flag = rule.ignoreMissingVnetServiceEndpoint;
          if (!flag.known) return unknown(`Could not read ignoreMissingVnetServiceEndpoint: ${flag.problem}`, { subnets });
        }
        const ignoring = virtualNetworkRules
          .filter((rule) => rule.ignoreMissingVnetServiceEndpoint.known && rule.ignoreMissingVnetServiceEndpoint.value)
          .map((rule) => rule.subnetId ?? null);
        const overLimit = virtualNetworkRules.length > MAX_VAULT_VIRTUAL_NETWORK_RULES;
        const evidence = {
          ruleCount: virtualNetworkRules.length,
          ruleLimit: MAX_VAULT_VIRTUAL_NETWORK_RULES,
          ignoringMissingServiceEndpoint: ignoring,
        };
        if (ignoring.length === 0 && !overLimit) {
          return pass(
            virtualNetworkRules.length === 0 ? "No virtual network rule is configured." : "Every virtual network rule requires the service endpoint.",
            evidence,
          );
        }
        const reasons = [
          ignoring.length > 0
            ? `${ignoring.length} rule(s) set ignoreMissingVnetServiceEndpoint, so their subnets may lack the Key Vault service endpoint and never match`
            : undefined,
          overLimit ? `${virtualNetworkRules.length} rules exceed the limit of ${MAX_VAULT_VIRTUAL_NETWORK_RULES}` : undefined,
        ].filter((reason) => reason !== undefined);
        return fail(`${reasons.join("; ")}.`, evidence);
      },
    ),
  remediation: (resource) =>
    resource.kind === "vault"
      ? `Enable the Microsoft.KeyVault service endpoint on each subnet (az network vnet subnet update --service-endpoints Microsoft.KeyVault ...), then re-add the rule without --ignore-missing-endpoint: az keyvault network-rule add --name ${resource.name} --resource-group ${resource.resourceGroup} --subnet <subnet-id>`
      : `Remove the virtual network rules of ${resource.name} (Managed HSM does not support service endpoints) and use a private endpoint instead: az keyvault update-hsm --hsm-name ${resource.name} --resource-group ${resource.resourceGroup} --set properties.networkAcls.virtualNetworkRules=[]`,
};
