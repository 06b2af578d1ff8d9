import type { Finding, ResourceSummary } from "./finding.js";
import type { Exposure } from "./exposure.js";

/** Everything the engine concludes about one resource at one instant. */
export interface ResourceEvaluation {
  readonly resource: ResourceSummary;
  /** 0–100, see CONTROLS.md "Score"; `null` when no control could be judged (none is Pass, Waived or Fail). */
  readonly score: number | null;
  readonly exposure: Exposure;
  /** One per control that applies to the resource's kind, every status included. */
  readonly findings: readonly Finding[];
  /** Non-fatal problems: malformed waivers, unreadable properties. */
  readonly warnings: readonly string[];
}
