import type { Finding, ResourceSummary } from "./finding.js";
import type { Exposure } from "./exposure.js";

/** Everything the engine concludes about one resource at one instant. */
export interface ResourceEvaluation {
  readonly resource: ResourceSummary;
  /** The resource's tags as read, for reports people filter by owner, team or environment. */
  readonly tags: Readonly<Record<string, string>>;
  /** 0–100, see README.md "Score"; `null` when no control could be judged (none is Pass, Waived or Fail). */
  readonly score: number | null;
  readonly exposure: Exposure;
  /** One per control that applies to the resource's kind, every status included. */
  readonly findings: readonly Finding[];
  /** Non-fatal problems: malformed waivers, unreadable properties. */
  readonly warnings: readonly string[];
  /** The `vaultwatch-waiver` tag's value, when the resource carries one and the configuration turns tag waivers off. */
  readonly ignoredWaiverTag?: string;
}
