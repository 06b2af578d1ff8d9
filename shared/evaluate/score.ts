import { SEVERITY_WEIGHT, type Severity, type Status } from "../model/finding.js";

/**
 * `100 × passed / applicable`, rounded half up, over severity weights. Pass and Waived count as passed;
 * Pass, Waived and Fail as applicable; NotApplicable and Unknown in neither. Nothing applicable scores 100.
 */
export function scoreOf(findings: readonly { readonly severity: Severity; readonly status: Status }[]): number {
  let passed = 0;
  let applicable = 0;
  for (const { severity, status } of findings) {
    const weight = SEVERITY_WEIGHT[severity];
    if (status === "Pass" || status === "Waived") passed += weight;
    if (status === "Pass" || status === "Waived" || status === "Fail") applicable += weight;
  }
  if (applicable === 0) return 100;
  // floor(100p/a + 1/2) in integers, so 62.5 gives 63 without floating-point surprises.
  return Math.floor((200 * passed + applicable) / (2 * applicable));
}
