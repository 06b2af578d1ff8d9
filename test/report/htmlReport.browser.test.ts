import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../cli/html/htmlReport.js";
import { reportControls, resourceFromEvaluation } from "../../cli/html/reportModel.js";
import { exportEstate } from "../../emulator/exportEstate.js";
import { generateEstate } from "../../emulator/generateEstate.js";
import { evaluateItems } from "../../shared/evaluate/evaluateItems.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { ensureBuilt, runCli } from "../cli/cliProcess.js";
import { chromiumAvailable, launchChromium } from "../support/chromium.js";

const RESOURCES = 5_000;
const NOW = new Date("2026-11-24T12:00:00Z");
const SUBSCRIPTION = "00000000-0000-0000-0000-00000000000a";

// Debian's chromium is installed by .ci/run; in CI its absence must fail the suite rather than skip it.
const runBrowser = chromiumAvailable() || process.env.CI === "true";

interface OpenedReport {
  readonly page: Page;
  readonly problems: string[];
}

/** Opens a report at 1,400 px and records every console error, uncaught error and dialog. */
async function openReport(browser: Browser, file: string): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("dialog", (dialog) => {
    problems.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("request", (request) => {
    if (request.url() !== pathToFileURL(file).href) problems.push(`request: ${request.url()}`);
  });
  // A 5,000-resource page takes seconds to parse on a loaded machine; the benchmark reports how long.
  await page.goto(pathToFileURL(file).href, { timeout: 240_000 });
  return { page, problems };
}

/**
 * How far the page is wider than its window, and which dates, control ids, badges and headers wrap onto more than
 * one line. Runs in the page (as text: the project compiles without the DOM library).
 */
const LAYOUT_PROBLEMS = `(() => {
  const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  const wrapped = [];
  for (const element of document.querySelectorAll("time, code:not(pre code), th button, .sev, .status, .expired")) {
    // Skip what is not rendered: inside a closed <details> or a hidden row (asking layout about those is slow).
    if (element.closest("details:not([open]) > :not(summary), [hidden]")) continue;
    if (element.getClientRects().length > 1) wrapped.push(element.textContent);
    // Text that may not wrap must still fit its cell, not spill over the next column.
    const cell = element.closest("td, th");
    if (cell && element.getBoundingClientRect().right > cell.getBoundingClientRect().right + 0.5) wrapped.push("spills out of its cell: " + element.textContent);
  }
  return { overflow, wrapped: wrapped.slice(0, 10) };
})()`;

async function layoutProblems(page: Page): Promise<{ overflow: number; wrapped: string[] }> {
  return page.evaluate<{ overflow: number; wrapped: string[] }>(LAYOUT_PROBLEMS);
}

async function visibleRows(page: Page): Promise<number> {
  return page.locator('[data-testid="resource-row"]:visible').count();
}

describe.runIf(runBrowser)("the HTML report in a real browser", { timeout: 240_000 }, () => {
  let browser: Browser;
  const directory = mkdtempSync(join(tmpdir(), "vaultwatch-report-test-"));
  const evaluateReport = join(directory, "evaluate.html");
  let evaluations: ResourceEvaluation[] = [];
  /** The 5,000-resource report, opened once: each test below starts from cleared filters. */
  let big: OpenedReport;

  beforeAll(async () => {
    ensureBuilt();
    const input = join(directory, "estate.json");
    const { estate } = generateEstate({ resources: RESOURCES, subscriptions: 7, seed: 11 });
    await exportEstate(estate, input);
    evaluations = [...evaluateItems(JSON.parse(readFileSync(input, "utf8")) as unknown[], { now: NOW })];
    const run = await runCli(["evaluate", input, "--format", "html", "--output", evaluateReport, "--at", NOW.toISOString()]);
    expect(run.code, run.stderr).toBe(1);
    browser = await launchChromium();
    big = await openReport(browser, evaluateReport);
  }, 420_000);
  afterAll(async () => {
    await big?.page.close();
    await browser?.close();
  });

  it("opens 5,000 resources from `evaluate --format html` at 1,400 px with no horizontal overflow, no wrapped date or control id, and no console error", async () => {
    const { page, problems } = big;
    expect(await page.getByTestId("resource-row").count()).toBe(RESOURCES);
    expect(await page.getByTestId("shown-count").textContent()).toBe("5,000 of 5,000 resources");
    expect(await layoutProblems(page)).toEqual({ overflow: 0, wrapped: [] });
    // Open the worst resources' findings: their commands scroll inside their own box, never the page.
    await page.evaluate(`document.querySelectorAll("details").forEach((details, index) => { if (index < 200) details.open = true; })`);
    expect(await layoutProblems(page)).toEqual({ overflow: 0, wrapped: [] });
    const command = page.locator("pre.cmd").first();
    expect(await command.evaluate((element) => (element.ownerDocument.defaultView?.getComputedStyle(element) ?? { whiteSpace: "" }).whiteSpace)).toBe("pre");
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(directory, "evaluate.png") });
    await page.evaluate(`document.querySelectorAll("details").forEach((details) => { details.open = false; })`);
  });

  it("runs its script only because the page's CSP names the script's own sha256, and loads nothing from anywhere", async () => {
    const { page, problems } = big;
    const csp = (await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content")) ?? "";
    const script = (await page.locator("script").textContent()) ?? "";
    const hash = createHash("sha256").update(script, "utf8").digest("base64");
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toMatch(/^default-src 'none';/);
    expect(csp).not.toContain("unsafe-inline");
    expect(await page.locator("#filters").isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });

  it("filters by subscription, severity, control, status, exposure and search, each changing the visible rows to the matching resources", async () => {
    const { page, problems } = big;
    await page.click("#filter-reset");
    const expectRows = async (expected: number): Promise<void> => {
      expect(expected).toBeGreaterThan(0);
      expect(expected).toBeLessThan(RESOURCES);
      expect(await visibleRows(page)).toBe(expected);
      expect(await page.getByTestId("shown-count").textContent()).toBe(`${expected.toLocaleString("en-US")} of 5,000 resources`);
    };
    const has = (evaluation: ResourceEvaluation, test: (finding: ResourceEvaluation["findings"][number]) => boolean): boolean => evaluation.findings.some(test);

    const subscription = evaluations[0]!.resource.subscriptionId;
    await page.selectOption("#filter-subscription", subscription.toLowerCase());
    await expectRows(evaluations.filter((evaluation) => evaluation.resource.subscriptionId === subscription).length);

    await page.click("#filter-reset");
    expect(await visibleRows(page)).toBe(RESOURCES);

    await page.selectOption("#filter-severity", "High");
    await page.selectOption("#filter-status", "Fail");
    await expectRows(evaluations.filter((evaluation) => has(evaluation, (finding) => finding.severity === "High" && finding.status === "Fail")).length);

    await page.selectOption("#filter-severity", "");
    await page.selectOption("#filter-control", "VW-LOG-001");
    await page.selectOption("#filter-status", "Unknown");
    await expectRows(evaluations.filter((evaluation) => has(evaluation, (finding) => finding.controlId === "VW-LOG-001" && finding.status === "Unknown")).length);
    // Inside a matching resource only the matching finding is listed.
    const firstShown = page.locator('[data-testid="resource-row"]:visible').first();
    await firstShown.locator("summary").click();
    expect(await firstShown.locator("li[data-c]:visible").count()).toBe(1);
    expect(await firstShown.locator("li[data-c]:visible").getAttribute("data-c")).toBe("VW-LOG-001");

    await page.click("#filter-reset");
    await page.selectOption("#filter-exposure", "Internet");
    await expectRows(evaluations.filter((evaluation) => evaluation.exposure.class === "Internet").length);

    await page.click("#filter-reset");
    const name = evaluations[1234]!.resource.name;
    await page.fill("#filter-search", name.toUpperCase());
    await expectRows(evaluations.filter((evaluation) => evaluation.resource.resourceId.toLowerCase().includes(name.toLowerCase())).length);
    expect(await page.locator('[data-testid="resource-row"]:visible .name').first().textContent()).toBe(name);

    expect(await layoutProblems(page)).toEqual({ overflow: 0, wrapped: [] });
    await page.click("#filter-reset");
    expect(await visibleRows(page)).toBe(RESOURCES);
    expect(problems).toEqual([]);
  });

  it("sorts worst first on opening, and by each column header, both ways", async () => {
    const { page, problems } = big;
    await page.click("#filter-reset");
    const column = (selector: string): Promise<string[]> =>
      page.locator(`[data-testid="resource-row"] ${selector}`).evaluateAll((cells) => cells.slice(0, 400).map((cell) => cell.textContent ?? ""));
    const scores = async (): Promise<number[]> => (await column("td:first-child")).map((text) => (text === "–" ? Infinity : Number(text)));
    const ascending = (values: readonly (number | string)[]): boolean => values.every((value, index) => index === 0 || values[index - 1]! <= value);

    const scored = evaluations.flatMap((evaluation) => (evaluation.score === null ? [] : [evaluation.score]));
    const unscoredLast = (values: readonly number[]): boolean => values.every((value, index) => index === 0 || values[index - 1] !== Infinity || value === Infinity);
    const opened = await scores();
    expect(ascending(opened)).toBe(true);
    expect(opened[0]).toBe(Math.min(...scored));

    await page.click('th button[data-sort="score"]');
    const descending = await scores();
    expect(unscoredLast(descending)).toBe(true);
    expect(ascending(descending.filter((value) => value !== Infinity).reverse())).toBe(true);
    expect(descending[0]).toBe(Math.max(...scored));
    expect(await page.locator('th:has(button[data-sort="score"])').getAttribute("aria-sort")).toBe("descending");

    await page.click('th button[data-sort="name"]');
    const names = await column(".name");
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(names[0]).toBe(evaluations.map((evaluation) => evaluation.resource.name.toLowerCase()).sort()[0]);

    await page.click('th button[data-sort="failures"]');
    const weights = await page.locator('[data-testid="resource-row"]').evaluateAll((rows) => rows.slice(0, 400).map((row) => Number(row.getAttribute("data-w"))));
    expect(ascending([...weights].reverse())).toBe(true);
    expect(problems).toEqual([]);
  });

  it("filters by framework through the controls' mappings", async () => {
    const controls = reportControls().map((control) =>
      control.id === "VW-DP-002" || control.id === "VW-IAM-001"
        ? { ...control, mappings: [{ framework: "CIS Microsoft Azure Foundations Benchmark v3.0.0", requirement: control.id === "VW-DP-002" ? "3.3.5" : "3.3.6" }] }
        : control,
    );
    const sample = evaluations.slice(0, 300);
    const file = join(directory, "frameworks.html");
    writeFileSync(file, await renderHtmlReport(sample.map((evaluation) => resourceFromEvaluation(evaluation)), { title: "frameworks", source: "test", controls }));
    const { page, problems } = await openReport(browser, file);
    await page.selectOption("#filter-framework", "CIS Microsoft Azure Foundations Benchmark v3.0.0");
    await page.selectOption("#filter-status", "Fail");
    const expected = sample.filter((evaluation) =>
      evaluation.findings.some((finding) => (finding.controlId === "VW-DP-002" || finding.controlId === "VW-IAM-001") && finding.status === "Fail"),
    ).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(sample.length);
    expect(await visibleRows(page)).toBe(expected);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("writes the same report from `scan --emulator --format html`, which filters and sorts alike", async () => {
    const file = join(directory, "scan.html");
    const run = await runCli(["scan", "--emulator", "--emulator-resources", "150", "--emulator-subscriptions", "3", "--format", "html", "--output", file, "--no-progress"]);
    expect(run.code, run.stderr).toBe(1);
    const { page, problems } = await openReport(browser, file);
    expect(await page.getByTestId("resource-row").count()).toBe(150);
    expect(await page.locator("header, main > p").first().textContent()).toContain("a scan of every subscription the identity can read on the Azure emulator");
    const subscriptions = await page.locator("#filter-subscription option").evaluateAll((options) => options.map((option) => option.getAttribute("value") ?? "").filter(Boolean));
    expect(subscriptions).toHaveLength(3);
    await page.selectOption("#filter-subscription", subscriptions[0]!);
    const shown = await visibleRows(page);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(150);
    await page.click('th button[data-sort="exposure"]');
    expect(await page.locator('[data-testid="resource-row"]:visible').first().getAttribute("data-exp")).toBe("Internet");
    expect(await layoutProblems(page)).toEqual({ overflow: 0, wrapped: [] });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("lays out the demo's transitions at 1,400 px: times and control ids on one line inside their cells, long operations and correlation ids wrapped, a deletion's exposure named", async () => {
    const transitions = ["VW-NET-001", "VW-NET-002", "VW-NET-004"].map((controlId, index) => ({
      time: `2026-12-0${index + 1}T20:23:54.123Z`,
      resourceName: "kv-identity-prod-with-a-long-name-0001",
      controlId: controlId as "VW-NET-001",
      previousStatus: "NotApplicable",
      status: index === 2 ? "Removed" : "Fail",
      transition: index === 2 ? "Removed" : "New",
      previousExposure: "Internet",
      ...(index === 2 ? {} : { exposure: "PublicRestricted" }),
      caller: "c0ffee00-5a1e-4b2d-8e9f-0123456789ab",
      operation: "Microsoft.KeyVault/vaults/privateEndpointConnections/write",
      correlationId: "8f1ca203-83e9-48f3-a943-8f8c8c72c9ce",
    }));
    const file = join(directory, "transitions.html");
    writeFileSync(file, await renderHtmlReport(evaluations.slice(0, 20).map((evaluation) => resourceFromEvaluation(evaluation)), { title: "demo", source: "test", transitions }));
    const { page, problems } = await openReport(browser, file);
    expect(await page.getByTestId("transition-row").count()).toBe(3);
    expect(await page.getByTestId("transition-row").nth(2).textContent()).toContain("Internet → none (deleted)");
    expect(await layoutProblems(page)).toEqual({ overflow: 0, wrapped: [] });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("escapes hostile names and tags, so nothing in the data runs or loads", async () => {
    const hostile = '<img src=x onerror="alert(1)">';
    const vault = (name: string, properties: Record<string, unknown>, tags: Record<string, string> = {}): Record<string, unknown> => ({
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-report/providers/Microsoft.KeyVault/vaults/${name}`,
      name,
      type: "Microsoft.KeyVault/vaults",
      location: "westeurope",
      tags,
      properties: { tenantId: "t", sku: { family: "A", name: "standard" }, ...properties },
      diagnosticSettings: [],
    });
    const items = [
      vault("kv-open", {}, { "vaultwatch-waiver": "VW-IAM-001:2027-01-31" }),
      vault(hostile, { publicNetworkAccess: "Enabled", networkAcls: { defaultAction: "Deny", ipRules: [{ value: "8.8.8.0/24" }] } }),
    ];
    const file = join(directory, "hostile.html");
    writeFileSync(file, await renderHtmlReport([...evaluateItems(items, { now: NOW })].map((evaluation) => resourceFromEvaluation(evaluation)), { title: hostile, source: hostile }));
    const { page, problems } = await openReport(browser, file);
    expect(await page.getByTestId("resource-count").textContent()).toBe("2");
    expect(await page.getByTestId("waiver-row").count()).toBe(1);
    expect(await page.getByText(hostile).count()).toBeGreaterThan(0);
    expect(await page.locator("img").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
