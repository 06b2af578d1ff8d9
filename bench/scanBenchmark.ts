import { fork } from "node:child_process";
import { once } from "node:events";
import { request } from "node:https";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { defaultKnobs, staticCredential } from "../emulator/index.js";
import type { RequestCounters } from "../emulator/counters.js";
import { newTally } from "../shared/evaluate/evaluateItems.js";
import { ArmRestClient } from "../shared/readers/armRestClient.js";
import { DiagnosticSettingsReader, MAX_BATCH_SIZE } from "../shared/readers/diagnosticSettingsReader.js";
import { ReaderStats } from "../shared/readers/readerStats.js";
import { DEFAULT_SUBSCRIPTIONS_PER_QUERY, MAX_PAGE_SIZE, ResourceGraphReader } from "../shared/readers/resourceGraphReader.js";
import { scanEstate } from "../shared/scan/scanEstate.js";
import type { Benchmark, BenchmarkOptions, Measurement } from "./measurement.js";

const RSS_CEILING_MB = 256;

interface ChildReady {
  readonly url: string;
  readonly caPem: string;
  readonly subscriptionIds: readonly string[];
}

/**
 * `vaultwatch scan`'s pipeline over a generated estate on the emulator, with the emulator's default (Azure's
 * documented) quotas: Resource Graph 15 queries per 5 s, ARM reads 250 burst and 25/s per subscription. The
 * emulator runs in a child process so that the peak RSS is the scanner's own.
 */
export const scanBenchmark: Benchmark = {
  name: "scan",
  description: "Resource Graph pages → diagnostic settings through /batch → normalise → evaluate",
  async run(options: BenchmarkOptions): Promise<Measurement[]> {
    options.log(`scan: generating ${options.resources} resources over ${options.subscriptions} subscriptions in the emulator process…`);
    const child = fork(new URL("./emulatorProcess.js", import.meta.url), [String(options.resources), String(options.subscriptions), "1"], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // The estate's memory is not the scanner's: the child must not inherit heap limits set for this process.
      execArgv: [],
    });
    try {
      const [ready] = (await Promise.race([
        once(child, "message"),
        once(child, "exit").then(([code]) => {
          throw new Error(`the emulator process exited with ${String(code)} before it was ready`);
        }),
      ])) as [ChildReady];
      options.log(`scan: emulator ready at ${ready.url}; scanning…`);
      return await measureScan(ready, options);
    } finally {
      child.disconnect();
      if (child.exitCode === null) await once(child, "exit");
    }
  },
};

