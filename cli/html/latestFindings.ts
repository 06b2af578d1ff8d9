import { findControl } from "../../shared/controls/catalog.js";
import { describeExposurePaths } from "../../shared/exposure/effectiveExposure.js";
import type { ExposureClass, ExposurePath } from "../../shared/model/exposure.js";
import type { Status } from "../../shared/model/finding.js";
import type { FindingRow, FindingsRow } from "../../shared/sink/findingsSchema.js";
import { type ReportFinding, type ReportResource, type ReportTransition, type SubscriptionNames, remediationFromCommandLines } from "./reportModel.js";

/**
 * The latest row per resource and control, as the workbook's `arg_max(TimeGenerated, *) by AzureResourceId, ControlId`
 * computes it; resources whose latest rows are `Removed` drop out. Later rows win ties, like a replayed upload.
 */
export function latestFindings(rows: Iterable<FindingsRow>): FindingRow[] {
  const latest = new Map<string, FindingRow>();
  for (const row of rows) {
    if (row.RecordType !== "Finding") continue;
    const key = `${row.AzureResourceId.toLowerCase()}|${row.ControlId}`;
    const current = latest.get(key);
    if (!current || Date.parse(row.TimeGenerated) >= Date.parse(current.TimeGenerated)) latest.set(key, row);
  }
  return [...latest.values()].filter((row) => row.Status !== "Removed");
}

/** Rows that record a change: a control that started or stopped failing, a deletion, or a widened exposure. */
export function transitionRows(rows: Iterable<FindingsRow>): FindingRow[] {
  const changes: FindingRow[] = [];
  for (const row of rows) {
    if (row.RecordType !== "Finding") continue;
    const exposureChanged = row.PreviousExposure !== undefined && row.PreviousExposure !== row.Exposure;
    // A baseline row records what was there before vaultwatch first looked: a starting point, not a change.
    const changed = row.Transition !== "Unchanged" && row.Transition !== "Baseline";
    if (changed || exposureChanged) changes.push(row);
  }
  return changes.sort((a, b) => Date.parse(a.TimeGenerated) - Date.parse(b.TimeGenerated));
}

function isExposurePaths(value: unknown): value is ExposurePath[] {
  return Array.isArray(value) && value.every((path) => typeof path === "object" && path !== null && typeof (path as { kind?: unknown }).kind === "string");
}

/**
 * The report model from the latest rows (see latestFindings). Passing rows are lean in Log Analytics (no title, no
 * reason), so titles come from the catalog; a waiver on a row that is no longer `Waived` has expired.
 */
export function resourcesFromRows(latest: readonly FindingRow[], subscriptionNameOf?: SubscriptionNames): ReportResource[] {
  const byId = new Map<string, FindingRow[]>();
  for (const row of latest) {
    const key = row.AzureResourceId.toLowerCase();
    const rows = byId.get(key);
    if (rows) rows.push(row);
    else byId.set(key, [row]);
  }
  return [...byId.values()].map((rows): ReportResource => {
    const first = rows[0] as FindingRow;
    const exposure = (first.Exposure ?? "Unknown") as ExposureClass;
    const pathsRow = rows.find((row) => row.ExposurePaths !== undefined);
    const paths = pathsRow?.ExposurePaths;
    const subscriptionName = subscriptionNameOf?.(first.AzureSubscriptionId);
    return {
      id: first.AzureResourceId,
      name: first.AzureResourceName,
      kind: first.AzureResourceType.toLowerCase().endsWith("/managedhsms") ? "managedHsm" : "vault",
      subscriptionId: first.AzureSubscriptionId,
      ...(subscriptionName ? { subscriptionName } : {}),
      resourceGroup: first.AzureResourceGroup,
      location: first.AzureLocation,
      score: typeof first.ResourceScore === "number" ? first.ResourceScore : null,
      exposure,
      ...(isExposurePaths(paths) ? { exposurePaths: describeExposurePaths({ class: exposure, paths }) } : {}),
      findings: rows.map((row): ReportFinding => {
        const status = row.Status as Status;
        const remediation = status === "Fail" ? remediationFromCommandLines(row.Remediation) : undefined;
        return {
          controlId: row.ControlId,
          title: row.ControlTitle ?? findControl(row.ControlId)?.title ?? row.ControlId,
          severity: row.Severity,
          status,
          reason: row.Reason ?? "",
          ...(remediation ? { remediation } : {}),
          ...(row.WaiverExpiry ? { waiver: { expires: row.WaiverExpiry.slice(0, 10), state: status === "Waived" ? "active" : "expired" } } : {}),
        };
      }),
      warnings: [],
    };
  });
}

/** The transitions table's view of change rows (see transitionRows). */
export function reportTransitions(rows: readonly FindingRow[]): ReportTransition[] {
  return rows.map((row) => ({
    time: row.TimeGenerated,
    resourceName: row.AzureResourceName,
    controlId: row.ControlId,
    ...(row.PreviousStatus ? { previousStatus: row.PreviousStatus } : {}),
    status: row.Status,
    transition: row.Transition,
    ...(row.PreviousExposure ? { previousExposure: row.PreviousExposure } : {}),
    ...(row.Exposure && row.Status !== "Removed" ? { exposure: row.Exposure } : {}),
    ...(row.ChangeCallerName || row.ChangeCallerObjectId ? { caller: row.ChangeCallerName ?? row.ChangeCallerObjectId } : {}),
    ...(row.ChangeOperation ? { operation: row.ChangeOperation } : {}),
    ...(row.ChangeCorrelationId ? { correlationId: row.ChangeCorrelationId } : {}),
  }));
}
