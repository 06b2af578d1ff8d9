import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { EXPOSURE_CLASSES, type ExposureClass } from "../../shared/model/exposure.js";
import { SEVERITIES, SEVERITY_WEIGHT, type Severity, type Status } from "../../shared/model/finding.js";
import { TOOL_VERSION } from "../../shared/version.js";
import { ReportOutput } from "../output/reportOutput.js";
import { type ReportControl, type ReportFinding, type ReportResource, type ReportTransition, reportControls } from "./reportModel.js";
import { REPORT_SCRIPT } from "./reportScript.js";
import { REPORT_STYLE } from "./reportStyle.js";

export interface HtmlReportMeta {
  readonly title: string;
  /** What was evaluated, in words, e.g. "vaults.json" or "a live scan of 3 subscriptions". */
  readonly source: string;
  /** When the report was made (the real clock); defaults to the moment the page is finished. */
  readonly generatedAt?: Date;
  /** When waivers were judged, when that is not the generation time (`--at`). */
  readonly judgedAt?: Date;
  /** The demo's simulated clock, shown and labelled as such; never passed off as the generation time. */
  readonly simulatedClock?: Date;
  /** The catalog's titles and mappings; defaults to vaultwatch's own catalog. */
  readonly controls?: readonly ReportControl[];
  /** Changes recorded by the pipeline (demo); `evaluate` and `scan` have none and show no such section. */
  readonly transitions?: readonly ReportTransition[];
}

