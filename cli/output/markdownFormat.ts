import { WaivedFindings, governanceLines } from "./governanceLines.js";
import { describeExposurePaths } from "../../shared/exposure/effectiveExposure.js";
import { KIND_LABEL, type ReportFormat, failingControls } from "./reportFormat.js";

/** Escapes what would break a Markdown table cell or inline code. */
export function markdownCell(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("|", "\\|").replaceAll("\n", " ").replaceAll("<", "&lt;");
}

/** For pull requests and wikis: the resources table, then each failure with its remediation. */
export function markdownFormat(): ReportFormat {
  let failures = 0;
  const waived = new WaivedFindings();
  return {
    begin: (out) =>
      out.write("# vaultwatch report\n\n| Resource | Type | Score | Exposure | Admitted by | Failing controls |\n|---|---|---:|---|---|---|\n"),
    resource(evaluation, out) {
      const { resource } = evaluation;
      const failing = failingControls(evaluation);
      out.write(
        `| ${markdownCell(resource.name)} | ${KIND_LABEL[resource.kind]} | ${evaluation.score} | ${evaluation.exposure.class} | ${markdownCell(describeExposurePaths(evaluation.exposure))} | ${failing.join(", ") || "none"} |\n`,
      );
      for (const finding of evaluation.findings) {
        waived.add(resource.name, finding);
        if (finding.status !== "Fail") continue;
        if (failures++ === 0) out.deferred("\n## Failures\n");
        out.deferred(
          `\n### ${finding.controlId} ${markdownCell(finding.title)}: ${markdownCell(resource.name)} (${finding.severity})\n\n` +
            `${markdownCell(finding.reason)}\n\n\`\`\`sh\n${finding.remediation.replaceAll("```", "'''")}\n\`\`\`\n`,
        );
      }
    },
    async end(summary, out) {
      await out.appendDeferred();
      out.write(waived.render("markdown"));
      const s = summary.failuresBySeverity;
      out.write(
        `\n**${summary.resources} resources, estate score ${summary.estateScore}.** Failures: ${s.High} high, ${s.Medium} medium, ${s.Low} low; ` +
          `${summary.byStatus.Unknown} unknown, ${summary.byStatus.Waived} waived.\n` + governanceLines(summary, "markdown"),
      );
    },
  };
}
