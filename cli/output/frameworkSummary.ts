import { requirementsOf } from "../../shared/controls/complianceMappings.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { ControlId, Status } from "../../shared/model/finding.js";
import { UsageError } from "../errors.js";
import { mappedFrameworks } from "../../shared/controls/complianceMappings.js";

export const REQUIREMENT_OUTCOMES = ["passing", "failing", "waived", "unknown"] as const;
export type RequirementOutcome = (typeof REQUIREMENT_OUTCOMES)[number];

export interface RequirementTally {
  readonly requirement: string;
  readonly controls: readonly ControlId[];
  /** Resources by outcome; a resource where every mapped control is NotApplicable (or disabled) counts in none. */
  readonly resources: Record<RequirementOutcome, number>;
}

/**
 * One resource's outcome for a requirement, from the findings of the controls mapped to it: any Fail fails it; else
 * any Unknown leaves it unknown (it cannot be called compliant); else any Waived makes it waived; else any Pass
 * passes it. NotApplicable alone decides nothing.
 */
export function requirementOutcome(statuses: readonly Status[]): RequirementOutcome | undefined {
  if (statuses.includes("Fail")) return "failing";
  if (statuses.includes("Unknown")) return "unknown";
  if (statuses.includes("Waived")) return "waived";
  if (statuses.includes("Pass")) return "passing";
  return undefined;
}

/** "Are we compliant with X?": resources passing, failing, waived and unknown for each requirement of X the catalog maps. */
export class FrameworkSummary {
  readonly framework: string;
  private readonly tallies: RequirementTally[];

  constructor(name: string) {
    const found = requirementsOf(name);
    if (found === undefined) {
      throw new UsageError(`--framework: "${name}" is not a framework the catalog maps; expected one of: ${mappedFrameworks().map((f) => `"${f}"`).join(", ")}`);
    }
    this.framework = found.framework;
    this.tallies = [...found.requirements].map(([requirement, controls]) => ({
      requirement,
      controls,
      resources: { passing: 0, failing: 0, waived: 0, unknown: 0 },
    }));
  }

  add(evaluation: ResourceEvaluation): void {
    const statusOf = new Map(evaluation.findings.map((finding) => [finding.controlId, finding.status]));
    for (const tally of this.tallies) {
      const outcome = requirementOutcome(tally.controls.flatMap((id) => statusOf.get(id) ?? []));
      if (outcome !== undefined) tally.resources[outcome] += 1;
    }
  }

  /** Requirement ids of this framework the control maps to (for per-finding formats such as CSV). */
  requirementsOfControl(controlId: ControlId): string[] {
    return this.tallies.filter((tally) => tally.controls.includes(controlId)).map((tally) => tally.requirement);
  }

  get requirements(): readonly RequirementTally[] {
    return this.tallies;
  }

  toJSON(): Record<string, unknown> {
    return { framework: this.framework, requirements: this.tallies.map((tally) => ({ ...tally, resources: { ...tally.resources } })) };
  }
}
