import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, type GeneratedEstate, generateEstate, startEmulator } from "../../emulator/index.js";
import { newTally } from "../../shared/evaluate/evaluateItems.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { ArmRestClient } from "../../shared/readers/armRestClient.js";
import { DiagnosticSettingsReader } from "../../shared/readers/diagnosticSettingsReader.js";
import { ReaderStats } from "../../shared/readers/readerStats.js";
import { ResourceGraphReader } from "../../shared/readers/resourceGraphReader.js";
import { scanEstate } from "../../shared/scan/scanEstate.js";
import { sdkClients } from "../support/emulatorClients.js";

const NOW = new Date("2026-06-01T00:00:00Z");
/** ARM's bucket refilled fast enough that a test never waits on it; the reader is told the same. */
const FAST_ARM = { burst: 250, refillPerSecond: 100_000, retryAfterOn429: "milliseconds" as const };

/** One line per resource: every control's status in catalog order, so two scans compare cheaply. */
function digest(evaluation: ResourceEvaluation): string {
  return `${evaluation.resource.resourceId.toLowerCase()} ${evaluation.score} ${evaluation.exposure.class} ${evaluation.findings.map((finding) => `${finding.controlId}=${finding.status}`).join(",")}`;
}

async function scan(emulator: Emulator, stats = new ReaderStats()) {
  const resourceGraph = new ResourceGraphReader(sdkClients(emulator).graph, { stats, fallbackThrottleDelayMs: 20 });
  const diagnosticSettings = new DiagnosticSettingsReader(new ArmRestClient(emulator.credential, emulator.clientOptions()), {
    stats,
    backoffMs: 5,
    readBurst: FAST_ARM.burst,
    readRefillPerSecond: FAST_ARM.refillPerSecond,
  });
  const tally = newTally();
  const digests: string[] = [];
  const logStatuses = new Map<string, [string | undefined, string | undefined]>();
  const subscriptions = emulator.estate.subscriptions().map((subscription) => subscription.subscriptionId);
  for await (const evaluation of scanEstate({ scope: { kind: "subscriptions", subscriptionIds: subscriptions }, now: NOW, resourceGraph, diagnosticSettings, tally })) {
    digests.push(digest(evaluation));
    const status = (id: string) => evaluation.findings.find((finding) => finding.controlId === id);
    logStatuses.set(evaluation.resource.resourceId.toLowerCase(), [status("VW-LOG-001")?.status, status("VW-LOG-002")?.status]);
    const log001 = status("VW-LOG-001");
    if (log001?.status === "Unknown") expect(log001.reason).toMatch(/403 AuthorizationFailed/);
  }
  return { digests, logStatuses, tally };
}

