import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type DemoResult, runDemo } from "../../cli/demo/runDemo.js";
import { STORY_IDS } from "../../cli/demo/storyResources.js";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";
import { ensureBuilt } from "../cli/cliProcess.js";
import { chromiumAvailable, launchChromium } from "../support/chromium.js";

const ESTATE = new URL("../../samples/demo-estate.json", import.meta.url).pathname;

/** The latest row per resource and control, computed independently of the report code. */
function currentState(ledger: DemoResult["ledger"]): FindingRow[] {
  const latest = new Map<string, FindingRow>();
  ledger.forEach((row) => {
    if (row.RecordType !== "Finding") return;
    const key = `${row.AzureResourceId.toLowerCase()} ${row.ControlId}`;
    const current = latest.get(key);
    if (!current || row.TimeGenerated >= current.TimeGenerated) latest.set(key, row);
  });
  return [...latest.values()].filter((row) => row.Status !== "Removed");
}

/** Pids of live processes whose environment holds `marker` (Linux /proc). */
function processesCarrying(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(marker)) pids.push(Number(entry));
    } catch {
      // the process ended, or is not ours to read
    }
  }
  return pids;
}

describe("vaultwatch demo", () => {
  let result: DemoResult;
  const printed: string[] = [];
  const directory = mkdtempSync(join(tmpdir(), "vaultwatch-demo-test-"));

  beforeAll(async () => {
    result = await runDemo({ estatePath: ESTATE, reportPath: join(directory, "report.html"), print: (line) => printed.push(line) });
  }, 120_000);

  it("reports figures that match the Log Analytics ledger", () => {
    const current = currentState(result.ledger);
    const resources = new Set(current.map((row) => row.AzureResourceId.toLowerCase()));
    expect(result.summary.resources).toBe(resources.size);
    expect(result.summary.resources).toBe(319); // 320 bundled, one HSM deleted in the story
    const failures = current.filter((row) => row.Status === "Fail");
    expect(result.summary.failuresBySeverity.High + result.summary.failuresBySeverity.Medium + result.summary.failuresBySeverity.Low).toBe(failures.length);
    expect(result.summary.failuresBySeverity.High).toBe(failures.filter((row) => row.Severity === "High").length);
    const scores = new Map(current.map((row) => [row.AzureResourceId.toLowerCase(), row.ResourceScore ?? 0]));
    const mean = [...scores.values()].reduce((sum, score) => sum + score, 0) / scores.size;
    expect(result.summary.estateScore).toBe(Math.floor(mean + 0.5));
    expect(result.ledger.filter((row) => row.RecordType === "RunSummary")).toHaveLength(2);
  });

  it("lands one current row per resource and control, every resource with its full set of controls", () => {
    const current = currentState(result.ledger);
    const perResource = new Map<string, number>();
    for (const row of current) perResource.set(row.AzureResourceId.toLowerCase(), (perResource.get(row.AzureResourceId.toLowerCase()) ?? 0) + 1);
    expect([...perResource.values()].every((count) => count === 12)).toBe(true);
  });

  it("records the first sweep as the baseline, with no New transition, and prints its failure count", () => {
    const firstRun = result.ledger.find((row) => row.RecordType === "RunSummary")?.RunId;
    const firstSweep = result.ledger.filter((row) => row.RunId === firstRun);
    const findings = firstSweep.filter((row): row is FindingRow => row.RecordType === "Finding");
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((row) => row.Transition === "New")).toEqual([]);
    expect(findings.every((row) => row.Transition === "Baseline")).toBe(true);
    const failures = findings.filter((row) => row.Status === "Fail").length;
    expect(failures).toBeGreaterThan(0);
    const summary = firstSweep.find((row) => row.RecordType === "RunSummary")?.RunSummary as { baseline?: { failures: number } };
    expect(summary.baseline?.failures).toBe(failures);
    expect(printed.join("\n")).toContain(`Baseline: the first full sweep recorded what was already there, ${failures} failure(s)`);
  });

  it("tells the story as transitions, with the caller of each change", () => {
    const change = (id: string, control: string, transition: string): FindingRow | undefined =>
      result.storyTransitions.find((row) => row.AzureResourceId.toLowerCase() === id.toLowerCase() && row.ControlId === control && row.Transition === transition);
    const opened = change(STORY_IDS.paymentsVault, "VW-NET-001", "New");
    expect(opened).toMatchObject({ Status: "Fail", Trigger: "event", ChangeCallerName: "alice@contoso.com", ChangeOperation: "Microsoft.KeyVault/vaults/write" });
    expect(opened?.ChangeCorrelationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.storyTransitions.some((row) => row.AzureResourceName === "kv-payments-prod" && row.PreviousExposure === "PrivateOnly" && row.Exposure === "Internet")).toBe(true);
    expect(change(STORY_IDS.identityVault, "VW-NET-004", "New")).toBeDefined();
    expect(change(STORY_IDS.identityVault, "VW-NET-004", "Resolved")).toMatchObject({ ChangeCallerName: "bob@contoso.com" });
    expect(change(STORY_IDS.dataVault, "VW-LOG-001", "New")).toBeDefined();
    expect(result.storyTransitions.filter((row) => row.AzureResourceId.toLowerCase() === STORY_IDS.legacyHsm.toLowerCase() && row.Transition === "Removed")).toHaveLength(12);
    expect(change(STORY_IDS.stagingVault, "VW-IAM-001", "New")).toMatchObject({ PreviousStatus: "Waived", Trigger: "sweep" });
    expect(printed.join("\n")).toContain("by alice@contoso.com");
  });

  it.runIf(chromiumAvailable() || process.env.CI === "true")("writes a report that renders the same figures in a browser, with no console error", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(result.reportPath).href);
      expect(await page.getByTestId("resource-count").textContent()).toBe(String(result.summary.resources));
      expect(await page.getByTestId("estate-score").textContent()).toBe(String(result.summary.estateScore));
      expect(await page.getByTestId("failures-high").textContent()).toBe(`${result.summary.failuresBySeverity.High} high`);
      expect(await page.getByTestId("transition-row").count()).toBe(result.storyTransitions.length);
      await page.screenshot({ path: join(directory, "report.png"), fullPage: false });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("runs from the command line, prints the story and leaves no process behind", async () => {
    await ensureBuilt();
    // Every process the demo starts inherits this marker, so afterwards /proc shows whether any survived.
    const marker = `VAULTWATCH_DEMO_TEST_MARK=${process.pid}-${Date.now()}`;
    const [name = "", value = ""] = marker.split("=");
    // Run without blocking this worker: a worker blocked for a minute cannot answer vitest's runner, failing the run.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["bin/vaultwatch.js", "demo", "--report", join(directory, "cli-report.html")], {
        env: { ...process.env, [name]: value },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 120_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("alice opens kv-payments-prod to the internet");
    expect(run.stdout).toMatch(/estate score \d+\/100/);
    expect(run.stdout).toContain("the emulator and Azurite are stopped");
    expect(processesCarrying(marker)).toEqual([]);
  }, 120_000);
});
