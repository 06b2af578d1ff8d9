import type { FindingRow } from "../../shared/sink/findingsSchema.js";

const MARK: Record<string, string> = { New: "✗ NEW     ", Resolved: "✓ RESOLVED", Unchanged: "  CHANGED " };

/**
 * Terminal lines for the changes one step caused: a line per control that started or stopped failing, one per
 * widened or narrowed exposure, one per deleted resource, then who made the change when the event said so.
 */
export function describeChanges(rows: readonly FindingRow[]): string[] {
  const lines: string[] = [];
  const removed = new Map<string, number>();
  for (const row of rows) {
    if (row.Transition === "Removed") {
      removed.set(row.AzureResourceName, (removed.get(row.AzureResourceName) ?? 0) + 1);
      continue;
    }
    if (row.Transition !== "Unchanged" || row.Status !== row.PreviousStatus) {
      lines.push(
        `  ${MARK[row.Transition] ?? row.Transition} ${row.Severity.padEnd(6)} ${row.ControlId.padEnd(10)} ${row.AzureResourceName}: ` +
          `${row.PreviousStatus ?? "—"} → ${row.Status}${row.Reason ? ` · ${row.Reason}` : ""}`,
      );
    }
    if (row.PreviousExposure !== undefined && row.Exposure !== undefined && row.PreviousExposure !== row.Exposure) {
      lines.push(`  ↗ EXPOSURE  ${row.AzureResourceName}: ${row.PreviousExposure} → ${row.Exposure}`);
    }
  }
  for (const [name, controls] of removed) lines.push(`  – REMOVED  ${name}: deleted; its ${controls} controls leave the current state`);
  const attributed = rows.find((row) => row.ChangeCallerName !== undefined || row.ChangeCallerObjectId !== undefined);
  if (attributed && lines.length > 0) {
    const caller = attributed.ChangeCallerName ?? attributed.ChangeCallerObjectId;
    lines.push(
      `    by ${caller}${attributed.ChangeCallerRole ? ` (${attributed.ChangeCallerRole})` : ""}` +
        `${attributed.ChangeClientIp ? ` from ${attributed.ChangeClientIp}` : ""}` +
        `${attributed.ChangeOperation ? ` · ${attributed.ChangeOperation}` : ""}` +
        `${attributed.ChangeCorrelationId ? ` · correlation ${attributed.ChangeCorrelationId}` : ""}`,
    );
  }
  return lines;
}
