import { SEVERITY_WEIGHT, type Severity, type Status } from "../model/finding.js";

/**
 * `100 × passed / applicable`, rounded half up, over severity weights. Pass and Waived count as passed;
 * Pass, Waived and Fail as applicable; NotApplicable and Unknown in neither. When nothing could be judged (no Pass,
 * Waived or Fail) there is no score: `null`, never 100, so a resource whose every property is unreadable cannot look perfect.
 */
export function scoreOf(findings: readonly { readonly severity: Severity; readonly status: Status }[]): number | null {
  let passed = 0;
  let applicable = 0;
  for (const { severity, status } of findings) {
    const weight = SEVERITY_WEIGHT[severity];
    if (status === "Pass" || status === "Waived") passed += weight;
    if (status === "Pass" || status === "Waived" || status === "Fail") applicable += weight;
  }
  if (applicable === 0) return null;
  // floor(100p/a + 1/2) in integers, so 62.5 gives 63 without floating-point surprises.
  return Math.floor((200 * passed + applicable) / (2 * applicable));
}

/** The estate score: the mean of the scores resources have, rounded half up; `null` when none has one. */
export function estateScoreOf(scores: Iterable<number | null>): number | null {
  let total = 0;
  let count = 0;
  for (const score of scores) {
    if (score === null) continue;
    total += score;
    count += 1;
  }
  return count === 0 ? null : Math.floor(total / count + 0.5);
}
