import type { ResourceEvaluation } from "../model/evaluation.js";
import type { ExposureClass } from "../model/exposure.js";
import type { ControlId, Finding, ResourceSummary, Severity, Status } from "../model/finding.js";
import { SEVERITIES } from "../model/finding.js";
import { TOOL_VERSION } from "../version.js";
import type { FindingRow, JsonValue, RowStatus, RunSummaryRow } from "./findingsSchema.js";
import type { RunContext } from "./runContext.js";
import type { ChangeRowBuilder } from "../state/tableStateStore.js";

/** How one control moved, and the controls a resource lost: decided by the state store, written here as rows. */
export type { ControlTransition, RemovedControl } from "../state/transitions.js";
import type { ControlTransition, RemovedControl } from "../state/transitions.js";

/**
 * Exposure is a fact about the resource, not about a control, so its history travels on one row per
 * evaluation only: the row of this control (the first of the catalog, present for every kind), or the
 * first row when the evaluation lacks it. `where isnotempty(PreviousExposure)` selects exactly those rows.
 */
export const EXPOSURE_ROW_CONTROL: ControlId = "VW-NET-001";

export interface FindingRowsInput {
  readonly evaluation: ResourceEvaluation;
  /** When the resource was read; becomes TimeGenerated, so a replay of the same observation yields identical rows. */
  readonly observedAt: Date;
  readonly run: RunContext;
  /** Controls missing from the map are at their first observation. */
  readonly transitions: ReadonlyMap<ControlId, ControlTransition>;
  readonly previousExposure?: ExposureClass;
}

/** Passing rows are most rows of a healthy estate, so they carry no long text (Log Analytics bills every byte). */
function isPassing(status: RowStatus): boolean {
  return status === "Pass" || status === "NotApplicable";
}

/** JSON-safe copy of a control's evidence; anything that cannot be serialised is reported instead of dropped. */
export function toJsonValue(value: unknown): JsonValue {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as JsonValue);
  } catch (error) {
    return { unserialisable: error instanceof Error ? error.message : String(error) };
  }
}

function isEmptyEvidence(evidence: Finding["evidence"]): boolean {
  return Object.keys(evidence).length === 0;
}

/** A waiver's date is inclusive, in UTC: it ends at the last millisecond of that day. */
export function waiverEndOfDay(expires: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(expires)) return undefined;
  const end = new Date(`${expires}T23:59:59.999Z`);
  return Number.isNaN(end.getTime()) ? undefined : end.toISOString();
}

function identityColumns(resource: ResourceSummary) {
  return {
    AzureResourceId: resource.resourceId,
    AzureResourceType: resource.resourceType,
    AzureResourceName: resource.name,
    AzureSubscriptionId: resource.subscriptionId,
    AzureResourceGroup: resource.resourceGroup,
    AzureLocation: resource.location,
  };
}

function runColumns(observedAt: Date, run: RunContext) {
  const event = run.event;
  const attribution = event?.attribution;
  return {
    TimeGenerated: observedAt.toISOString(),
    RecordType: "Finding" as const,
    RunId: run.runId,
    Trigger: run.trigger,
    ...(event === undefined ? {} : { EventId: event.eventId, EventTime: event.eventTime.toISOString() }),
    ...(attribution?.operation ? { ChangeOperation: attribution.operation } : {}),
    ...(attribution?.callerObjectId ? { ChangeCallerObjectId: attribution.callerObjectId } : {}),
    ...(attribution?.callerName ? { ChangeCallerName: attribution.callerName } : {}),
    ...(attribution?.callerRole ? { ChangeCallerRole: attribution.callerRole } : {}),
    ...(attribution?.clientIp ? { ChangeClientIp: attribution.clientIp } : {}),
    ...(attribution?.correlationId ? { ChangeCorrelationId: attribution.correlationId } : {}),
  };
}

/** The waiver's sources: the deciding kinds for filtering, every source with its details for the workbook. */
function waiverColumns(note: NonNullable<Finding["waiver"]>): { WaiverSource: string; Waivers: JsonValue } {
  const deciding = note.state === "active" ? note.sources.filter((source) => source.state === "active") : note.sources;
  return { WaiverSource: [...new Set(deciding.map((source) => source.kind))].join(","), Waivers: toJsonValue(note.sources) };
}

/** At the first observation a failing control is a new violation; anything else starts unchanged. */
export function firstObservation(status: Status): ControlTransition {
  return { previousStatus: undefined, transition: status === "Fail" ? "New" : "Unchanged" };
}

