import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { evaluateItems } from "../../shared/evaluate/evaluateItems.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { buildFindingRows, buildRemovedRows } from "../../shared/sink/findingRows.js";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";
import { escapeHtml, renderHtmlReport } from "./htmlReport.js";
import { latestFindings, reportTransitions, resourcesFromRows, transitionRows } from "./latestFindings.js";
import { type ReportResource, reportControls, resourceFromEvaluation } from "./reportModel.js";

const NOW = new Date("2026-11-24T12:00:00Z");
const SUBSCRIPTION = "00000000-0000-0000-0000-00000000000a";

function vault(name: string, properties: Record<string, unknown>, tags: Record<string, string> = {}): Record<string, unknown> {
  return {
    id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-report/providers/Microsoft.KeyVault/vaults/${name}`,
    name,
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    tags,
    properties: { tenantId: "t", sku: { family: "A", name: "standard" }, ...properties },
    diagnosticSettings: [],
  };
}

function evaluate(items: unknown[]): ResourceEvaluation[] {
  return [...evaluateItems(items, { now: NOW })];
}

function render(resources: readonly ReportResource[], meta: Partial<Parameters<typeof renderHtmlReport>[1]> = {}): Promise<string> {
  return renderHtmlReport(resources, { title: "vaultwatch report", source: "test input", generatedAt: NOW, ...meta });
}

/** The text of the elements that match a tag, with markup removed and entities left as they are. */
function textOf(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(pattern)].map((match) => (match[1] ?? "").replace(/<[^>]+>/g, ""));
}

const OPEN_VAULT = vault("kv-open", {}, { "vaultwatch-waiver": "VW-IAM-001:2027-01-31;VW-DP-001:2026-01-31" });

describe("the HTML report", () => {
  it("admits its inline script and stylesheet by the sha256 of their exact text, and nothing else", async () => {
    const html = await render(evaluate([OPEN_VAULT]).map((evaluation) => resourceFromEvaluation(evaluation)));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replaceAll("&#39;", "'") ?? "";
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1] ?? "");
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    const sha = (text: string): string => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
    expect(csp).toBe(`default-src 'none'; style-src ${sha(styles[0]!)}; script-src ${sha(scripts[0]!)}; base-uri 'none'; form-action 'none'`);
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it("states what is wrong in words before the title of what is expected, and shows each fix as its own unbroken line", async () => {
    const html = await render(evaluate([OPEN_VAULT]).map((evaluation) => resourceFromEvaluation(evaluation)));
    const item = /<li data-c="VW-NET-001" data-s="Fail"[^>]*>([\s\S]*?)<\/li>/.exec(html)?.[1] ?? "";
    const wrong = item.indexOf("publicNetworkAccess is not set, so it defaults to Enabled");
    const expected = item.indexOf("Expected: <code>VW-NET-001</code> Public network access is disabled");
    expect(wrong).toBeGreaterThan(0);
    expect(expected).toBeGreaterThan(wrong);
    expect(item).toContain('<pre class="cmd"><code>az keyvault update --name kv-open --resource-group rg-report --public-network-access Disabled</code></pre>');
  });

  it("gives no remediation to passing, unknown or waived findings", async () => {
    const { diagnosticSettings: _unread, ...withoutDiagnostics } = OPEN_VAULT;
    const html = await render(evaluate([withoutDiagnostics]).map((evaluation) => resourceFromEvaluation(evaluation)));
    const items = [...html.matchAll(/<li data-c="([^"]+)" data-s="([^"]+)"[^>]*>([\s\S]*?)<\/li>/g)];
    expect(items.map((match) => match[2])).toEqual(expect.arrayContaining(["Fail", "Unknown", "Waived"]));
    for (const [, , status, body] of items) expect(body?.includes('class="cmd"')).toBe(status === "Fail");
  });

  it("marks an expired waiver as expired, beside the active ones", async () => {
    const html = await render(evaluate([OPEN_VAULT]).map((evaluation) => resourceFromEvaluation(evaluation)));
    const waiverRows = textOf(html, /<tr data-testid="waiver-row"[^>]*>([\s\S]*?)<\/tr>/g);
    expect(waiverRows).toHaveLength(2);
    expect(waiverRows.find((row) => row.includes("VW-DP-001"))).toMatch(/2026-01-31\s*expired/);
    expect(waiverRows.find((row) => row.includes("VW-IAM-001"))).toMatch(/2027-01-31\s*active/);
    expect(html).toContain('<span class="expired">waiver expired 2026-01-31</span>');
    expect(html).toContain('<span class="expired">1 expired</span>');
  });

  it("labels the failures chart with each control's title, not its id alone", async () => {
    const html = await render(evaluate([OPEN_VAULT]).map((evaluation) => resourceFromEvaluation(evaluation)));
    const labels = textOf(html, /<table class="chart" data-testid="failures-chart">([\s\S]*?)<\/table>/g)[0] ?? "";
    expect(labels).toContain("VW-NET-001 Public network access is disabled");
    expect(labels).toContain("VW-NET-006 Trusted Azure services do not bypass the firewall");
  });

  it("shows the real generation time, and the demo's simulated clock only under its own label", async () => {
    const resources = evaluate([OPEN_VAULT]).map((evaluation) => resourceFromEvaluation(evaluation));
    const plain = await render(resources, { generatedAt: new Date("2026-12-01T19:30:05Z") });
    expect(plain).toContain('Generated <time datetime="2026-12-01T19:30:05.000Z">2026-12-01 19:30:05 UTC</time>');
    expect(plain).not.toContain("imulated");
    const demo = await render(resources, { generatedAt: new Date("2026-12-01T19:30:05Z"), simulatedClock: new Date("2026-12-15T19:30:09Z") });
    expect(demo).toContain("Generated <time datetime=\"2026-12-01T19:30:05.000Z\">");
    expect(demo).toContain('Simulated clock of the demo\'s story (not the generation time): <time datetime="2026-12-15T19:30:09.000Z">');
    const judged = await render(resources, { judgedAt: new Date("2026-06-01T00:00:00Z") });
    expect(judged).toContain('Waivers judged as of <time datetime="2026-06-01T00:00:00.000Z">');
  });

  it("renders a resource with no score as –, and leaves it out of the estate score", async () => {
    const [scored, unscored] = evaluate([OPEN_VAULT, vault("kv-other", {})]).map((evaluation) => resourceFromEvaluation(evaluation));
    const html = await render([scored!, { ...unscored!, score: null }]);
    expect(html).toMatch(/data-score=""[^>]*><td class="num">–<\/td>/);
    expect(/data-testid="estate-score">(\d+)</.exec(html)?.[1]).toBe(String(scored!.score));
    const none = await render([{ ...unscored!, score: null }]);
    expect(/data-testid="estate-score">([^<]+)</.exec(none)?.[1]).toBe("–");
  });

  it("escapes every field, severity and status included", async () => {
    const hostile = `"><script>alert(1)</script>'`;
    const [evaluation] = evaluate([OPEN_VAULT]);
    const resource = resourceFromEvaluation(evaluation!);
    const poisoned: ReportResource = {
      ...resource,
      name: hostile,
      resourceGroup: hostile,
      location: hostile,
      subscriptionName: hostile,
      exposurePaths: hostile,
      warnings: [hostile],
      findings: resource.findings.map((finding) => ({
        ...finding,
        reason: hostile,
        title: hostile,
        severity: hostile as "High",
        ...(finding.remediation ? { remediation: { commands: [hostile], note: hostile } } : {}),
      })),
    };
    const html = await render([poisoned], { title: hostile, source: hostile });
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).not.toContain(hostile);
    expect(html).toContain(escapeHtml(hostile));
  });

  it("offers each framework the catalog maps, listing the controls mapped to it", async () => {
    const controls = reportControls().map((control) =>
      control.id === "VW-DP-002" ? { ...control, mappings: [{ framework: "CIS Microsoft Azure Foundations Benchmark v3.0.0", requirement: "3.3.5" }] } : control,
    );
    const resources = evaluate([OPEN_VAULT]).map((evaluation) => resourceFromEvaluation(evaluation));
    expect(await render(resources, { controls })).toContain(
      '<option value="CIS Microsoft Azure Foundations Benchmark v3.0.0" data-controls="VW-DP-002">CIS Microsoft Azure Foundations Benchmark v3.0.0</option>',
    );
    expect(await render(resources)).toContain('<select id="filter-framework" disabled>');
  });
});

