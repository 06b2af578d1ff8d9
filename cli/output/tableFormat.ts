import { describeExposurePaths } from "../../shared/exposure/effectiveExposure.js";
import type { Finding } from "../../shared/model/finding.js";
import { KIND_LABEL, type ReportFormat, failingControls } from "./reportFormat.js";
import { printable, scoreText } from "./safeText.js";

/** A fixed-width column of printable text (control characters in resource data are shown as escapes). */
function cell(text: string, width: number): string {
  const safe = printable(text);
  return safe.length > width ? `${safe.slice(0, width - 1)}…` : safe.padEnd(width);
}

const HEADER = `${cell("SCORE", 6)}${cell("TYPE", 6)}${cell("EXPOSURE", 20)}${cell("NAME", 28)}${cell("RESOURCE GROUP", 22)}FAILING CONTROLS`;

/** For a terminal: one line per resource with its score and failing controls, then each failure with its fix. */
export function tableFormat(): ReportFormat {
  let failures = 0;
  return {
    begin: (out) => out.write(`${HEADER}\n`),
    resource(evaluation, out) {
      const { resource } = evaluation;
      const failing = failingControls(evaluation);
      out.write(
        `${cell(scoreText(evaluation.score), 6)}${cell(KIND_LABEL[resource.kind], 6)}${cell(evaluation.exposure.class, 20)}` +
          `${cell(resource.name, 28)}${cell(resource.resourceGroup, 22)}${failing.length > 0 ? failing.join(" ") : "-"}` +
          ` · admitted by: ${printable(describeExposurePaths(evaluation.exposure))}\n`,
      );
      for (const finding of evaluation.findings) {
        if (finding.status !== "Fail") continue;
        if (failures++ === 0) out.deferred("\nFAILURES\n");
        out.deferred(describeFailure(resource.name, finding));
      }
    },
    async end(summary, out) {
      await out.appendDeferred();
      const bySeverity = summary.failuresBySeverity;
      out.write(
        `\n${summary.resources} resources (${summary.vaults} vaults, ${summary.managedHsms} managed HSMs), estate score ${scoreText(summary.estateScore)}. ` +
          `Failures: ${bySeverity.High} high, ${bySeverity.Medium} medium, ${bySeverity.Low} low; ` +
          `${summary.byStatus.Unknown} unknown, ${summary.byStatus.Waived} waived.\n`,
      );
    },
  };
}

/** The failure, its reason, then the fix: the note in words and each command alone on its own line, ready to paste. */
function describeFailure(name: string, finding: Finding): string {
  const fix = finding.remediation;
  const fixLines = fix === undefined ? "" : `  fix: ${printable(fix.note)}\n${fix.commands.map((command) => `    ${printable(command)}\n`).join("")}`;
  return `\n[${finding.severity}] ${finding.controlId} ${finding.title}: ${printable(name)}\n  ${printable(finding.reason)}\n${fixLines}`;
}