/** One row per control of the evaluation, in the evaluation's order. */
export function buildFindingRows(input: FindingRowsInput): FindingRow[] {
  const { evaluation, observedAt, run, transitions, previousExposure } = input;
  const identity = identityColumns(evaluation.resource);
  const shared = runColumns(observedAt, run);
  const exposureRowIndex = Math.max(
    0,
    evaluation.findings.findIndex((finding) => finding.controlId === EXPOSURE_ROW_CONTROL),
  );

  return evaluation.findings.map((finding, index): FindingRow => {
    const { previousStatus, transition } = transitions.get(finding.controlId) ?? firstObservation(finding.status);
    const passing = isPassing(finding.status);
    // A baseline is a first look, not a change: its passing rows stay as lean as unchanged ones.
    const changed = (transition !== "Unchanged" && transition !== "Baseline") || (previousStatus !== undefined && previousStatus !== finding.status);
    const explain = !passing || changed;
    const waiverExpiry = finding.waiver?.expiresAt;
    const carriesExposure = index === exposureRowIndex;
    return {
      ...shared,
      ...identity,
      ControlId: finding.controlId,
      Severity: finding.severity,
      Status: finding.status,
      ...(previousStatus === undefined ? {} : { PreviousStatus: previousStatus }),
      Transition: transition,
      ...(explain ? { ControlTitle: finding.title, Reason: finding.reason } : {}),
      ...(!passing && !isEmptyEvidence(finding.evidence) ? { Evidence: toJsonValue(finding.evidence) } : {}),
      // The commands, one per line: the note stays out of the row, since Log Analytics bills every byte of every row.
      ...(finding.status === "Fail" && finding.remediation !== undefined ? { Remediation: finding.remediation.commands.join("\n") } : {}),
      // A resource with nothing judged has no score: the column stays absent, never a 100 it did not earn.
      ...(evaluation.score === null ? {} : { ResourceScore: evaluation.score }),
      ...(waiverExpiry === undefined ? {} : { WaiverExpiry: waiverExpiry }),
      ...(finding.waiver === undefined ? {} : waiverColumns(finding.waiver)),
      Exposure: evaluation.exposure.class,
      ...(carriesExposure && previousExposure !== undefined ? { PreviousExposure: previousExposure } : {}),
      ...(carriesExposure ? { ExposurePaths: toJsonValue(evaluation.exposure.paths) } : {}),
      ToolVersion: run.toolVersion ?? TOOL_VERSION,
    };
  });
}

export interface RemovedRowsInput {
  readonly resource: ResourceSummary;
  readonly controls: readonly RemovedControl[];
  readonly observedAt: Date;
  readonly run: RunContext;
  readonly reason: string;
  readonly previousExposure?: ExposureClass;
}

/**
 * The rows of a change the state store decided (`ChangeRowBuilder`): the store decides transitions and keeps
 * these rows in its outbox until they are delivered; what a row holds is decided here.
 */
export const findingRowsBuilder: ChangeRowBuilder = {
  observed: ({ evaluation, observedAt, run, transitions, previousExposure, dropped }) => [
    ...buildFindingRows({ evaluation, observedAt, run, transitions, previousExposure }),
    ...buildRemovedRows({
      resource: evaluation.resource,
      controls: dropped,
      observedAt,
      run,
      reason: "The control no longer applies to this resource, so it is no longer evaluated.",
    }),
  ],
  removed: ({ resource, controls, observedAt, run, reason, previousExposure }) =>
    buildRemovedRows({ resource, controls, observedAt, run, reason, ...(previousExposure === undefined ? {} : { previousExposure }) }),
};

/** `Removed` rows: the last word on each control of a deleted resource, so `arg_max` views drop it. */
export function buildRemovedRows(input: RemovedRowsInput): FindingRow[] {
  const identity = identityColumns(input.resource);
  const shared = runColumns(input.observedAt, input.run);
  return input.controls.map((control, index): FindingRow => ({
    ...shared,
    ...identity,
    ControlId: control.controlId,
    Severity: control.severity,
    Status: "Removed",
    PreviousStatus: control.previousStatus,
    Transition: "Removed",
    Reason: input.reason,
    ...(index === 0 && input.previousExposure !== undefined ? { PreviousExposure: input.previousExposure } : {}),
    ToolVersion: input.run.toolVersion ?? TOOL_VERSION,
  }));
}

/** Counts a sweep accumulates across its shards for the RunSummary row. */
export interface FindingTally {
  readonly findingRows: number;
  readonly resources: number;
  readonly resourcesRemoved: number;
  /** Resources the configuration kept out of evaluation. */
  readonly resourcesExcluded: number;
  readonly failuresBySeverity: Readonly<Record<Severity, number>>;
  readonly newBySeverity: Readonly<Record<Severity, number>>;
  /** Failing controls of resources recorded as `Baseline` (first seen before the first full sweep completed). */
  readonly baselineFailuresBySeverity: Readonly<Record<Severity, number>>;
}

