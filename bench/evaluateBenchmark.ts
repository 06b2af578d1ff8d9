import { generateEstate } from "../emulator/generateEstate.js";
import { type EvaluateOptions } from "../shared/evaluate/evaluate.js";
import { evaluateItems } from "../shared/evaluate/evaluateItems.js";
import { parseGovernanceConfig } from "../shared/governance/governanceConfig.js";
import { PolicyExemptionIndex, resolveExemptions } from "../shared/governance/policyExemptions.js";
import type { Benchmark, BenchmarkOptions, Measurement } from "./measurement.js";

/**
 * The pure core alone: normalise and evaluate every resource of a generated estate (ARM bodies with diagnostic
 * settings), as `vaultwatch evaluate` does after parsing its input. No I/O, so this is the engine's own speed.
 */
export const evaluateBenchmark: Benchmark = {
  name: "evaluate",
  description: "normalise → 13 controls → waivers → score → exposure, in process",
  async run(options: BenchmarkOptions): Promise<Measurement[]> {
    const count = Math.min(options.resources, 100_000);
    const { estate } = generateEstate({ resources: count, subscriptions: Math.max(1, Math.min(options.subscriptions, count)), seed: 3 });
    const bodies = [...estate.exportBodies()];
    options.log(`evaluate: ${bodies.length} resources generated; evaluating…`);
    const now = new Date();
    // One warm-up pass over a slice, so the measurement is of optimised code, not of the JIT's first look.
    for (const _ of evaluateItems(bodies.slice(0, 2_000), { now }));
    const timed = (options: EvaluateOptions): { seconds: number; findings: number } => {
      const started = process.hrtime.bigint();
      let findings = 0;
      for (const evaluation of evaluateItems(bodies, options)) findings += evaluation.findings.length;
      return { seconds: Number(process.hrtime.bigint() - started) / 1e9, findings };
    };
    const plain = timed({ now });
    const governed = timed({ now, ...governanceFor(estate.subscriptions().map((subscription) => subscription.subscriptionId)) });
    return [
      { name: "evaluate throughput", value: Math.round(bodies.length / plain.seconds), unit: "resources/s", note: `${bodies.length} resources, ${plain.findings} findings in ${plain.seconds.toFixed(2)} s` },
      { name: "evaluate time per resource", value: Number(((plain.seconds * 1e6) / bodies.length).toFixed(1)), unit: "µs" },
      {
        name: "evaluate throughput, configured",
        value: Math.round(bodies.length / governed.seconds),
        unit: "resources/s",
        note: `with 50 exceptions, 50 Azure Policy exemptions, a disabled control and a tag exclusion (${governed.seconds.toFixed(2)} s)`,
      },
    ];
  },
};

/** A large organisation's configuration: scopes spread over the estate's subscriptions, matched for every resource. */
function governanceFor(subscriptionIds: readonly string[]): Pick<EvaluateOptions, "governance" | "policyExemptions"> {
  const subscription = (index: number) => subscriptionIds[index % subscriptionIds.length] ?? "00000000-0000-0000-0000-000000000000";
  const governance = parseGovernanceConfig(
    {
      controls: { "VW-NET-006": { enabled: false } },
      exclude: [{ tags: { env: "sandbox" }, reason: "sandbox" }],
      exceptions: Array.from({ length: 50 }, (_, index) => ({
        controls: ["VW-NET-003", "VW-IAM-001"],
        scope: `/subscriptions/${subscription(index)}/resourceGroups/rg-legacy-${index}`,
        reason: "benchmark",
        approvedBy: "secops@contoso.com",
        expires: "2099-12-31",
      })),
    },
    "benchmark configuration",
  );
  const assignment = `/subscriptions/${subscription(0)}/providers/Microsoft.Authorization/policyAssignments/kv-public-access`;
  const resolution = resolveExemptions({
    exemptions: Array.from({ length: 50 }, (_, index) => ({
      id: `/subscriptions/${subscription(index)}/resourceGroups/rg-exempt-${index}/providers/Microsoft.Authorization/policyExemptions/exemption-${index}`,
      name: `exemption-${index}`,
      policyAssignmentId: assignment,
      policyDefinitionReferenceIds: [],
      exemptionCategory: "Waiver",
      hasResourceSelectors: false,
    })),
    assignments: [{ id: assignment, policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/405c5871-3e91-4644-8a63-58e19d68ff5b", notScopes: [] }],
    setDefinitions: [],
  });
  return { governance, policyExemptions: new PolicyExemptionIndex(resolution.exemptions) };
}
