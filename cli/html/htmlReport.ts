import { estateScoreOf } from "../../shared/evaluate/score.js";
import { EXPOSURE_CLASSES } from "../../shared/model/exposure.js";
import { SEVERITIES, type Severity } from "../../shared/model/finding.js";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";
import { scoreText } from "../output/safeText.js";

export interface HtmlReportInput {
  readonly title: string;
  readonly generatedAt: Date;
  /** Latest row per resource and control (see latestFindings). */
  readonly latest: readonly FindingRow[];
  /** Rows that changed something, oldest first (see transitionRows). */
  readonly transitions: readonly FindingRow[];
}

interface ResourceView {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly resourceGroup: string;
  /** `null` when nothing could be judged (the row carries no ResourceScore). */
  readonly score: number | null;
  readonly exposure: string;
  readonly rows: FindingRow[];
}

const SEVERITY_COLOUR: Record<Severity, string> = { High: "#c62828", Medium: "#ef6c00", Low: "#f9a825" };

/** Everything in the page is data from Azure (names, tags, reasons): escape all of it. */
export function escapeHtml(text: unknown): string {
  return String(text ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function resourcesOf(latest: readonly FindingRow[]): ResourceView[] {
  const byId = new Map<string, ResourceView>();
  for (const row of latest) {
    const key = row.AzureResourceId.toLowerCase();
    let view = byId.get(key);
    if (!view) {
      view = {
        id: row.AzureResourceId,
        name: row.AzureResourceName,
        type: row.AzureResourceType.toLowerCase().endsWith("managedhsms") ? "Managed HSM" : "Key Vault",
        resourceGroup: row.AzureResourceGroup,
        score: row.ResourceScore ?? null,
        exposure: row.Exposure ?? "Unknown",
        rows: [],
      };
      byId.set(key, view);
    }
    view.rows.push(row);
  }
  // Worst first; resources without a score (nothing judged) after every scored one.
  return [...byId.values()].sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || a.name.localeCompare(b.name));
}

function barChart(entries: readonly { label: string; value: number; colour: string }[], ariaLabel: string): string {
  const max = Math.max(1, ...entries.map((entry) => entry.value));
  const rowHeight = 22;
  const bars = entries
    .map((entry, index) => {
      const width = Math.round((entry.value / max) * 360);
      const y = index * rowHeight;
      return (
        `<text x="0" y="${y + 15}" class="label">${escapeHtml(entry.label)}</text>` +
        `<rect x="190" y="${y + 3}" width="${width}" height="16" fill="${entry.colour}"></rect>` +
        `<text x="${196 + width}" y="${y + 15}" class="value">${entry.value}</text>`
      );
    })
    .join("");
  return `<svg role="img" aria-label="${escapeHtml(ariaLabel)}" width="600" height="${entries.length * rowHeight + 4}" viewBox="0 0 600 ${entries.length * rowHeight + 4}">${bars}</svg>`;
}

function failuresByControlChart(latest: readonly FindingRow[]): string {
  const counts = new Map<string, { severity: Severity; count: number }>();
  for (const row of latest) {
    if (row.Status !== "Fail") continue;
    const entry = counts.get(row.ControlId) ?? { severity: row.Severity, count: 0 };
    entry.count += 1;
    counts.set(row.ControlId, entry);
  }
  const entries = [...counts]
    .sort(([a, x], [b, y]) => SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity) || a.localeCompare(b))
    .map(([control, { severity, count }]) => ({ label: `${control} (${severity})`, value: count, colour: SEVERITY_COLOUR[severity] }));
  return entries.length === 0 ? "<p>No failures.</p>" : barChart(entries, "Failures by control and severity");
}

function exposureChart(resources: readonly ResourceView[]): string {
  const classes = [...EXPOSURE_CLASSES, "Unknown"] as const;
  const palette = ["#b71c1c", "#e65100", "#f9a825", "#2e7d32", "#1565c0", "#546e7a", "#9e9e9e"];
  const entries = classes
    .map((exposureClass, index) => ({
      label: exposureClass,
      value: resources.filter((resource) => resource.exposure === exposureClass).length,
      colour: palette[index] ?? "#9e9e9e",
    }))
    .filter((entry) => entry.value > 0);
  return barChart(entries, "Resources by effective exposure");
}

function sideBySide(resources: readonly ResourceView[]): string {
  const column = (type: string): string => {
    const group = resources.filter((resource) => resource.type === type);
    const mean = scoreText(estateScoreOf(group.map((resource) => resource.score)));
    const failures = group.flatMap((resource) => resource.rows).filter((row) => row.Status === "Fail");
    const bySeverity = SEVERITIES.map((severity) => `${failures.filter((row) => row.Severity === severity).length} ${severity.toLowerCase()}`);
    return `<div class="card"><h3>${type}s</h3><p class="big" data-testid="count-${type === "Key Vault" ? "vaults" : "hsms"}">${group.length}</p><p>mean score ${mean}</p><p>failures: ${bySeverity.join(", ")}</p></div>`;
  };
  return `<div class="cards">${column("Key Vault")}${column("Managed HSM")}</div>`;
}