/** Everything in the page is data from Azure (names, tags, reasons): escape all of it, whatever its type. */
export function escapeHtml(text: unknown): string {
  return String(text ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A CSP source that admits exactly this inline text. */
export function cspHashSource(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

const STATUS_LETTER: Record<Status, string> = { Pass: "P", Fail: "F", NotApplicable: "N", Unknown: "U", Waived: "W" };
const STATUS_LABEL: Record<Status, string> = { Pass: "Pass", Fail: "Fail", NotApplicable: "Not applicable", Unknown: "Unknown", Waived: "Waived" };
const SEVERITY_LETTER: Record<Severity, string> = { High: "H", Medium: "M", Low: "L" };
const KIND_LABEL = { vault: "Key Vault", managedHsm: "Managed HSM" } as const;
const EXPOSURES: readonly ExposureClass[] = [...EXPOSURE_CLASSES, "Unknown"];
/** Statuses whose findings are shown in full; the others are listed by control id only, to keep the page small. */
const DETAILED: ReadonlySet<Status> = new Set(["Fail", "Waived", "Unknown"]);

function severityClass(severity: Severity): string {
  return `sev sev-${escapeHtml(severity.toLowerCase())}`;
}

function formatInstant(instant: Date | string): string {
  const iso = typeof instant === "string" ? instant : instant.toISOString();
  return `${iso.replace("T", " ").slice(0, 19)} UTC`;
}

function timeElement(instant: Date | string): string {
  const iso = typeof instant === "string" ? instant : instant.toISOString();
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(formatInstant(iso))}</time>`;
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

function meanScore(total: number, scored: number): string {
  return scored === 0 ? "–" : String(Math.floor(total / scored + 0.5));
}

interface KindTotals {
  resources: number;
  scoreTotal: number;
  scored: number;
  failures: Record<Severity, number>;
}

interface WaiverLine {
  readonly resourceName: string;
  readonly resourceId: string;
  readonly finding: ReportFinding;
}

function zeroBySeverity(): Record<Severity, number> {
  return { High: 0, Medium: 0, Low: 0 };
}

/**
 * Streams a self-contained HTML report: each resource's row is rendered as it arrives and spilled to disk by the
 * output, while only totals are kept; the head (figures, charts, filters) is written once the totals are final.
 * Memory is flat in the number of resources.
 */
export class HtmlReport {
  private readonly controls: readonly ReportControl[];
  private readonly controlIndex: Map<string, number>;
  private resources = 0;
  private scoreTotal = 0;
  private scored = 0;
  private readonly byKind: Record<"vault" | "managedHsm", KindTotals> = {
    vault: { resources: 0, scoreTotal: 0, scored: 0, failures: zeroBySeverity() },
    managedHsm: { resources: 0, scoreTotal: 0, scored: 0, failures: zeroBySeverity() },
  };
  private readonly failuresBySeverity = zeroBySeverity();
  private readonly byStatus: Record<Status, number> = { Pass: 0, Fail: 0, NotApplicable: 0, Unknown: 0, Waived: 0 };
  private readonly failuresByControl = new Map<string, { severity: Severity; count: number }>();
  private readonly byExposure = new Map<ExposureClass, number>();
  private readonly subscriptions = new Map<string, string | undefined>();
  private readonly waivers: WaiverLine[] = [];

  constructor(private readonly meta: HtmlReportMeta) {
    this.controls = meta.controls ?? reportControls();
    this.controlIndex = new Map(this.controls.map((control, index) => [control.id, index]));
  }

  add(resource: ReportResource, out: ReportOutput): void {
    this.tally(resource);
    out.deferred(this.resourceRow(resource));
  }

  async end(out: ReportOutput): Promise<void> {
    out.write(this.head());
    await out.appendDeferred();
    out.write(this.tail());
  }

  private tally(resource: ReportResource): void {
    this.resources += 1;
    const kind = this.byKind[resource.kind];
    kind.resources += 1;
    if (resource.score !== null) {
      this.scoreTotal += resource.score;
      this.scored += 1;
      kind.scoreTotal += resource.score;
      kind.scored += 1;
    }
    this.byExposure.set(resource.exposure, (this.byExposure.get(resource.exposure) ?? 0) + 1);
    const subscriptionKey = resource.subscriptionId.toLowerCase();
    if (!this.subscriptions.has(subscriptionKey) || (resource.subscriptionName && !this.subscriptions.get(subscriptionKey))) {
      this.subscriptions.set(subscriptionKey, resource.subscriptionName);
    }
    for (const finding of resource.findings) {
      this.byStatus[finding.status] += 1;
      if (finding.waiver) this.waivers.push({ resourceName: resource.name, resourceId: resource.id, finding });
      if (finding.status !== "Fail") continue;
      this.failuresBySeverity[finding.severity] += 1;
      kind.failures[finding.severity] += 1;
      const entry = this.failuresByControl.get(finding.controlId) ?? { severity: finding.severity, count: 0 };
      entry.count += 1;
      this.failuresByControl.set(finding.controlId, entry);
    }
  }

  private controlTitle(controlId: string): string {
    return this.controls[this.controlIndex.get(controlId) ?? -1]?.title ?? "";
  }

  private resourceRow(resource: ReportResource): string {
    const failing = resource.findings.filter((finding) => finding.status === "Fail");
    const weight = failing.reduce((sum, finding) => sum + SEVERITY_WEIGHT[finding.severity], 0);
    const tokens = resource.findings
      .map((finding) => `${this.controlIndex.get(finding.controlId) ?? -1}${STATUS_LETTER[finding.status]}${SEVERITY_LETTER[finding.severity]}`)
      .join(" ");
    const subscription = resource.subscriptionName
      ? `${escapeHtml(resource.subscriptionName)}<br><span class="muted mono">${escapeHtml(resource.subscriptionId)}</span>`
      : `<span class="mono">${escapeHtml(resource.subscriptionId)}</span>`;
    const exposurePaths = resource.exposurePaths === undefined ? "" : `<br><span class="muted">admitted by: ${escapeHtml(resource.exposurePaths)}</span>`;
    return (
      `<tr data-testid="resource-row" data-sub="${escapeHtml(resource.subscriptionId.toLowerCase())}" data-exp="${escapeHtml(resource.exposure)}"` +
      ` data-score="${resource.score ?? ""}" data-w="${weight}" data-f="${escapeHtml(tokens)}">` +
      `<td class="num">${resource.score ?? "–"}</td>` +
      `<td><span class="name">${escapeHtml(resource.name)}</span><br><span class="muted">${escapeHtml(resource.resourceGroup)} · ${KIND_LABEL[resource.kind]} · ${escapeHtml(resource.location)}</span></td>` +
      `<td>${subscription}</td>` +
      `<td>${escapeHtml(resource.exposure)}${exposurePaths}</td>` +
      `<td>${this.findingsCell(resource, failing)}</td></tr>\n`
    );
  }

  private findingsCell(resource: ReportResource, failing: readonly ReportFinding[]): string {
    const severities = SEVERITIES.map((severity) => [severity, failing.filter((finding) => finding.severity === severity).length] as const)
      .filter(([, n]) => n > 0)
      .map(([severity, n]) => `${n} ${severity.toLowerCase()}`);
    const waived = resource.findings.filter((finding) => finding.status === "Waived").length;
    const unknown = resource.findings.filter((finding) => finding.status === "Unknown").length;
    const summary = [
      failing.length === 0 ? "No failing control" : `${failing.length} failing (${severities.join(", ")})`,
      ...(waived > 0 ? [`${waived} waived`] : []),
      ...(unknown > 0 ? [`${unknown} unknown`] : []),
    ].join(" · ");
    const detailed = resource.findings
      .filter((finding) => DETAILED.has(finding.status))
      .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.controlId.localeCompare(b.controlId))
      .map((finding) => this.findingItem(finding))
      .join("");
    const listed = (status: Status): string => {
      const ids = resource.findings.filter((finding) => finding.status === status).map((finding) => finding.controlId);
      return ids.length === 0 ? "" : `<p class="muted">${STATUS_LABEL[status]}: ${ids.map((id) => `<code>${escapeHtml(id)}</code>`).join(", ")}</p>`;
    };
    const warnings = resource.warnings.map((warning) => `<p class="muted">Warning: ${escapeHtml(warning)}</p>`).join("");
    return (
      `<details><summary>${escapeHtml(summary)}</summary>` +
      `<p class="muted mono rid">${escapeHtml(resource.id)}</p>` +
      (detailed ? `<ul class="findings">${detailed}</ul>` : "") +
      listed("Pass") +
      listed("NotApplicable") +
      warnings +
      `</details>`
    );
  }

  /** What is wrong comes first, in words; then the control that says what is expected; then how to fix it. */
  private findingItem(finding: ReportFinding): string {
    const status = finding.status.toLowerCase();
    const waiver = finding.waiver
      ? finding.waiver.state === "expired"
        ? ` <span class="expired">waiver expired ${escapeHtml(finding.waiver.expires)}</span>`
        : ` <span class="muted">waived until <span class="nowrap">${escapeHtml(finding.waiver.expires)}</span></span>`
      : "";
    const remediation = finding.remediation
      ? `<div class="fix">${finding.remediation.note ? `<p>${escapeHtml(finding.remediation.note)}</p>` : ""}` +
        (finding.remediation.commands.length > 0
          ? `<pre class="cmd">${finding.remediation.commands.map((command) => `<code>${escapeHtml(command)}</code>`).join("")}</pre>`
          : "") +
        `</div>`
      : "";
    return (
      `<li data-c="${escapeHtml(finding.controlId)}" data-s="${escapeHtml(finding.status)}" data-v="${escapeHtml(finding.severity)}">` +
      `<p><span class="${severityClass(finding.severity)}">${escapeHtml(finding.severity)}</span> <span class="status status-${escapeHtml(status)}">${escapeHtml(STATUS_LABEL[finding.status] ?? finding.status)}</span>${waiver} ` +
      `<span class="wrong">${escapeHtml(finding.reason || "No reason was recorded.")}</span></p>` +
      `<p class="expected">Expected: <code>${escapeHtml(finding.controlId)}</code> ${escapeHtml(finding.title)}</p>` +
      remediation +
      `</li>`
    );
  }

  private head(): string {
    const generatedAt = this.meta.generatedAt ?? new Date();
    const csp = `default-src 'none'; style-src ${cspHashSource(REPORT_STYLE)}; script-src ${cspHashSource(REPORT_SCRIPT)}; base-uri 'none'; form-action 'none'`;
    const failures = this.failuresBySeverity.High + this.failuresBySeverity.Medium + this.failuresBySeverity.Low;
    const expiredWaivers = this.waivers.filter((line) => line.finding.waiver?.state === "expired").length;
    const bySeverity = SEVERITIES.map(
      (severity) => `<span class="${severityClass(severity)}" data-testid="failures-${escapeHtml(severity.toLowerCase())}">${count(this.failuresBySeverity[severity])} ${escapeHtml(severity.toLowerCase())}</span>`,
    ).join(" ");
    const clocks = [
      `<p class="muted">Generated ${timeElement(generatedAt)} by vaultwatch ${escapeHtml(TOOL_VERSION)} from ${escapeHtml(this.meta.source)}.</p>`,
      this.meta.judgedAt ? `<p class="muted">Waivers judged as of ${timeElement(this.meta.judgedAt)}.</p>` : "",
      this.meta.simulatedClock
        ? `<p class="clock">Simulated clock of the demo's story (not the generation time): ${timeElement(this.meta.simulatedClock)}</p>`
        : "",
    ].join("");
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(this.meta.title)}</title>
<style>${REPORT_STYLE}</style></head><body><main>
<h1>${escapeHtml(this.meta.title)}</h1>
${clocks}
<div class="cards">
<div class="card"><h3>Estate score</h3><p class="big" data-testid="estate-score">${meanScore(this.scoreTotal, this.scored)}</p><p class="muted">mean of the resources that have a score</p></div>
<div class="card"><h3>Resources</h3><p class="big" data-testid="resource-count">${count(this.resources)}</p><p class="muted">${count(this.subscriptions.size)} subscription${this.subscriptions.size === 1 ? "" : "s"}</p></div>
<div class="card"><h3>Failures</h3><p class="big" data-testid="failure-count">${count(failures)}</p><p>${bySeverity}</p></div>
<div class="card"><h3>Unknown</h3><p class="big" data-testid="unknown-count">${count(this.byStatus.Unknown)}</p><p class="muted">data that could not be read</p></div>
<div class="card"><h3>Waived</h3><p class="big" data-testid="waived-count">${count(this.byStatus.Waived)}</p><p class="muted">${expiredWaivers > 0 ? `<span class="expired">${count(expiredWaivers)} expired</span>` : "none expired"}</p></div>
</div>
<h2>Key Vaults and Managed HSMs</h2>${this.kindCards()}
<h2>Failures by control</h2>${this.failuresChart()}
<h2>Effective exposure</h2>${this.exposureChart()}
<h2 id="resources">Resources</h2>
${this.filters()}
<table class="resources" id="resources-table" data-controls="${escapeHtml(this.controls.map((control) => control.id).join(" "))}" data-exposures="${escapeHtml(EXPOSURES.join(" "))}">
<colgroup><col class="c-score"><col class="c-resource"><col class="c-subscription"><col class="c-exposure"><col class="c-findings"></colgroup>
<thead><tr><th><button type="button" data-sort="score">Score</button></th><th><button type="button" data-sort="name">Resource</button></th><th><button type="button" data-sort="subscription">Subscription</button></th><th><button type="button" data-sort="exposure">Exposure</button></th><th><button type="button" data-sort="failures">Findings</button></th></tr></thead>
<tbody>
`;
  }

  private kindCards(): string {
    const card = (kind: "vault" | "managedHsm", testId: string): string => {
      const totals = this.byKind[kind];
      const failures = SEVERITIES.map((severity) => `${count(totals.failures[severity])} ${severity.toLowerCase()}`).join(", ");
      return (
        `<div class="card"><h3>${KIND_LABEL[kind]}s</h3><p class="big" data-testid="${testId}">${count(totals.resources)}</p>` +
        `<p>mean score ${meanScore(totals.scoreTotal, totals.scored)}</p><p class="muted">failures: ${failures}</p></div>`
      );
    };
    return `<div class="cards">${card("vault", "count-vaults")}${card("managedHsm", "count-hsms")}</div>`;
  }

  private failuresChart(): string {
    const entries = [...this.failuresByControl]
      .sort(([a, x], [b, y]) => SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity) || y.count - x.count || a.localeCompare(b))
      .map(([controlId, { severity, count: value }]) => ({
        label: `<span class="${severityClass(severity)}">${escapeHtml(severity)}</span> <code>${escapeHtml(controlId)}</code> ${escapeHtml(this.controlTitle(controlId))}`,
        value,
        barClass: severity.toLowerCase(),
      }));
    return entries.length === 0 ? "<p>No failures.</p>" : barChart(entries, "failures-chart");
  }

  private exposureChart(): string {
    const entries = EXPOSURES.map((exposure) => ({ label: escapeHtml(exposure), value: this.byExposure.get(exposure) ?? 0, barClass: "exposure" })).filter(
      (entry) => entry.value > 0,
    );
    return entries.length === 0 ? "<p>No resources.</p>" : barChart(entries, "exposure-chart");
  }

  private filters(): string {
    const options = (values: readonly (readonly [string, string])[]): string =>
      `<option value="">All</option>${values.map(([value, label]) => `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`).join("")}`;
    const subscriptions = [...this.subscriptions]
      .map(([id, name]) => [id, name ? `${name} (${id})` : id] as const)
      .sort((a, b) => a[1].localeCompare(b[1]));
    const frameworks = new Map<string, Set<string>>();
    for (const control of this.controls) {
      for (const mapping of control.mappings) {
        const controls = frameworks.get(mapping.framework) ?? new Set<string>();
        controls.add(control.id);
        frameworks.set(mapping.framework, controls);
      }
    }
    const frameworkOptions =
      `<option value="">All</option>` +
      [...frameworks]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([framework, controls]) => `<option value="${escapeHtml(framework)}" data-controls="${escapeHtml([...controls].join(" "))}">${escapeHtml(framework)}</option>`)
        .join("");
    const select = (id: string, label: string, body: string, disabled = false): string =>
      `<label>${label}<select id="${id}"${disabled ? " disabled" : ""}>${body}</select></label>`;
    return (
      `<div class="filters" id="filters" role="search" hidden>` +
      `<label>Search<input type="search" id="filter-search" placeholder="name, group, id, location"></label>` +
      select("filter-subscription", "Subscription", options(subscriptions)) +
      select("filter-severity", "Severity", options(SEVERITIES.map((severity) => [severity, severity]))) +
      select("filter-control", "Control", options(this.controls.map((control) => [control.id, `${control.id} ${control.title}`]))) +
      select(
        "filter-status",
        "Status",
        `<option value="">Any</option>${(["Fail", "Unknown", "Waived", "Pass", "NotApplicable"] as const)
          .map((status) => `<option value="${status}">${STATUS_LABEL[status]}</option>`)
          .join("")}`,
      ) +
      select("filter-exposure", "Exposure", options(EXPOSURES.map((exposure) => [exposure, exposure]))) +
      select("filter-framework", "Framework", frameworkOptions, frameworks.size === 0) +
      `<button type="button" id="filter-reset">Reset</button>` +
      `<output id="shown-count" data-testid="shown-count" aria-live="polite"></output>` +
      `<p class="hint muted">A resource is shown when one of its findings matches every finding filter; with no status chosen, severity, control and framework match failing, unknown and waived findings.</p>` +
      `</div>`
    );
  }

  private tail(): string {
    return `</tbody></table>
${this.meta.transitions ? `<h2>Transitions</h2>${transitionTable(this.meta.transitions)}` : ""}
<h2>Waivers</h2>${this.waiverTable()}
<footer>vaultwatch ${escapeHtml(TOOL_VERSION)} · one self-contained file: no network access, its only script filters and sorts the rows above.</footer>
</main>
<script>${REPORT_SCRIPT}</script>
</body></html>
`;
  }

  private waiverTable(): string {
    if (this.waivers.length === 0) return "<p>No waivers.</p>";
    const rows = [...this.waivers]
      .sort((a, b) => (a.finding.waiver?.expires ?? "").localeCompare(b.finding.waiver?.expires ?? "") || a.resourceName.localeCompare(b.resourceName))
      .map(({ resourceName, resourceId, finding }) => {
        const expired = finding.waiver?.state === "expired";
        return (
          `<tr data-testid="waiver-row"${expired ? ' data-expired="true"' : ""}><td><span class="name">${escapeHtml(resourceName)}</span><br><span class="muted mono">${escapeHtml(resourceId)}</span></td>` +
          `<td><code>${escapeHtml(finding.controlId)}</code> ${escapeHtml(finding.title)}</td><td>${escapeHtml(STATUS_LABEL[finding.status] ?? finding.status)}</td>` +
          `<td class="nowrap num">${escapeHtml(finding.waiver?.expires)}</td>` +
          `<td>${expired ? `<span class="expired">expired</span> ${escapeHtml(finding.reason)}` : "active"}</td></tr>`
        );
      })
      .join("");
    return (
      `<table class="waivers"><colgroup><col class="c-resource"><col class="c-control"><col class="c-status"><col class="c-until"><col class="c-state"></colgroup>` +
      `<thead><tr><th>Resource</th><th>Control</th><th>Status</th><th>Waived until</th><th>State</th></tr></thead><tbody>${rows}</tbody></table>`
    );
  }
}

function barChart(entries: readonly { label: string; value: number; barClass: string }[], testId: string): string {
  const max = Math.max(1, ...entries.map((entry) => entry.value));
  const rows = entries
    .map((entry) => {
      const width = ((entry.value / max) * 100).toFixed(2);
      return (
        `<tr><td class="label">${entry.label}</td>` +
        `<td><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect class="${escapeHtml(entry.barClass)}" width="${width}" height="10"></rect></svg></td>` +
        `<td class="count num">${count(entry.value)}</td></tr>`
      );
    })
    .join("");
  return `<table class="chart" data-testid="${escapeHtml(testId)}"><tbody>${rows}</tbody></table>`;
}

function transitionTable(transitions: readonly ReportTransition[]): string {
  if (transitions.length === 0) return "<p>No transitions.</p>";
  const rows = transitions
    .map((transition) => {
      const exposure =
        transition.previousExposure !== undefined && transition.previousExposure !== transition.exposure
          ? `${escapeHtml(transition.previousExposure)} → ${transition.exposure === undefined ? "none (deleted)" : escapeHtml(transition.exposure)}`
          : "";
      const who = [
        transition.caller ? `<span>${escapeHtml(transition.caller)}</span>` : "",
        transition.operation ? `<span class="muted mono">${escapeHtml(transition.operation)}</span>` : "",
        transition.correlationId ? `<span class="muted mono">correlation ${escapeHtml(transition.correlationId)}</span>` : "",
      ]
        .filter(Boolean)
        .join("<br>");
      return (
        `<tr data-testid="transition-row"><td class="num">${timeElement(transition.time)}</td><td>${escapeHtml(transition.resourceName)}</td>` +
        `<td><code>${escapeHtml(transition.controlId)}</code></td>` +
        `<td>${escapeHtml(transition.previousStatus ?? "—")} → ${escapeHtml(transition.status)} <span class="muted">(${escapeHtml(transition.transition)})</span></td>` +
        `<td>${exposure}</td><td>${who}</td></tr>`
      );
    })
    .join("");
  return (
    `<table class="transitions"><colgroup><col class="c-time"><col class="c-resource"><col class="c-control"><col class="c-status"><col class="c-exposure"><col class="c-who"></colgroup>` +
    `<thead><tr><th>Time</th><th>Resource</th><th>Control</th><th>Status</th><th>Exposure</th><th>Changed by</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

/** Writes the whole report to `out`, which receives it only when it is complete. */
export async function writeHtmlReport(resources: Iterable<ReportResource>, meta: HtmlReportMeta, out: ReportOutput): Promise<void> {
  try {
    const report = new HtmlReport(meta);
    for (const resource of resources) {
      report.add(resource, out);
      await out.flushIfFull();
    }
    await report.end(out);
  } catch (error) {
    out.discard();
    throw error;
  }
  await out.commit();
}

/** The whole report as one string, for tests. */
export async function renderHtmlReport(resources: Iterable<ReportResource>, meta: HtmlReportMeta): Promise<string> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  await writeHtmlReport(resources, meta, ReportOutput.toStream(sink));
  return chunks.join("");
}
