import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { generateEstate } from "../emulator/generateEstate.js";
import { writeReport } from "../cli/report.js";
import { evaluateItems } from "../shared/evaluate/evaluateItems.js";
import type { Benchmark, BenchmarkOptions, Measurement } from "./measurement.js";

/** The estate the issue names: 5,000 resources × 13 controls, whatever --resources says for the other benchmarks. */
const REPORT_RESOURCES = 5_000;
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * `evaluate --format html` over 5,000 generated resources: how big the one-file report is, how long it takes to
 * write, how much heap the streaming writer holds, and how long Chromium takes to open it and run its script.
 */
export const htmlReportBenchmark: Benchmark = {
  name: "html-report",
  description: "evaluate --format html of 5,000 resources: file size, render time, heap, and time to open in Chromium",
  async run(options: BenchmarkOptions): Promise<Measurement[]> {
    const { estate } = generateEstate({ resources: REPORT_RESOURCES, subscriptions: 7, seed: 11 });
    const bodies = [...estate.exportBodies()];
    const directory = mkdtempSync(join(tmpdir(), "vaultwatch-bench-html-"));
    const file = join(directory, "report.html");
    try {
      const now = new Date();
      // Heap kept once every row is written (after a full collection), against the heap before: what the streaming
      // writer holds for 5,000 resources. The 5,000 generated bodies are held by the benchmark on both sides.
      setFlagsFromString("--expose-gc");
      const collect = runInNewContext("gc") as () => void;
      collect();
      const heapBefore = process.memoryUsage().heapUsed;
      let heapKept = 0;
      const started = process.hrtime.bigint();
      function* evaluations() {
        yield* evaluateItems(bodies, { now });
        collect();
        heapKept = process.memoryUsage().heapUsed - heapBefore;
      }
      await writeReport(evaluations(), { format: "html", output: file, failOn: "low", source: "benchmark estate" });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const bytes = statSync(file).size;
      options.log(`html-report: ${bodies.length} resources → ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s; opening in Chromium…`);
      const measurements: Measurement[] = [
        { name: "html report size", value: Number((bytes / 1e6).toFixed(2)), unit: "MB", note: `${bodies.length} resources, ${Math.round(bytes / bodies.length)} bytes per resource` },
        { name: "html report render time", value: Number(seconds.toFixed(2)), unit: "s", note: "evaluate and write, 5,000 resources" },
        {
          name: "html report heap kept after all rows",
          value: Number((heapKept / 1e6).toFixed(2)),
          unit: "MB",
          note: "after a full collection: rows spill to disk, only totals and the waiver list stay in memory",
        },
      ];
      const opened = await timeToOpen(file);
      if (opened !== undefined) {
        measurements.push({ name: "html report open in Chromium", value: Number(opened.toFixed(2)), unit: "s", note: "load event, its script sorted and filtered 5,000 rows" });
      } else {
        options.log(`html-report: no Chromium at ${CHROMIUM_PATH}; the time to open the report is not measured`);
      }
      return measurements;
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
};

async function timeToOpen(file: string): Promise<number | undefined> {
  try {
    statSync(CHROMIUM_PATH);
  } catch {
    return undefined;
  }
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const started = process.hrtime.bigint();
    await page.goto(pathToFileURL(file).href, { timeout: 600_000 });
    await page.getByTestId("shown-count").filter({ hasText: "of" }).waitFor({ timeout: 600_000 });
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await browser.close();
  }
}
