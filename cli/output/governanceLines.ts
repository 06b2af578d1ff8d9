import { describeWaiverSource } from "../../shared/evaluate/waivers.js";
import type { Finding } from "../../shared/model/finding.js";
import type { EstateSummary } from "./estateSummary.js";
import { markdownCell } from "./markdownFormat.js";

/**
 * What the configuration changed and the framework view, after a table or Markdown report's totals: nothing the
 * configuration does is silent.
 */
export function governanceLines(summary: EstateSummary, style: "text" | "markdown"): string {
  const lines: string[] = [];
  const governance = summary.governance;
  if (governance !== undefined) {
    const overrides = [...governance.severityOverrides].map(([id, severity]) => `${id} → ${severity}`);
    lines.push(
      `Configuration ${governance.source ?? ""}: ${governance.disabledControls.size > 0 ? `disabled ${[...governance.disabledControls].join(", ")}` : "no control disabled"}; ` +
        `${overrides.length > 0 ? `severity ${overrides.join(", ")}` : "catalog severities"}; tag waivers ${governance.tagWaivers}; Azure Policy exemptions ${governance.azurePolicyExemptions}.`,
    );
  }
  const waived = summary.waivedBySource;
  if (waived.tag + waived.exception + waived.policyExemption > 0) {
    lines.push(`Waived by: ${waived.tag} tag waiver(s), ${waived.exception} configured exception(s), ${waived.policyExemption} Azure Policy exemption(s).`);
  }
  if (summary.excluded.length > 0) {
    lines.push(`${summary.excluded.length} resource(s) excluded by the configuration:`);
    for (const excluded of summary.excluded) lines.push(`  ${excluded.resourceId} (${excluded.reason})`);
  }
  if (summary.ignoredWaiverTags.length > 0) {
    lines.push(`${summary.ignoredWaiverTags.length} resource(s) carry a vaultwatch-waiver tag that was ignored (tag waivers are off).`);
  }
  const framework = summary.framework;
  if (framework !== undefined) {
    lines.push(`${framework.framework}: resources by requirement (passing / failing / waived / unknown):`);
    for (const tally of framework.requirements) {
      const { passing, failing, waived: w, unknown } = tally.resources;
      lines.push(`  ${tally.requirement.padEnd(10)} ${passing} / ${failing} / ${w} / ${unknown}  (${tally.controls.join(", ")})`);
    }
  }
  if (lines.length === 0) return "";
  if (style === "text") return `${lines.join("\n")}\n`;
  return `\n${lines.map((line) => (line.startsWith("  ") ? `- ${markdownCell(line.trim())}` : `\n${markdownCell(line)}\n`)).join("\n")}\n`;
}

/** Waived findings kept for the end of a table or Markdown report; bounded, so a huge estate stays in flat memory. */
export class WaivedFindings {
  private readonly kept: string[] = [];
  private dropped = 0;

  constructor(private readonly limit = 500) {}

  add(resourceName: string, finding: Finding): void {
    if (finding.status !== "Waived" || finding.waiver === undefined) return;
    if (this.kept.length >= this.limit) {
      this.dropped += 1;
      return;
    }
    const sources = finding.waiver.sources.filter((source) => source.state === "active").map(describeWaiverSource);
    this.kept.push(`${finding.controlId} ${resourceName} (${finding.severity}): waived by ${sources.join("; ")}`);
  }

  render(style: "text" | "markdown"): string {
    if (this.kept.length === 0) return "";
    const more = this.dropped > 0 ? [`… and ${this.dropped} more`] : [];
    if (style === "text") return `\nWAIVED\n${[...this.kept, ...more].map((line) => `  ${line}`).join("\n")}\n`;
    return `\n## Waived\n\n${[...this.kept, ...more].map((line) => `- ${markdownCell(line)}`).join("\n")}\n`;
  }
}
