import type { FindingRow, FindingsRow } from "../../shared/sink/findingsSchema.js";

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
    if (row.Transition !== "Unchanged" || exposureChanged) changes.push(row);
  }
  return changes.sort((a, b) => Date.parse(a.TimeGenerated) - Date.parse(b.TimeGenerated));
}
