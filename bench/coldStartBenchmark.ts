import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Benchmark, Measurement } from "./measurement.js";

const RUNS = 5;

/**
 * What the Functions host pays when a new worker loads the app: importing dist/functions/index.js (registrations,
 * configuration validation, the handler modules and the Azure SDKs they import) in a fresh Node process.
 * Floor: a bare `node` start with nothing imported.
 */
export const coldStartBenchmark: Benchmark = {
  name: "cold-start",
  description: "time to load the Functions entry in a fresh process",
  async run(): Promise<Measurement[]> {
    const entry = fileURLToPath(new URL("../functions/index.js", import.meta.url));
    const env = {
      ...process.env,
      VAULTWATCH_INGESTION_ENDPOINT: "https://vaultwatch-dce.westeurope-1.ingest.monitor.azure.com",
      VAULTWATCH_DCR_IMMUTABLE_ID: "dcr-0123456789abcdef0123456789abcdef",
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
    };
    const time = (script: string): number => {
      const samples: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const started = process.hrtime.bigint();
        const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" });
        if (result.status !== 0) throw new Error(`cold start probe failed: ${result.stderr.slice(0, 500)}`);
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0;
    };
    const bare = time("");
    const loaded = time(`await import(${JSON.stringify(entry)});`);
    return [{ name: "functions entry cold start (median of 5)", value: Math.round(loaded), unit: "ms", floor: Math.round(bare), note: "floor: bare node start" }];
  },
};
