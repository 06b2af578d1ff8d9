/**
 * The one model the HTML report renders, whatever the source: a live `scan`, an offline `evaluate` (both stream
 * `ResourceEvaluation`s) or the demo (the latest Log Analytics rows). Each source has one adapter below; the
 * renderer never sees a source's own shape.
 */
import { CONTROLS } from "../../shared/controls/catalog.js";
import type { Control } from "../../shared/controls/control.js";
import { describeExposurePaths } from "../../shared/exposure/effectiveExposure.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { ExposureClass } from "../../shared/model/exposure.js";
import type { ControlId, Finding, Severity, Status } from "../../shared/model/finding.js";
import type { ResourceKind } from "../../shared/model/resource.js";

/** How to fix a failure: commands a person can paste, one per line, and a note in words beside them. */
export interface ReportRemediation {
  readonly commands: readonly string[];
  readonly note?: string;
}

export interface ReportWaiver {
  /** Last day covered, YYYY-MM-DD, inclusive, UTC. */
  readonly expires: string;
  readonly state: "active" | "expired";
}

export interface ReportFinding {
  readonly controlId: ControlId;
  readonly title: string;
  readonly severity: Severity;
  readonly status: Status;
  /** What the control saw, in words ("" when the source keeps no reason, as passing Log Analytics rows). */
  readonly reason: string;
  /** Only on `Fail`: a passing, unknown or waived control has nothing to fix. */
  readonly remediation?: ReportRemediation;
  readonly waiver?: ReportWaiver;
}

export interface ReportResource {
  readonly id: string;
  readonly name: string;
  readonly kind: ResourceKind;
  readonly subscriptionId: string;
  readonly subscriptionName?: string;
  readonly resourceGroup: string;
  readonly location: string;
  /** `null` when no control could be judged: the report shows `–`, and the estate score leaves it out. */
  readonly score: number | null;
  readonly exposure: ExposureClass;
  /** The paths that admit traffic, in words; `undefined` when the source did not record them. */
  readonly exposurePaths?: string;
  readonly findings: readonly ReportFinding[];
  readonly warnings: readonly string[];
}

/** A subscription's display name, when the source read it (`scan` and the demo do; a JSON file does not). */
export type SubscriptionNames = (subscriptionId: string) => string | undefined;

/** A framework requirement a control maps to (issue 14's catalog `mappings`). */
export interface ControlMapping {
  readonly framework: string;
  readonly requirement: string;
}

/** What the report needs of the catalog: titles for labels and the mappings behind the framework filter. */
export interface ReportControl {
  readonly id: ControlId;
  readonly title: string;
  readonly severity: Severity;
  readonly mappings: readonly ControlMapping[];
}

/** A change the event-driven pipeline recorded (demo only: `evaluate` and `scan` have no history). */
export interface ReportTransition {
  readonly time: string;
  readonly resourceName: string;
  readonly controlId: ControlId;
  readonly previousStatus?: string;
  readonly status: string;
  readonly transition: string;
  readonly previousExposure?: string;
  /** `undefined` when the resource was deleted: it has no exposure any more. */
  readonly exposure?: string;
  readonly caller?: string;
  readonly operation?: string;
  readonly correlationId?: string;
}

/** Controls may carry compliance mappings; a catalog without them yields none rather than invented ones. */
function mappingsOf(control: Control): readonly ControlMapping[] {
  const mappings = (control as Control & { readonly mappings?: readonly ControlMapping[] }).mappings;
  return Array.isArray(mappings) ? mappings : [];
}

export function reportControls(controls: readonly Control[] = CONTROLS): ReportControl[] {
  return controls.map((control) => ({ id: control.id, title: control.title, severity: control.severity, mappings: mappingsOf(control) }));
}

/** The Log Analytics `Remediation` column: the commands, one per line (the note is not stored there). */
export function remediationFromCommandLines(text: string | undefined): ReportRemediation | undefined {
  const commands = (text ?? "").split("\n").filter((line) => line.trim() !== "");
  return commands.length === 0 ? undefined : { commands };
}

function reportFinding(finding: Finding): ReportFinding {
  // Only a failure has something to fix now; a waived one keeps its fix in JSON, the report lists it as waived.
  const remediation = finding.status === "Fail" && finding.remediation !== undefined ? { commands: finding.remediation.commands, note: finding.remediation.note } : undefined;
  return {
    controlId: finding.controlId,
    title: finding.title,
    severity: finding.severity,
    status: finding.status,
    reason: finding.reason,
    ...(remediation ? { remediation } : {}),
    ...(finding.waiver ? { waiver: { expires: finding.waiver.expires, state: finding.waiver.state } } : {}),
  };
}

/** `scan` and `evaluate`: one evaluation, as the engine produced it. */
export function resourceFromEvaluation(evaluation: ResourceEvaluation, subscriptionNameOf?: SubscriptionNames): ReportResource {
  const { resource } = evaluation;
  const subscriptionName = subscriptionNameOf?.(resource.subscriptionId);
  return {
    id: resource.resourceId,
    name: resource.name,
    kind: resource.kind,
    subscriptionId: resource.subscriptionId,
    ...(subscriptionName ? { subscriptionName } : {}),
    resourceGroup: resource.resourceGroup,
    location: resource.location,
    score: evaluation.score,
    exposure: evaluation.exposure.class,
    exposurePaths: describeExposurePaths(evaluation.exposure),
    findings: evaluation.findings.map(reportFinding),
    warnings: evaluation.warnings,
  };
}
