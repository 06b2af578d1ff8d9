import { describeExposurePaths } from "../../shared/exposure/effectiveExposure.js";
import { KIND_LABEL, type ReportFormat, failingControls } from "./reportFormat.js";
import { markdownCodeBlock, markdownText, scoreText } from "./safeText.js";

/** Escapes what would break a Markdown table cell or be read as Markdown syntax (see `markdownText`). */
export function markdownCell(text: string): string {
  return markdownText(text);
}

/** For pull requests and wikis: the resources table, then each failure with its remediation (note, then commands). */
export function markdownFormat(): ReportFormat {
  let failures = 0;
  return {
    begin: (out) =>
      out.write("# vaultwatch report\n\n| Resource | Type | Score | Exposure | Admitted by | Failing controls |\n|---|---|---:|---|---|---|\n"),
    resource(evaluation, out) {
      const { resource } = evaluation;
      const failing = failingControls(evaluation);
      out.write(
        `| ${markdownCell(resource.name)} | ${KIND_LABEL[resource.kind]} | ${scoreText(evaluation.score)} | ${evaluation.exposure.class} | ${markdownCell(describeExposurePaths(evaluation.exposure))} | ${failing.join(", ") || "none"} |\n`,
      );
      for (const finding of evaluation.findings) {
        if (finding.status !== "Fail") continue;
        if (failures++ === 0) out.deferred("\n## Failures\n");
        const fix = finding.remediation;
        out.deferred(
          `\n### ${finding.controlId} ${markdownCell(finding.title)}: ${markdownCell(resource.name)} (${finding.severity})\n\n` +
            `${markdownCell(finding.reason)}\n` +
            (fix === undefined ? "" : `\n${markdownCell(fix.note)}\n\n${markdownCodeBlock("sh", fix.commands)}`),
        );
      }
    },
    async end(summary, out) {
      await out.appendDeferred();
      const s = summary.failuresBySeverity;
      out.write(
        `\n**${summary.resources} resources, estate score ${scoreText(summary.estateScore)}.** Failures: ${s.High} high, ${s.Medium} medium, ${s.Low} low; ` +
          `${summary.byStatus.Unknown} unknown, ${summary.byStatus.Waived} waived.\n`,
      );
    },
  };
}