describe("a scan of 10,000 resources over 20 subscriptions (the issue's acceptance estate)", () => {
  let generated: GeneratedEstate;
  let emulator: Emulator;
  let clean: Awaited<ReturnType<typeof scan>>;

  beforeAll(async () => {
    generated = generateEstate({ resources: 10_000, subscriptions: 20, seed: 42 });
    emulator = await startEmulator({ estate: generated.estate, knobs: { armReads: FAST_ARM } });
    clean = await scan(emulator);
  });
  afterAll(async () => emulator.stop());

  it("evaluates every resource once, in Resource Graph order", () => {
    expect(clean.digests).toHaveLength(10_000);
    expect(new Set(clean.digests.map((line) => line.split(" ")[0])).size).toBe(10_000);
    expect(clean.tally.malformed).toEqual([]);
  });

  it("makes exactly the floor of Resource Graph requests and at most ceil(N/20) diagnostic-settings calls", () => {
    // 20 subscriptions fit one query batch: ten pages of 1000.
    expect(emulator.counters.requests.resourceGraph).toBe(10);
    expect(emulator.counters.requests.batch).toBeLessThanOrEqual(500);
    expect(emulator.counters.batchItems.diagnosticSettings).toBe(10_000);
    expect(emulator.counters.requests.diagnosticSettings).toBe(0);
    expect(emulator.counters.throttled.resourceGraph + emulator.counters.throttled.diagnosticSettings).toBe(0);
  });

  it("reports Unknown, never Pass or Fail, for the logging controls of exactly the resources whose settings were forbidden", () => {
    const forbidden = new Set(generated.estate.forbiddenDiagnosticSettingsIds().map((id) => id.toLowerCase()));
    expect(forbidden.size).toBeGreaterThan(50);
    for (const [id, [log001, log002]] of clean.logStatuses) {
      if (forbidden.has(id)) {
        expect(log001).toBe("Unknown");
        // The catalog makes VW-LOG-002 NotApplicable whenever VW-LOG-001 is not Pass.
        expect(["Unknown", "NotApplicable"]).toContain(log002);
      } else {
        expect(log001).not.toBe("Unknown");
        expect(log002).not.toBe("Unknown");
      }
    }
  });

  it("survives a 429 storm with and without Retry-After on both services and gives the same result", async () => {
    emulator.counters.reset();
    emulator.resetThrottles();
    emulator.knobs.resourceGraph.windowMs = 50;
    const storm = [
      { kinds: ["resourceGraph" as const], status: 429, rate: 0.4, remaining: 3 },
      { kinds: ["resourceGraph" as const], status: 429, retryAfter: { style: "milliseconds" as const, milliseconds: 10 }, rate: 0.4, remaining: 3 },
      { kinds: ["diagnosticSettings" as const], status: 429, rate: 0.05, remaining: 150 },
      { kinds: ["diagnosticSettings" as const], status: 429, retryAfter: { style: "milliseconds" as const, milliseconds: 10 }, rate: 0.05, remaining: 150 },
      { kinds: ["batch" as const], status: 429, rate: 0.05, remaining: 5 },
    ];
    emulator.knobs.faults = storm;
    const stormy = await scan(emulator);
    // Every kind of throttling in the storm struck at least once.
    for (const rule of storm) expect(rule.remaining).toBeLessThan(rule.kinds[0] === "diagnosticSettings" ? 150 : rule.kinds[0] === "batch" ? 5 : 3);
    expect(emulator.counters.throttled.resourceGraph).toBeGreaterThan(1);
    expect(emulator.counters.throttled.diagnosticSettings).toBeGreaterThan(100);
    expect(stormy.digests).toEqual(clean.digests);
  });
});

describe("scanning while Azure misbehaves", () => {
  let emulator: Emulator;
  const generated = generateEstate({ resources: 120, subscriptions: 3, seed: 5 });

  beforeAll(async () => {
    emulator = await startEmulator({ estate: generated.estate, knobs: { armReads: FAST_ARM } });
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    emulator.knobs.faults = [];
    emulator.knobs.outages = {};
  });

  it("marks only the logging controls Unknown when ARM cannot be reached at all", async () => {
    const baseline = await scan(emulator);
    emulator.knobs.outages.batch = "serviceUnavailable";
    const resourceGraph = new ResourceGraphReader(sdkClients(emulator).graph);
    const diagnosticSettings = new DiagnosticSettingsReader(new ArmRestClient(emulator.credential, emulator.clientOptions()), { backoffMs: 2, maxAttempts: 2 });
    const subscriptions = generated.estate.subscriptions().map((subscription) => subscription.subscriptionId);
    const evaluations: ResourceEvaluation[] = [];
    for await (const evaluation of scanEstate({ scope: { kind: "subscriptions", subscriptionIds: subscriptions }, now: NOW, resourceGraph, diagnosticSettings })) {
      evaluations.push(evaluation);
    }
    expect(evaluations).toHaveLength(120);
    for (const [index, evaluation] of evaluations.entries()) {
      const [log001, log002] = ["VW-LOG-001", "VW-LOG-002"].map((id) => evaluation.findings.find((finding) => finding.controlId === id));
      expect(log001?.status).toBe("Unknown");
      expect(["Unknown", "NotApplicable"]).toContain(log002?.status);
      expect(log001?.reason).toMatch(/503/);
      const others = (line: string) => line.split(" ").slice(3).join(" ").replace(/VW-LOG-00[12]=\w+/g, "");
      expect(others(digest(evaluation))).toBe(others(baseline.digests[index] as string));
    }
  });

  it("fails loudly, not with a partial sweep, when Resource Graph truncates without a skip token", async () => {
    emulator.knobs.resourceGraph.withholdSkipToken = true;
    try {
      const resourceGraph = new ResourceGraphReader(sdkClients(emulator).graph, { pageSize: 50 });
      const diagnosticSettings = new DiagnosticSettingsReader(new ArmRestClient(emulator.credential, emulator.clientOptions()));
      const run = async () => {
        for await (const _ of scanEstate({ scope: { kind: "tenant" }, now: NOW, resourceGraph, diagnosticSettings })) void _;
      };
      await expect(run()).rejects.toThrow(/truncated/);
    } finally {
      emulator.knobs.resourceGraph.withholdSkipToken = false;
    }
  });
});