async function measureScan(ready: ChildReady, options: BenchmarkOptions): Promise<Measurement[]> {
  const credential = staticCredential();
  const clientOptions = { endpoint: ready.url, tlsOptions: { ca: ready.caPem } };
  const stats = new ReaderStats();
  const resourceGraph = new ResourceGraphReader(new ResourceGraphClient(credential, clientOptions), { stats });
  const diagnosticSettings = new DiagnosticSettingsReader(new ArmRestClient(credential, clientOptions), { stats });

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const tally = newTally();
  let evaluated = 0;
  let unknownLogging = 0;
  const started = performance.now();
  try {
    for await (const evaluation of scanEstate({
      scope: { kind: "subscriptions", subscriptionIds: ready.subscriptionIds },
      now: new Date(),
      resourceGraph,
      diagnosticSettings,
      tally,
      onProgress: (progress) => {
        if (progress.pages % 10 === 0) options.log(`scan: ${progress.pages} pages, ${progress.resources} resources, ${(progress.elapsedMs / 1000).toFixed(1)} s`);
      },
    })) {
      evaluated += 1;
      if (evaluation.findings.some((finding) => finding.controlId === "VW-LOG-001" && finding.status === "Unknown")) unknownLogging += 1;
    }
  } finally {
    clearInterval(sampler);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  // maxRSS is the kernel's peak for this process (in KiB), which catches spikes between samples.
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  const served = await fetchCounters(ready);
  const floors = floorsFor(options.resources, ready.subscriptionIds.length);

  return [
    { name: "scan.resources evaluated", value: evaluated, unit: "resources", floor: options.resources },
    { name: "scan.requests resourceGraph", value: served.requests.resourceGraph, unit: "requests", floor: floors.resourceGraphRequests, note: `pages of ${MAX_PAGE_SIZE} and one exemptions query per batch of ${DEFAULT_SUBSCRIPTIONS_PER_QUERY} subscriptions` },
    { name: "scan.requests batch", value: served.requests.batch, unit: "requests", floor: floors.batchRequests, note: `ceil(N/${MAX_BATCH_SIZE})` },
    { name: "scan.batch items diagnosticSettings", value: served.batchItems.diagnosticSettings, unit: "reads", floor: options.resources },
    { name: "scan.requests other", value: served.requests.armVault + served.requests.armManagedHsm + served.requests.diagnosticSettings + served.requests.unrecognised, unit: "requests", floor: 0 },
    { name: "scan.throttled (429 served)", value: Object.values(served.throttled).reduce((sum, count) => sum + count, 0), unit: "responses" },
    { name: "scan.throttling waits (paced + after 429)", value: stats.throttleWaits, unit: "waits", note: `${(stats.throttleWaitMs / 1000).toFixed(1)} s in total` },
    { name: "scan.wall time", value: round(wallSeconds), unit: "s", floor: floors.wallSeconds, note: floors.wallNote },
    { name: "scan.throughput", value: Math.round(evaluated / wallSeconds), unit: "resources/s" },
    { name: "scan.resources with Unknown audit logging (forbidden)", value: unknownLogging, unit: "resources" },
    { name: "scan.peak RSS", value: round(peakRss / 1_048_576), unit: "MB", ceiling: RSS_CEILING_MB, note: "the scanner's process; the emulator runs in its own" },
  ];
}

/** The least a scan can do, given the estate's shape and the emulator's default (Azure's documented) quotas. */
export function floorsFor(resources: number, subscriptions: number): {
  resourceGraphRequests: number;
  batchRequests: number;
  wallSeconds: number;
  wallNote: string;
} {
  const perSubscription = (index: number): number => Math.floor(resources / subscriptions) + (index < resources % subscriptions ? 1 : 0);
  let resourceGraphRequests = 0;
  for (let start = 0; start < subscriptions; start += DEFAULT_SUBSCRIPTIONS_PER_QUERY) {
    let rows = 0;
    for (let index = start; index < Math.min(subscriptions, start + DEFAULT_SUBSCRIPTIONS_PER_QUERY); index += 1) rows += perSubscription(index);
    // Plus the Azure Policy exemptions query of the batch (one page; the estate has no exemption, so no more).
    resourceGraphRequests += Math.max(1, Math.ceil(rows / MAX_PAGE_SIZE)) + 1;
  }
  const knobs = defaultKnobs();
  const { quotaPerWindow, windowMs } = knobs.resourceGraph;
  const graphSeconds = ((Math.ceil(resourceGraphRequests / quotaPerWindow) - 1) * windowMs) / 1000;
  const busiest = perSubscription(0);
  const armSeconds = Math.max(0, (busiest - knobs.armReads.burst) / knobs.armReads.refillPerSecond);
  return {
    resourceGraphRequests,
    batchRequests: Math.ceil(resources / MAX_BATCH_SIZE),
    wallSeconds: round(Math.max(graphSeconds, armSeconds)),
    wallNote:
      graphSeconds >= armSeconds
        ? `quota-bound: ${resourceGraphRequests} queries at ${quotaPerWindow} per ${windowMs / 1000} s`
        : `quota-bound: ${busiest} reads in one subscription at ${knobs.armReads.refillPerSecond}/s after a burst of ${knobs.armReads.burst}`,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function fetchCounters(ready: ChildReady): Promise<ReturnType<RequestCounters["snapshot"]>> {
  return new Promise((resolve, reject) => {
    const req = request(`${ready.url}/_emulator/counters`, { method: "GET", ca: ready.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReturnType<RequestCounters["snapshot"]>);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}
