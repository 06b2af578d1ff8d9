/**
 * `npm run bench`: named measurements with their floors (or ceilings) and ratios. Add a benchmark by appending
 * it to BENCHMARKS. Options: `--json` (machine-readable), `--only <name>`, `--resources <n>`, `--subscriptions <m>`.
 * Exits 1 when a measurement passes its ceiling, 2 on a usage error.
 */
import { type Benchmark, type Measurement, exceedsCeiling, formatTable, ratio } from "./measurement.js";
import { coldStartBenchmark } from "./coldStartBenchmark.js";
import { evaluateBenchmark } from "./evaluateBenchmark.js";
import { htmlReportBenchmark } from "./htmlReportBenchmark.js";
import { pipelineBenchmark } from "./pipelineBenchmark.js";
import { scanBenchmark } from "./scanBenchmark.js";

export const BENCHMARKS: readonly Benchmark[] = [scanBenchmark, pipelineBenchmark, evaluateBenchmark, htmlReportBenchmark, coldStartBenchmark];

interface BenchArguments {
  readonly json: boolean;
  readonly only: string | undefined;
  readonly resources: number;
  readonly subscriptions: number;
}

function parseArguments(argv: readonly string[]): BenchArguments {
  let json = false;
  let only: string | undefined;
  // 100k resources over 1,000 subscriptions: a large tenant's shape (100 per subscription, inside ARM's burst).
  let resources = 100_000;
  let subscriptions = 1_000;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    const value = (): string => {
      const next = argv[index + 1];
      if (next === undefined) throw new RangeError(`${argument} needs a value`);
      index += 1;
      return next;
    };
    const whole = (text: string): number => {
      if (!/^\d+$/.test(text) || Number(text) < 1) throw new RangeError(`${argument}: expected a positive whole number, got "${text}"`);
      return Number(text);
    };
    if (argument === "--json") json = true;
    else if (argument === "--only") only = value();
    else if (argument === "--resources") resources = whole(value());
    else if (argument === "--subscriptions") subscriptions = whole(value());
    else throw new RangeError(`unknown option ${argument}; expected --json, --only <name>, --resources <n>, --subscriptions <m>`);
  }
  if (only !== undefined && !BENCHMARKS.some((benchmark) => benchmark.name === only)) {
    throw new RangeError(`--only: no benchmark named "${only}"; there are ${BENCHMARKS.map((benchmark) => benchmark.name).join(", ")}`);
  }
  return { json, only, resources, subscriptions };
}

async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const measurements: Measurement[] = [];
  for (const benchmark of BENCHMARKS.filter((candidate) => args.only === undefined || candidate.name === args.only)) {
    log(`bench: ${benchmark.name}: ${benchmark.description}`);
    measurements.push(...(await benchmark.run({ resources: args.resources, subscriptions: args.subscriptions, log })));
  }
  if (args.json) {
    const rows = measurements.map((measurement) => ({ ...measurement, ratio: ratio(measurement), overCeiling: exceedsCeiling(measurement) }));
    process.stdout.write(`${JSON.stringify({ resources: args.resources, subscriptions: args.subscriptions, measurements: rows }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatTable(measurements)}\n`);
  }
  return measurements.some(exceedsCeiling) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
