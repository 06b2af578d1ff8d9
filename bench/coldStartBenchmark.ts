import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildFunctionsPackage } from "../scripts/packageFunctions.js";
import { bareNodeMilliseconds, loadPackageEntry } from "../scripts/functionsWorkerStandIn.js";
import type { Benchmark, Measurement } from "./measurement.js";

const RUNS = 7;
/** The goal for the entry's load time, as a multiple of a bare node start. */
const COLD_START_GOAL_RATIO = 3;

function median(samples: readonly number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
}

/**
 * What the Functions host pays when a new worker loads the app, measured from the deployment package azd
 * uploads (scripts/packageFunctions.ts), copied to an empty folder outside the repository so it can reach
 * nothing but its own files: a fresh Node process with the worker's core module stood in, importing the
 * package's entry (registrations and settings validation; handlers and SDKs load on first invocation).
 * Floor: a bare `node` start with nothing imported, measured alternately with the entry.
 */
export const coldStartBenchmark: Benchmark = {
  name: "cold-start",
  description: "deployment package size, and time to load its Functions entry in a fresh process",
  async run(): Promise<Measurement[]> {
    const buildDir = mkdtempSync(join(tmpdir(), "vaultwatch-bench-package-"));
    const deployed = mkdtempSync(join(tmpdir(), "vaultwatch-bench-deployed-"));
    try {
      const built = await buildFunctionsPackage(buildDir);
      cpSync(buildDir, deployed, { recursive: true });
      const env = {
        PATH: process.env.PATH,
        VAULTWATCH_INGESTION_ENDPOINT: "https://vaultwatch-dce.westeurope-1.ingest.monitor.azure.com",
        VAULTWATCH_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
      };
      const loads: number[] = [];
      const bares: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        bares.push(await bareNodeMilliseconds());
        const load = await loadPackageEntry(deployed, env);
        if (load.registered.length !== 4) throw new Error(`the package registered ${load.registered.length} functions, expected 4`);
        loads.push(load.milliseconds);
      }
      const bare = median(bares);
      const bytes = built.files.reduce((total, file) => total + file.bytes, 0);
      const entryBytes = built.files.find((file) => file.path === "index.js")?.bytes ?? 0;
      return [
        { name: "deployment package size", value: Math.round(bytes / 1024), unit: "KiB", note: `${built.files.length} files; entry index.js ${Math.round(entryBytes / 1024)} KiB` },
        {
          name: `functions entry cold start from the package (median of ${RUNS})`,
          value: Math.round(median(loads)),
          unit: "ms",
          floor: Math.round(bare),
          ceiling: Math.round(bare * COLD_START_GOAL_RATIO),
          note: `floor: bare node start; ceiling: ${COLD_START_GOAL_RATIO}× it`,
        },
      ];
    } finally {
      rmSync(buildDir, { recursive: true, force: true });
      rmSync(deployed, { recursive: true, force: true });
    }
  },
};