function zeroBySeverity(): Record<Severity, number> {
  return { High: 0, Medium: 0, Low: 0 };
}

export function emptyTally(): FindingTally {
  return {
    findingRows: 0,
    resources: 0,
    resourcesRemoved: 0,
    resourcesExcluded: 0,
    failuresBySeverity: zeroBySeverity(),
    newBySeverity: zeroBySeverity(),
    baselineFailuresBySeverity: zeroBySeverity(),
  };
}

/** Tally of finding rows; each distinct resource (case-insensitive id) counts once. */
export function tallyFindingRows(rows: readonly FindingRow[]): FindingTally {
  const evaluated = new Set<string>();
  const removed = new Set<string>();
  const failures = zeroBySeverity();
  const fresh = zeroBySeverity();
  const baseline = zeroBySeverity();
  for (const row of rows) {
    const key = row.AzureResourceId.toLowerCase();
    if (row.Status === "Removed") removed.add(key);
    else evaluated.add(key);
    if (row.Status === "Fail") failures[row.Severity] += 1;
    if (row.Transition === "New") fresh[row.Severity] += 1;
    if (row.Transition === "Baseline" && row.Status === "Fail") baseline[row.Severity] += 1;
  }
  return {
    findingRows: rows.length,
    resources: evaluated.size,
    resourcesRemoved: removed.size,
    resourcesExcluded: 0,
    failuresBySeverity: failures,
    newBySeverity: fresh,
    baselineFailuresBySeverity: baseline,
  };
}

export function mergeTallies(a: FindingTally, b: FindingTally): FindingTally {
  const add = (x: Readonly<Record<Severity, number>>, y: Readonly<Record<Severity, number>>) =>
    Object.fromEntries(SEVERITIES.map((severity) => [severity, x[severity] + y[severity]])) as Record<Severity, number>;
  return {
    findingRows: a.findingRows + b.findingRows,
    resources: a.resources + b.resources,
    resourcesRemoved: a.resourcesRemoved + b.resourcesRemoved,
    resourcesExcluded: a.resourcesExcluded + b.resourcesExcluded,
    failuresBySeverity: add(a.failuresBySeverity, b.failuresBySeverity),
    newBySeverity: add(a.newBySeverity, b.newBySeverity),
    baselineFailuresBySeverity: add(a.baselineFailuresBySeverity, b.baselineFailuresBySeverity),
  };
}

export interface RunSummaryInput {
  readonly run: RunContext;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly tally: FindingTally;
  /** Problems that did not stop the run (unreadable subscriptions, failed shards). */
  readonly errors: readonly string[];
  readonly shards?: { readonly total: number; readonly failed: number };
  /** The run was a baseline sweep: its summary says how many failures were already there. */
  readonly baseline?: boolean;
}

/** At most this many error messages travel in the row; the count is always complete. */
export const RUN_SUMMARY_MAX_ERRORS = 20;
const RUN_SUMMARY_MAX_ERROR_LENGTH = 500;

/** The one row a sweep writes when its last shard finishes. */
export function buildRunSummaryRow(input: RunSummaryInput): RunSummaryRow {
  const { tally } = input;
  const summary: Record<string, JsonValue> = {
    startedAt: input.startedAt.toISOString(),
    durationMs: Math.max(0, input.finishedAt.getTime() - input.startedAt.getTime()),
    resourcesEvaluated: tally.resources,
    resourcesRemoved: tally.resourcesRemoved,
    resourcesExcluded: tally.resourcesExcluded,
    findingRows: tally.findingRows,
    failuresBySeverity: { ...tally.failuresBySeverity },
    newBySeverity: { ...tally.newBySeverity },
    errorCount: input.errors.length,
    errors: input.errors
      .slice(0, RUN_SUMMARY_MAX_ERRORS)
      .map((error) => (error.length > RUN_SUMMARY_MAX_ERROR_LENGTH ? `${error.slice(0, RUN_SUMMARY_MAX_ERROR_LENGTH)}…` : error)),
  };
  if (input.shards !== undefined) summary.shards = { total: input.shards.total, failed: input.shards.failed };
  if (input.baseline === true) {
    const bySeverity = tally.baselineFailuresBySeverity;
    summary.baseline = { failures: SEVERITIES.reduce((sum, severity) => sum + bySeverity[severity], 0), failuresBySeverity: { ...bySeverity } };
  }
  return {
    TimeGenerated: input.finishedAt.toISOString(),
    RecordType: "RunSummary",
    RunId: input.run.runId,
    Trigger: input.run.trigger,
    RunSummary: summary,
    ToolVersion: input.run.toolVersion ?? TOOL_VERSION,
  };
}
