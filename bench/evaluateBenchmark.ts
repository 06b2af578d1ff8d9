import { generateEstate } from "../emulator/generateEstate.js";
import { evaluateItems } from "../shared/evaluate/evaluateItems.js";
import type { Benchmark, BenchmarkOptions, Measurement } from "./measurement.js";

/**
 * The pure core alone: normalise and evaluate every resource of a generated estate (ARM bodies with diagnostic
 * settings), as `vaultwatch evaluate` does after parsing its input. No I/O, so this is the engine's own speed.
 */
export const evaluateBenchmark: Benchmark = {
  name: "evaluate",
  description: "normalise → 13 controls → waivers → score → exposure, in process",
  async run(options: BenchmarkOptions): Promise<Measurement[]> {
    const count = Math.min(options.resources, 100_000);
    const { estate } = generateEstate({ resources: count, subscriptions: Math.max(1, Math.min(options.subscriptions, count)), seed: 3 });
    const bodies = [...estate.exportBodies()];
    options.log(`evaluate: ${bodies.length} resources generated; evaluating…`);
    const now = new Date();
    // One warm-up pass over a slice, so the measurement is of optimised code, not of the JIT's first look.
    for (const _ of evaluateItems(bodies.slice(0, 2_000), { now }));
    const started = process.hrtime.bigint();
    let findings = 0;
    for (const evaluation of evaluateItems(bodies, { now })) findings += evaluation.findings.length;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return [
      { name: "evaluate throughput", value: Math.round(bodies.length / seconds), unit: "resources/s", note: `${bodies.length} resources, ${findings} findings in ${seconds.toFixed(2)} s` },
      { name: "evaluate time per resource", value: Number(((seconds * 1e6) / bodies.length).toFixed(1)), unit: "µs" },
    ];
  },
};
