import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { evaluateFile } from "../../cli/commands/evaluate.js";
import { scan } from "../../cli/commands/scan.js";
import { exportEstate, generateEstate } from "../../emulator/index.js";

const AT = "2026-03-01T12:00:00Z";

/**
 * What only a scan can know, set aside for the comparison: subscription names (read from Resource Graph; a JSON file
 * has none) and the wall-clock time each report was written.
 */
function withoutScanOnlyFields(format: "json" | "csv" | "sarif", text: string): string {
  if (format === "json") {
    const report = JSON.parse(text) as { generatedAt?: string; resources: { subscriptionName?: unknown }[] };
    delete report.generatedAt;
    for (const resource of report.resources) delete resource.subscriptionName;
    return JSON.stringify(report);
  }
  if (format === "csv") {
    const [header = "", ...rows] = text.split("\r\n");
    // Ids, names and groups carry no commas or quotes here, so the first cells can be split plainly.
    const column = header.split(",").indexOf("subscriptionName");
    return [header, ...rows.map((row) => row.split(",").map((cell, index) => (index === column ? "" : cell)).join(","))].join("\r\n");
  }
  return text;
}
const ESTATE = { resources: 300, subscriptions: 5, seed: 7 };

describe("scan --emulator and evaluate of the same estate exported as JSON", () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "vaultwatch-consistency-"));
    // Both commands print warnings (malformed waivers) to stderr; keep the test output readable.
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(directory, { recursive: true, force: true });
  });

  it.each(["json", "csv", "sarif"] as const)("give exactly the same %s report and exit code", async (format) => {
    const scanned = join(directory, `scan.${format}`);
    const evaluated = join(directory, `evaluate.${format}`);
    const scanCode = await scan({
      emulator: true,
      emulatorResources: String(ESTATE.resources),
      emulatorSubscriptions: String(ESTATE.subscriptions),
      emulatorSeed: String(ESTATE.seed),
      at: AT,
      format,
      output: scanned,
      failOn: "high",
      progress: false,
    });
    const exported = join(directory, "estate.json");
    await exportEstate(generateEstate(ESTATE).estate, exported);
    const evaluateCode = await evaluateFile(exported, { at: AT, format, output: evaluated, failOn: "high" });
    const [scanText, evaluateText] = await Promise.all([readFile(scanned, "utf8"), readFile(evaluated, "utf8")]);
    expect(scanText.length).toBeGreaterThan(10_000);
    expect(withoutScanOnlyFields(format, scanText)).toEqual(withoutScanOnlyFields(format, evaluateText));
    if (format !== "sarif") expect(scanText).toContain(generateEstate(ESTATE).estate.subscriptions()[0]!.displayName);
    expect(scanCode).toBe(evaluateCode);
    expect(scanCode).toBe(1);
  });

  it("agrees on the forbidden resources too: their logging controls are Unknown with the same reason", async () => {
    const report = JSON.parse(await readFile(join(directory, "scan.json"), "utf8")) as { findings: { controlId: string; status: string; reason: string }[] };
    const unknown = report.findings.filter((finding) => finding.controlId === "VW-LOG-001" && finding.status === "Unknown");
    expect(unknown.length).toBeGreaterThan(0);
    for (const finding of unknown) expect(finding.reason).toMatch(/403 AuthorizationFailed/);
  });
});
