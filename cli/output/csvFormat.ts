import { describeExposurePaths } from "../../shared/exposure/effectiveExposure.js";
import { type ReportFormat } from "./reportFormat.js";
import { printable } from "./safeText.js";

const COLUMNS = [
  "resourceId",
  "resourceType",
  "name",
  "subscriptionId",
  "resourceGroup",
  "location",
  "score",
  "exposure",
  "exposurePaths",
  "controlId",
  "title",
  "severity",
  "status",
  "reason",
  "remediationNote",
  "remediationCommands",
  "waiverExpiry",
] as const;

/**
 * RFC 4180 quoting. Control characters in resource data are shown as escapes, and cells that a spreadsheet would
 * run as a formula (names and reasons can carry attacker-chosen text such as tags) are prefixed with an apostrophe.
 */
export function csvCell(value: string | number): string {
  let text = printable(String(value));
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per finding, every status included. */
export function csvFormat(): ReportFormat {
  return {
    begin: (out) => out.write(`${COLUMNS.join(",")}\r\n`),
    resource(evaluation, out) {
      const { resource } = evaluation;
      for (const finding of evaluation.findings) {
        const row = [
          resource.resourceId,
          resource.resourceType,
          resource.name,
          resource.subscriptionId,
          resource.resourceGroup,
          resource.location,
          // No score (nothing could be judged) is an empty cell, as null is in JSON.
          evaluation.score ?? "",
          evaluation.exposure.class,
          describeExposurePaths(evaluation.exposure),
          finding.controlId,
          finding.title,
          finding.severity,
          finding.status,
          finding.reason,
          finding.remediation?.note ?? "",
          "",
          finding.waiver?.expires ?? "",
        ];
        const cells = row.map(csvCell);
        // One command per line inside the cell: each made printable first, so the only line breaks are ours.
        cells[COLUMNS.indexOf("remediationCommands")] = commandsCell(finding.remediation?.commands ?? []);
        out.write(`${cells.join(",")}\r\n`);
      }
    },
    end: async () => {},
  };
}

function commandsCell(commands: readonly string[]): string {
  if (commands.length === 0) return "";
  const text = commands.map((command) => printable(command)).join("\n");
  return `"${(/^[=+\-@]/.test(text) ? `'${text}` : text).replaceAll('"', '""')}"`;
}
