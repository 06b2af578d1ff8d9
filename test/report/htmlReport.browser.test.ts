import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../cli/html/htmlReport.js";
import { latestFindings, transitionRows } from "../../cli/html/latestFindings.js";
import { evaluateItems } from "../../shared/evaluate/evaluateItems.js";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";
import { buildFindingRows } from "../../shared/sink/findingRows.js";
import { chromiumAvailable, launchChromium } from "../support/chromium.js";

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

function rowsFor(items: unknown[]): FindingRow[] {
  const rows: FindingRow[] = [];
  for (const evaluation of evaluateItems(items, { now: NOW })) {
    rows.push(
      ...buildFindingRows({
        evaluation,
        observedAt: NOW,
        run: { runId: "run-1", trigger: "sweep", toolVersion: "test" },
        transitions: new Map(),
      }),
    );
  }
  return rows;
}

// Debian's chromium is installed by .ci/run; in CI its absence must fail the suite rather than skip it.
const runBrowser = chromiumAvailable() || process.env.CI === "true";

describe.runIf(runBrowser)("the HTML report in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("renders the estate's counts with no console error, and escapes hostile names", async () => {
    const hostile = '<img src=x onerror="alert(1)">';
    const rows = rowsFor([
      vault("kv-locked", {
        publicNetworkAccess: "Disabled",
        enablePurgeProtection: true,
        enableSoftDelete: true,
        enableRbacAuthorization: true,
        networkAcls: { bypass: "None", defaultAction: "Deny" },
      }),
      vault("kv-open", {}, { "vaultwatch-waiver": "VW-IAM-001:2027-01-31" }),
      vault(hostile, { publicNetworkAccess: "Enabled", networkAcls: { defaultAction: "Deny", ipRules: [{ value: "8.8.8.0/24" }] } }),
      {
        id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-report/providers/Microsoft.KeyVault/managedHSMs/hsm-1`,
        type: "Microsoft.KeyVault/managedHSMs",
        properties: { publicNetworkAccess: "Disabled", securityDomainProperties: { activationStatus: "Active" } },
      },
    ]);
    const latest = latestFindings(rows);
    const html = renderHtmlReport({ title: "vaultwatch report", generatedAt: NOW, latest, transitions: transitionRows(rows) });
    const directory = mkdtempSync(join(tmpdir(), "vaultwatch-report-test-"));
    const file = join(directory, "report.html");
    writeFileSync(file, html);

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("dialog", (dialog) => {
      problems.push(`dialog opened: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(pathToFileURL(file).href);

    const failures = latest.filter((row) => row.Status === "Fail").length;
    expect(await page.getByTestId("resource-count").textContent()).toBe("4");
    expect(await page.getByTestId("count-vaults").textContent()).toBe("3");
    expect(await page.getByTestId("count-hsms").textContent()).toBe("1");
    expect(await page.getByTestId("failure-count").textContent()).toBe(String(failures));
    expect(await page.getByTestId("resource-row").count()).toBe(4);
    expect(await page.getByTestId("waiver-row").count()).toBe(1);
    await expect(page.getByText(hostile, { exact: false }).count()).resolves.toBeGreaterThan(0);
    expect(await page.locator("img").count()).toBe(0);
    await page.screenshot({ path: join(directory, "report.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
