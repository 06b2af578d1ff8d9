import type { VirtualNetworkRule } from "../model/resource.js";
import { type Control, type ControlOutcome, azUpdateCommand, fail, notApplicable, pass, unknown, whenReadable } from "./control.js";
import { shellCommand } from "./shellCommand.js";
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
    // Public access first: when it is off the control does not apply, whatever the rules hold.
    whenReadable({ publicAccessOff: publicAccessOff(resource) }, ({ publicAccessOff: off }) => {
      if (off) return notApplicable("Public network access is off, so service-endpoint rules filter no traffic.");
      return whenReadable({ virtualNetworkRules: resource.virtualNetworkRules }, ({ virtualNetworkRules }) =>
        resource.kind === "managedHsm" ? judgeHsmRules(virtualNetworkRules) : judgeVaultRules(virtualNetworkRules),
      );
    }),
  remediation: (resource) => {
    if (resource.kind === "managedHsm") {
      return {
        commands: [azUpdateCommand(resource, "--set", "properties.networkAcls.virtualNetworkRules=[]")],
        note: "Managed HSM does not support virtual network service endpoints: remove its virtual network rules and reach it through a private endpoint instead.",
      };
    }
    const rules = resource.virtualNetworkRules.known ? resource.virtualNetworkRules.value : [];
    const ignoring = rules
      .filter((rule) => rule.ignoreMissingVnetServiceEndpoint.known && rule.ignoreMissingVnetServiceEndpoint.value)
      .map((rule) => rule.subnetId ?? "<subnet-id>");
    const subnets = ignoring.length > 0 ? ignoring : ["<subnet-id>"];
    return {
      commands: subnets.flatMap((subnet) => [
        shellCommand("az", "network", "vnet", "subnet", "update", "--ids", subnet, "--service-endpoints", "Microsoft.KeyVault"),
        shellCommand("az", "keyvault", "network-rule", "add", "--name", resource.name, "--resource-group", resource.resourceGroup, "--subnet", subnet),
      ]),
      note:
        "Enable the Microsoft.KeyVault service endpoint on each subnet, then add the rule again without --ignore-missing-endpoint (the add replaces the rule). " +
        "Adding a service endpoint briefly interrupts the subnet's traffic to Key Vault; a vault over the limit of 200 rules must drop rules instead.",
    };
  },
};

function judgeHsmRules(rules: readonly VirtualNetworkRule[]): ControlOutcome {
  if (rules.length === 0) return pass("No virtual network rule is configured.", { ruleCount: 0 });
  return fail(
    `${rules.length} virtual network rule(s) are configured, but Managed HSM does not support service endpoints: they admit nobody.`,
    { ruleCount: rules.length, subnets: rules.map((rule) => rule.subnetId ?? null) },
  );
}

function judgeVaultRules(rules: readonly VirtualNetworkRule[]): ControlOutcome {
  const ignoring = rules
    .filter((rule) => rule.ignoreMissingVnetServiceEndpoint.known && rule.ignoreMissingVnetServiceEndpoint.value)
    .map((rule) => rule.subnetId ?? null);
  const overLimit = rules.length > MAX_VAULT_VIRTUAL_NETWORK_RULES;
  const evidence = { ruleCount: rules.length, ruleLimit: MAX_VAULT_VIRTUAL_NETWORK_RULES, ignoringMissingServiceEndpoint: ignoring };
  if (ignoring.length > 0 || overLimit) {
    const reasons = [
      ignoring.length > 0
        ? `${ignoring.length} rule(s) set ignoreMissingVnetServiceEndpoint, so their subnets may lack the Key Vault service endpoint and never match`
        : undefined,
      overLimit ? `${rules.length} rules exceed the limit of ${MAX_VAULT_VIRTUAL_NETWORK_RULES}` : undefined,
    ].filter((reason) => reason !== undefined);
    return fail(`${reasons.join("; ")}.`, evidence);
  }
  // A flag that could not be read is the only thing left between these rules and a Pass: not knowing is not passing.
  for (const rule of rules) {
    const flag = rule.ignoreMissingVnetServiceEndpoint;
    if (!flag.known) return unknown(`Could not read ignoreMissingVnetServiceEndpoint: ${flag.problem}`, { ...evidence, subnet: rule.subnetId ?? null });
  }
  return pass(
    rules.length === 0 ? "No virtual network rule is configured." : "Every virtual network rule requires the service endpoint.",
    evidence,
  );
}