function resourceTable(resources: readonly ResourceView[]): string {
  const rows = resources
    .map((resource) => {
      const failing = resource.rows.filter((row) => row.Status === "Fail").sort((a, b) => SEVERITIES.indexOf(a.Severity) - SEVERITIES.indexOf(b.Severity));
      const details = failing
        .map(
          (row) =>
            `<li><span class="sev sev-${escapeHtml(row.Severity.toLowerCase())}">${escapeHtml(row.Severity)}</span> <b>${escapeHtml(row.ControlId)}</b> ${escapeHtml(row.ControlTitle ?? "")}: ${escapeHtml(row.Reason ?? "")}` +
            (row.Remediation ? `<pre>${escapeHtml(row.Remediation)}</pre>` : "") +
            "</li>",
        )
        .join("");
      return (
        `<tr data-testid="resource-row"><td>${scoreText(resource.score)}</td><td>${escapeHtml(resource.type)}</td><td>${escapeHtml(resource.exposure)}</td>` +
        `<td><details><summary>${escapeHtml(resource.name)} <span class="muted">${escapeHtml(resource.resourceGroup)}</span> · ${failing.length} failing</summary>` +
        `<p class="muted">${escapeHtml(resource.id)}</p><ul>${details || "<li>No failing control.</li>"}</ul></details></td></tr>`
      );
    })
    .join("");
  return `<table><thead><tr><th>Score</th><th>Type</th><th>Exposure</th><th>Resource and failing controls</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function transitionTable(transitions: readonly FindingRow[]): string {
  if (transitions.length === 0) return "<p>No transitions.</p>";
  const rows = transitions
    .map((row) => {
      const caller = row.ChangeCallerName ?? row.ChangeCallerObjectId ?? "";
      const exposure = row.PreviousExposure !== undefined && row.PreviousExposure !== row.Exposure ? `${row.PreviousExposure} → ${row.Exposure}` : "";
      return (
        `<tr data-testid="transition-row"><td>${escapeHtml(row.TimeGenerated.replace("T", " ").slice(0, 19))}</td><td>${escapeHtml(row.AzureResourceName)}</td>` +
        `<td>${escapeHtml(row.ControlId)}</td><td>${escapeHtml(row.PreviousStatus ?? "—")} → ${escapeHtml(row.Status)}</td><td>${escapeHtml(row.Transition)}</td>` +
        `<td>${escapeHtml(exposure)}</td><td>${escapeHtml(caller)}</td><td>${escapeHtml(row.ChangeOperation ?? "")}</td><td class="muted">${escapeHtml(row.ChangeCorrelationId ?? "")}</td></tr>`
      );
    })
    .join("");
  return `<table><thead><tr><th>Time (UTC)</th><th>Resource</th><th>Control</th><th>Status</th><th>Transition</th><th>Exposure</th><th>Caller</th><th>Operation</th><th>Correlation id</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function waiverTable(latest: readonly FindingRow[]): string {
  const waived = latest.filter((row) => row.WaiverExpiry !== undefined);
  if (waived.length === 0) return "<p>No waivers.</p>";
  const rows = waived
    .sort((a, b) => (a.WaiverExpiry ?? "").localeCompare(b.WaiverExpiry ?? ""))
    .map(
      (row) =>
        `<tr data-testid="waiver-row"><td>${escapeHtml(row.AzureResourceName)}</td><td>${escapeHtml(row.ControlId)}</td><td>${escapeHtml(row.Status)}</td><td>${escapeHtml((row.WaiverExpiry ?? "").slice(0, 10))}</td></tr>`,
    )
    .join("");
  return `<table><thead><tr><th>Resource</th><th>Control</th><th>Status</th><th>Waived until</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** One self-contained page (no script, no network: its CSP forbids both) that mirrors the workbook. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const resources = resourcesOf(input.latest);
  const estateScore = scoreText(estateScoreOf(resources.map((resource) => resource.score)));
  const failures = input.latest.filter((row) => row.Status === "Fail");
  const bySeverity = SEVERITIES.map(
    (severity) => `<span class="sev sev-${severity.toLowerCase()}" data-testid="failures-${severity.toLowerCase()}">${failures.filter((row) => row.Severity === severity).length} ${severity.toLowerCase()}</span>`,
  ).join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2937;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
.muted{color:#6b7280;font-size:.85em}.big{font-size:2.2rem;font-weight:700;margin:.2rem 0}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #e5e7eb;border-radius:8px;padding:.8rem 1.2rem;min-width:200px}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #f3f4f6;vertical-align:top}
pre{background:#f9fafb;padding:.4rem;white-space:pre-wrap;word-break:break-all;font-size:.8rem}
.sev{display:inline-block;border-radius:4px;padding:0 .4rem;color:#fff;font-size:.8rem}.sev-high{background:#c62828}.sev-medium{background:#ef6c00}.sev-low{background:#f9a825;color:#1f2937}
svg text{font-size:12px;fill:#1f2937}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<p class="muted">Generated ${escapeHtml(input.generatedAt.toISOString())} from the findings vaultwatch wrote to Log Analytics (latest state per resource and control).</p>
<div class="cards">
<div class="card"><h3>Estate score</h3><p class="big" data-testid="estate-score">${estateScore}</p><p>mean of resource scores</p></div>
<div class="card"><h3>Resources</h3><p class="big" data-testid="resource-count">${resources.length}</p></div>
<div class="card"><h3>Failures</h3><p class="big" data-testid="failure-count">${failures.length}</p><p>${bySeverity}</p></div>
</div>
<h2>Key Vaults and Managed HSMs</h2>${sideBySide(resources)}
<h2>Failures by control and severity</h2>${failuresByControlChart(input.latest)}
<h2>Effective exposure</h2>${exposureChart(resources)}
<h2>Resources, worst first</h2>${resourceTable(resources)}
<h2>Transitions</h2>${transitionTable(input.transitions)}
<h2>Waivers</h2>${waiverTable(input.latest)}
</body></html>
`;
}
