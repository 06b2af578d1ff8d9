import { describeExposurePaths } from "../../shared/exposure/effectiveExposure.js";
import { WaivedFindings, governanceLines } from "./governanceLines.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { EXPOSURE_CLASSES } from "../../shared/model/exposure.js";
import type { Finding } from "../../shared/model/finding.js";
import type { EstateSummary } from "./estateSummary.js";
import { controlTitle, failuresByControlMostFirst } from "./estateSummary.js";
import type { ReportContext } from "./reportContext.js";
import { KIND_LABEL, type ReportFormat, failingControls } from "./reportFormat.js";
import { markdownCodeBlock, markdownText, scoreText } from "./safeText.js";
import { WorstFirstSections, rankOf } from "./worstFirst.js";

/** Escapes what would break a Markdown table cell or be read as Markdown syntax (see `markdownText`). */
export function markdownCell(text: string): string {
  return markdownText(text);
}

/**
 * GitHub refuses a pull-request comment longer than 65,536 characters; the bounded report stays under this, leaving
 * room for whatever a pipeline puts around it.
 */
export const PULL_REQUEST_COMMENT_BUDGET = 60_000;
/** The worst resources listed in the bounded report's table. */
export const WORST_RESOURCES_LISTED = 50;

export type MarkdownDetail = "summary" | "full";

export interface MarkdownOptions {
  /** `summary` (default): fits a pull-request comment; `full`: every resource and every failure. */
  readonly detail: MarkdownDetail;
  readonly budget?: number;
}

/**
 * For pull requests and wikis: the summary first, then the resources worst first and what is wrong with each, with
 * the fix. By default bounded to fit a pull-request comment; `detail: "full"` lists everything.
 */
export function markdownFormat(context: ReportContext, options: MarkdownOptions = { detail: "summary" }): ReportFormat {
  const sections = new WorstFirstSections<"row" | "failures">();
  const budget = options.budget ?? PULL_REQUEST_COMMENT_BUDGET;
  let failing = 0;
  const waived = new WaivedFindings();
  return {
    begin: () => {},
    resource(evaluation) {
      for (const finding of evaluation.findings) waived.add(evaluation.resource.name, finding);
      if (failingControls(evaluation).length > 0) failing += 1;
      sections.add(rankOf(evaluation), { row: resourceRow(evaluation, context), failures: failureSection(evaluation) });
    },
    async end(summary, out) {
      const full = options.detail === "full";
      const head = summarySection(summary, context) + governanceLines(summary, "markdown");
      out.write(head);
      let used = head.length + FOOTER_RESERVE + TABLE_HEADER.length;
      let listed = 0;
      if (sections.count > 0) out.write(`\n## Resources, worst first\n\n${TABLE_HEADER}`);
      for (const section of sections.ordered()) {
        const row = section.text("row");
        if (!full && (listed >= WORST_RESOURCES_LISTED || used + row.length > budget / 3)) break;
        out.write(row);
        used += row.length;
        listed += 1;
        await out.flushIfFull();
      }
      let detailed = 0;
      let allDetailed = true;
      for (const section of sections.ordered()) {
        const text = section.text("failures");
        if (text === "") continue;
        if (!full && used + text.length > budget) {
          allDetailed = false;
          break;
        }
        if (detailed === 0) out.write("\n## What is wrong, worst first\n");
        out.write(text);
        used += text.length;
        detailed += 1;
        await out.flushIfFull();
      }
      // Waived findings close the report, when they fit.
      const waivedText = waived.render("markdown");
      if (full || used + waivedText.length <= budget) out.write(waivedText);
      if (listed < sections.count || !allDetailed) {
        out.write(
          `\n_Showing the ${listed} worst of ${sections.count} resources, and the failures of the ${detailed} worst of the ${failing} that fail. ` +
            "`--detail full` lists every resource and failure._\n",
        );
      }
    },
    dispose: () => sections.discard(),
  };
}

const FOOTER_RESERVE = 300;
const TABLE_HEADER = "| Resource | Subscription | Type | Score | Exposure | Admitted by | Failing controls |\n|---|---|---|---:|---|---|---|\n";

function summarySection(summary: EstateSummary, context: ReportContext): string {
  const s = summary.failuresBySeverity;
  const lines = [
    "# vaultwatch report",
    "",
    `**${summary.resources.toLocaleString("en-US")} resources** (${summary.vaults.toLocaleString("en-US")} vaults, ${summary.managedHsms.toLocaleString("en-US")} managed HSMs), **estate score ${scoreText(summary.estateScore)}**. ` +
      `Failures: **${s.High} high**, ${s.Medium} medium, ${s.Low} low; ${summary.byStatus.Unknown} unknown, ${summary.byStatus.Waived} waived.`,
    "",
    `_Evaluated at ${context.evaluatedAt.toISOString()} by vaultwatch ${context.toolVersion}._`,
  ];
  const byControl = failuresByControlMostFirst(summary);
  if (byControl.length > 0) {
    lines.push("", "| Failing control | Severity | Resources |", "|---|---|---:|");
    for (const { controlId, severity, resources } of byControl) lines.push(`| ${controlId} ${markdownCell(controlTitle(controlId))} | ${severity} | ${resources} |`);
  }
  const exposures = [...EXPOSURE_CLASSES, "Unknown" as const].filter((exposure) => (summary.byExposure.get(exposure) ?? 0) > 0);
  if (exposures.length > 0) {
    lines.push("", `| ${exposures.join(" | ")} |`, `|${exposures.map(() => "---:|").join("")}`, `| ${exposures.map((exposure) => summary.byExposure.get(exposure)).join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}

function resourceRow(evaluation: ResourceEvaluation, context: ReportContext): string {
  const { resource } = evaluation;
  const subscription = context.subscriptionName(resource.subscriptionId) ?? resource.subscriptionId;
  return (
    `| ${markdownCell(resource.name)} | ${markdownCell(subscription)} | ${KIND_LABEL[resource.kind]} | ${scoreText(evaluation.score)} | ${evaluation.exposure.class} | ` +
    `${markdownCell(describeExposurePaths(evaluation.exposure))} | ${failingControls(evaluation).join(", ") || "none"} |\n`
  );
}

/** Each failure says what is wrong first, then what was expected, then the fix. */
function failureSection(evaluation: ResourceEvaluation): string {
  const failures = evaluation.findings.filter((finding) => finding.status === "Fail");
  if (failures.length === 0) return "";
  const { resource } = evaluation;
  return (
    `\n### ${markdownCell(resource.name)} (score ${scoreText(evaluation.score)}, ${evaluation.exposure.class})\n\n` +
    `${markdownCell(resource.resourceId)}\n` +
    failures.map(failureItem).join("")
  );
}

/**
 * What is wrong, then what was expected, then the fix: the note in words and the commands in a block to paste (at
 * the left margin, so a copied block carries no indentation).
 */
function failureItem(finding: Finding): string {
  const fix = finding.remediation;
  return (
    `\n**${finding.severity}**: ${markdownCell(finding.reason)} Expected: ${markdownCell(finding.title)} (${finding.controlId}).\n` +
    (fix === undefined ? "" : `\n${markdownCell(fix.note)}\n\n${markdownCodeBlock("sh", fix.commands)}`)
  );
}