describe("the demo's report, from Log Analytics rows", () => {
  function rowsOf(evaluations: readonly ResourceEvaluation[]): FindingRow[] {
    return evaluations.flatMap((evaluation) =>
      buildFindingRows({ evaluation, observedAt: NOW, run: { runId: "run-1", trigger: "sweep", toolVersion: "test" }, transitions: new Map() }),
    );
  }

  it("builds the same resource model as the engine's own evaluation, titles and expired waivers included", () => {
    const evaluations = evaluate([OPEN_VAULT]);
    const [fromRows] = resourcesFromRows(latestFindings(rowsOf(evaluations)));
    const direct = resourceFromEvaluation(evaluations[0]!);
    expect(fromRows).toMatchObject({ id: direct.id, name: direct.name, kind: "vault", score: direct.score, exposure: direct.exposure, exposurePaths: direct.exposurePaths });
    // Log Analytics keeps neither a passing control's reason nor a fix's note; everything else must agree.
    const strip = ({ reason: _reason, remediation, ...finding }: ReportResource["findings"][number]) => ({ ...finding, commands: remediation?.commands });
    expect(fromRows!.findings.map(strip)).toEqual(direct.findings.map(strip));
  });

  it("lists no baseline row among the transitions: the first sweep found those failures, nothing changed", () => {
    const rows = rowsOf(evaluate([OPEN_VAULT]));
    const baseline = rows.map((row) => (row.Status === "Fail" ? { ...row, Transition: "Baseline" as const } : row));
    expect(transitionRows(rows).length).toBeGreaterThan(0);
    expect(transitionRows(baseline)).toEqual([]);
  });

  it("escapes every field that comes from the rows, Severity included, and shows – for a row with no score", async () => {
    const [row] = rowsOf(evaluate([OPEN_VAULT])).filter((candidate) => candidate.Status === "Fail");
    const hostile: FindingRow = { ...row!, Severity: '<img src=x onerror="alert(1)">' as never, AzureResourceName: "<b>kv</b>", Remediation: "az x '<script>'" };
    const { ResourceScore: _score, ...unscored } = { ...row!, AzureResourceId: `${row!.AzureResourceId}2`, Status: "Unknown" as const };
    const html = await render(resourcesFromRows([hostile, unscored]));
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>kv");
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toMatch(/data-score=""[^>]*><td class="num">–<\/td>/);
    expect(/data-testid="estate-score">(\d+)</.exec(html)?.[1]).toBe(String(row!.ResourceScore));
  });

  it("shows a deleted HSM's exposure as ending, never as undefined", async () => {
    const hsm = {
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-report/providers/Microsoft.KeyVault/managedHSMs/hsm-gone`,
      type: "Microsoft.KeyVault/managedHSMs",
      properties: { publicNetworkAccess: "Enabled", securityDomainProperties: { activationStatus: "Active" } },
    };
    const [evaluation] = evaluate([hsm]);
    const removed = buildRemovedRows({
      resource: evaluation!.resource,
      controls: evaluation!.findings.map((finding) => ({ controlId: finding.controlId, severity: finding.severity, previousStatus: finding.status })),
      observedAt: NOW,
      run: { runId: "run-2", trigger: "event", toolVersion: "test" },
      reason: "The resource was deleted.",
      previousExposure: "Internet",
    });
    const html = await render([], { transitions: reportTransitions(transitionRows(removed)) });
    const transitions = textOf(html, /<table class="transitions">([\s\S]*?)<\/table>/g)[0] ?? "";
    expect(transitions).toContain("Internet → none (deleted)");
    expect(transitions).not.toContain("undefined");
  });
});
