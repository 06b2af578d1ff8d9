import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { ExposureClass } from "../../shared/model/exposure.js";
import { type ControlId, type Severity, type Status, SEVERITIES, STATUSES } from "../../shared/model/finding.js";

export type FailOn = "low" | "medium" | "high";

const SEVERITY_RANK: Record<Severity, number> = { Low: 0, Medium: 1, High: 2 };
const FAIL_ON_RANK: Record<FailOn, number> = { low: 0, medium: 1, high: 2 };

/** Running totals over an estate, gathered while the report streams. */
export class EstateSummary {
  resources = 0;
  vaults = 0;
  managedHsms = 0;
  private scoreTotal = 0;
  /** Resources that have a score; the others (nothing could be judged) stay out of the mean. */
  scoredResources = 0;
  readonly byStatus = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  readonly failuresBySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  readonly failuresByControl = new Map<ControlId, number>();
  readonly byExposure = new Map<ExposureClass, number>();
  blockingFailures = 0;

  constructor(private readonly failOn: FailOn) {}

  add(evaluation: ResourceEvaluation): void {
    this.resources += 1;
    if (evaluation.resource.kind === "vault") this.vaults += 1;
    else this.managedHsms += 1;
    if (evaluation.score !== null) {
      this.scoreTotal += evaluation.score;
      this.scoredResources += 1;
    }
    this.byExposure.set(evaluation.exposure.class, (this.byExposure.get(evaluation.exposure.class) ?? 0) + 1);
    for (const finding of evaluation.findings) {
      this.byStatus[finding.status] += 1;
      if (finding.status !== "Fail") continue;
      this.failuresBySeverity[finding.severity] += 1;
      this.failuresByControl.set(finding.controlId, (this.failuresByControl.get(finding.controlId) ?? 0) + 1);
      if (SEVERITY_RANK[finding.severity] >= FAIL_ON_RANK[this.failOn]) this.blockingFailures += 1;
    }
  }

  /** Mean of the scores resources have, rounded half up; `null` when none has one (or the estate is empty). */
  get estateScore(): number | null {
    return this.scoredResources === 0 ? null : Math.floor(this.scoreTotal / this.scoredResources + 0.5);
  }

  /** CI contract: 1 when a Fail at or above --fail-on exists, else 0. */
  get exitCode(): number {
    return this.blockingFailures > 0 ? 1 : 0;
  }

  toJSON(): Record<string, unknown> {
    return {
      resources: this.resources,
      vaults: this.vaults,
      managedHsms: this.managedHsms,
      estateScore: this.estateScore,
      resourcesWithoutScore: this.resources - this.scoredResources,
      findingsByStatus: this.byStatus,
      failuresBySeverity: this.failuresBySeverity,
      failuresByControl: Object.fromEntries([...this.failuresByControl].sort(([a], [b]) => a.localeCompare(b))),
      resourcesByExposure: Object.fromEntries(this.byExposure),
    };
  }
}
