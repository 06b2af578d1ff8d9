import { type ResourceKind, sameText } from "../model/resource.js";
import { type Control, type ControlOptions, type ControlOutcome, azUpdateCommand, fail, notApplicable, pass, whenReadable } from "./control.js";
import { shellCommand } from "./shellCommand.js";
import { overlappingNonPublicRanges, parseIpRule } from "./ipRules.js";
import { publicAccessOff } from "./networkFacts.js";

/** Service limits on the number of IP rules (Key Vault 1,000; Managed HSM 10). */
export const MAX_IP_RULES = { vault: 1000, managedHsm: 10 } as const;

interface OffendingRule {
  readonly value: string | null;
  readonly problems: readonly string[];
}

export const narrowIpRules: Control = {
  id: "VW-NET-005",
  title: "IP rules allow only narrow public ranges",
  severity: "High",
  appliesTo: ["vault", "managedHsm"],
  rationale: "Broad or non-public ranges in the firewall admit far more clients than intended, or signal a misconfiguration.",
  evaluate: (resource, options) =>
    // Each gate is read only once the previous one let the rules matter, so a control that does not apply
    // is NotApplicable even when a property it does not need is unreadable.
    whenReadable({ publicAccessOff: publicAccessOff(resource) }, ({ publicAccessOff: off }) => {
      if (off) return notApplicable("Public network access is off, so IP rules admit nobody.");
      return whenReadable({ defaultAction: resource.defaultAction }, ({ defaultAction }) => {
        if (!sameText(defaultAction, "Deny")) {
          return notApplicable(`The firewall default action is ${defaultAction}: every address is admitted (see VW-NET-002).`);
        }
        return whenReadable({ ipRules: resource.ipRules }, ({ ipRules }) => judgeIpRules(ipRules, resource.kind, options));
      });
    }),
  remediation: (resource) =>
    resource.kind === "vault"
      ? {
          commands: [
            shellCommand("az", "keyvault", "network-rule", "remove", "--name", resource.name, "--resource-group", resource.resourceGroup, "--ip-address", "<offending-range>"),
          ],
          note: "Remove each offending rule listed in the evidence (one command per rule), and admit only public addresses or ranges of /16 or narrower; at most 1,000 rules.",
        }
      : {
          commands: [azUpdateCommand(resource, "--set", "properties.networkAcls.ipRules=<narrow public ranges>")],
          note: "Replace the IP rules with at most 10 public addresses or ranges of /16 or narrower, in the JSON form az expects (a list of {\"value\": \"a.b.c.d/n\"}).",
        },
};

function judgeIpRules(ipRules: readonly (string | undefined)[], kind: ResourceKind, options: ControlOptions): ControlOutcome {
  const offending: OffendingRule[] = [];
  for (const value of ipRules) {
    const problems = ruleProblems(value, options.minIpRulePrefixLength);
    if (problems.length > 0) offending.push({ value: value ?? null, problems });
  }
  const limit = MAX_IP_RULES[kind];
  const overLimit = ipRules.length > limit;
  const evidence = { ruleCount: ipRules.length, ruleLimit: limit, offendingRules: offending };
  if (offending.length === 0 && !overLimit) {
    return pass(
      ipRules.length === 0 ? "No IP rule admits public addresses." : `All ${ipRules.length} IP rule(s) are narrow public ranges.`,
      evidence,
    );
  }
  const reasons = [
    offending.length > 0 ? `${offending.length} IP rule(s) are invalid, non-public or too broad` : undefined,
    overLimit ? `${ipRules.length} IP rules exceed the service limit of ${limit}` : undefined,
  ].filter((reason) => reason !== undefined);
  return fail(`${reasons.join("; ")}.`, evidence);
}

function ruleProblems(value: string | undefined, minPrefixLength: number): string[] {
  const rule = parseIpRule(value);
  if (!rule.valid) return [rule.problem];
  const problems: string[] = [];
  const overlapped = overlappingNonPublicRanges(rule.network, rule.prefixLength);
  if (overlapped.length > 0) problems.push(`overlaps non-public range ${overlapped.join(", ")}`);
  if (rule.prefixLength < minPrefixLength) {
    problems.push(`/${rule.prefixLength} admits ${rule.addresses} addresses, broader than /${minPrefixLength}`);
  }
  return problems;
}
