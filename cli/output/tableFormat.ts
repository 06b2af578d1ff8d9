import { describeExposurePaths } from "../../shared/exposure/effectiveExposure.js";
import { WaivedFindings, governanceLines } from "./governanceLines.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { Finding, Severity } from "../../shared/model/finding.js";
import type { EstateSummary } from "./estateSummary.js";
import { KIND_LABEL, type ReportFormat, failingControls } from "./reportFormat.js";
import { printable, scoreText } from "./safeText.js";
import { type Paint, painter } from "./terminalColour.js";
import { WorstFirstSections, rankOf } from "./worstFirst.js";

/** A fixed-width column of printable text (control characters in resource data are shown as escapes). */
function cell(text: string, width: number): string {
  const safe = printable(text);
  return safe.length > width ? `${safe.slice(0, width - 1)}…` : safe.padEnd(width);
}

const HEADER = `${cell("SCORE", 6)}${cell("TYPE", 6)}${cell("EXPOSURE", 20)}${cell("NAME", 28)}${cell("RESOURCE GROUP", 22)}FAILING CONTROLS`;
const SEVERITY_STYLE: Record<Severity, Parameters<Paint>[0]> = { High: ["red", "bold"], Medium: "yellow", Low: "cyan" };

export interface TableOptions {
  /** Colour for a terminal (see terminalColour.ts); plain text otherwise. */
  readonly colour: boolean;
}

/**
 * For a terminal: the estate summary first, then one line per resource worst first, then each failure (what is
 * wrong, what was expected, the fix), worst resources first.
 */
export function tableFormat(options: TableOptions = { colour: false }): ReportFormat {
  const paint = painter(options.colour);
  const sections = new WorstFirstSections<"line" | "failures">();
  const waived = new WaivedFindings();
  return {
    begin: () => {},
    resource(evaluation) {
      for (const finding of evaluation.findings) waived.add(evaluation.resource.name, finding);
      sections.add(rankOf(evaluation), { line: resourceLine(evaluation, paint), failures: failureLines(evaluation, paint) });
    },
    async end(summary, out) {
      out.write(`${summaryLine(summary, paint)}\n${governanceLines(summary, "text")}\n${paint("bold", HEADER)}\n`);
      for (const section of sections.ordered()) {
        out.write(section.text("line"));
        await out.flushIfFull();
      }
      let first = true;
      for (const section of sections.ordered()) {
        const text = section.text("failures");
        if (text === "") continue;
        if (first) out.write(`\n${paint("bold", "FAILURES (worst resources first)")}\n`);
        first = false;
        out.write(text);
        await out.flushIfFull();
      }
      out.write(waived.render("text"));
    },
    dispose: () => sections.discard(),
  };
}

function summaryLine(summary: EstateSummary, paint: Paint): string {
  const bySeverity = summary.failuresBySeverity;
  return (
    `${summary.resources} resources (${summary.vaults} vaults, ${summary.managedHsms} managed HSMs), estate score ${paint("bold", scoreText(summary.estateScore))}. ` +
    `Failures: ${paint(SEVERITY_STYLE.High, `${bySeverity.High} high`)}, ${paint(SEVERITY_STYLE.Medium, `${bySeverity.Medium} medium`)}, ` +
    `${paint(SEVERITY_STYLE.Low, `${bySeverity.Low} low`)}; ${summary.byStatus.Unknown} unknown, ${summary.byStatus.Waived} waived.`
  );
}

function scoreStyle(score: number | null): Parameters<Paint>[0] {
  if (score === null) return "dim";
  return score < 50 ? "red" : score < 80 ? "yellow" : "green";
}

function resourceLine(evaluation: ResourceEvaluation, paint: Paint): string {
  const { resource } = evaluation;
  const failing = failingControls(evaluation);
  const exposure = cell(evaluation.exposure.class, 20);
  return (
    `${paint(scoreStyle(evaluation.score), cell(scoreText(evaluation.score), 6))}${cell(KIND_LABEL[resource.kind], 6)}` +
    `${evaluation.exposure.class === "Internet" ? paint("red", exposure) : exposure}` +
    `${cell(resource.name, 28)}${cell(resource.resourceGroup, 22)}${failing.length > 0 ? failing.join(" ") : "-"}` +
    ` · admitted by: ${printable(describeExposurePaths(evaluation.exposure))}\n`
  );
}

/**
 * What is wrong comes first, then what was expected, then the fix: the note in words and each command alone on its
 * own line, ready to paste.
 */
function failureLines(evaluation: ResourceEvaluation, paint: Paint): string {
  return evaluation.findings
    .filter((finding) => finding.status === "Fail")
    .map((finding: Finding) => {
      const fix = finding.remediation;
      const fixLines = fix === undefined ? "" : `  fix: ${printable(fix.note)}\n${fix.commands.map((command) => `    ${printable(command)}\n`).join("")}`;
      return (
        `\n${paint(SEVERITY_STYLE[finding.severity], `[${finding.severity}]`)} ${paint("bold", printable(evaluation.resource.name))}: ${printable(finding.reason)}\n` +
        `  expected: ${finding.title} (${finding.controlId})\n${fixLines}`
      );
    })
    .join("");
}
