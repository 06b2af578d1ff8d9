import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, generateEstate, startEmulator } from "../../emulator/index.js";
import { ArmRestClient } from "../../shared/readers/armRestClient.js";
import { DiagnosticSettingsReader, type DiagnosticSettingsReaderOptions } from "../../shared/readers/diagnosticSettingsReader.js";
import { createAzureReaders } from "../../shared/readers/azureReaders.js";
import { ReaderStats, countingPolicy } from "../../shared/readers/readerStats.js";

const generated = generateEstate({ resources: 45, subscriptions: 3, seed: 13, forbiddenDiagnosticSettingsRate: 0 });
const ids = [...generated.estate.exportBodies()].map((body) => body["id"] as string);

describe("the diagnostic-settings reader, through ARM /batch against the emulator", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: generated.estate });
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    emulator.resetThrottles();
    emulator.counters.reset();
    emulator.knobs.faults = [];
    Object.assign(emulator.knobs.armReads, { burst: 250, refillPerSecond: 25, retryAfterOn429: "seconds" });
    for (const id of ids) emulator.estate.setDiagnosticSettingsForbidden(id, false);
  });

  const readerWith = (options: DiagnosticSettingsReaderOptions = {}, stats = new ReaderStats()) =>
    new DiagnosticSettingsReader(new ArmRestClient(emulator.credential, { ...emulator.clientOptions(), perRetryPolicies: [countingPolicy(stats, "batch")] }), {
      backoffMs: 5,
      stats,
      ...options,
    });

  it("reads every resource's settings in ceil(N/20) batch calls, results in input order", async () => {
    const results = await readerWith().read(ids);
    expect(emulator.counters.requests.batch).toBe(3);
    expect(emulator.counters.batchItems.diagnosticSettings).toBe(45);
    expect(emulator.counters.requests.diagnosticSettings).toBe(0);
    results.forEach((result, index) => {
      expect(result).toEqual({ state: "read", settings: generated.estate.diagnosticSettingsOf(ids[index] as string)?.settings });
    });
  });

  it("polls a batch ARM accepted (202 with Location), honouring Retry-After, until the responses come", async () => {
    Object.assign(emulator.knobs.batch, { acceptedPolls: 2, retryAfterSeconds: 1 });
    const waits: { milliseconds: number }[] = [];
    try {
      const results = await readerWith({ onThrottleWait: (wait) => waits.push(wait) }).read(ids.slice(0, 20));
      results.forEach((result, index) => {
        expect(result).toEqual({ state: "read", settings: generated.estate.diagnosticSettingsOf(ids[index] as string)?.settings });
      });
      // One POST answered 202, one poll answered 202 again, the second poll answered 200.
      expect(emulator.counters.requests.batch).toBe(3);
      expect(waits.map((wait) => wait.milliseconds)).toEqual([1000, 1000]);
    } finally {
      Object.assign(emulator.knobs.batch, { acceptedPolls: 0 });
    }
  });

  it("makes a forbidden resource unreadable, with the reason, and leaves every other resource alone", async () => {
    const forbidden = [ids[3], ids[30]] as string[];
    for (const id of forbidden) emulator.estate.setDiagnosticSettingsForbidden(id, true);
    const results = await readerWith().read(ids);
    results.forEach((result, index) => {
      if (forbidden.includes(ids[index] as string)) {
        expect(result.state).toBe("unreadable");
        expect((result as { reason: string }).reason).toMatch(/403 AuthorizationFailed/);
      } else {
        expect(result.state).toBe("read");
      }
    });
  });

  it("retries items throttled inside a batch, with and without Retry-After, until all are read", async () => {
    emulator.knobs.faults.push(
      { kinds: ["diagnosticSettings"], status: 429, retryAfter: { style: "milliseconds", milliseconds: 10 }, rate: 0.3, remaining: 8 },
      { kinds: ["diagnosticSettings"], status: 429, rate: 0.3, remaining: 8 },
    );
    const results = await readerWith().read(ids);
    expect(results.every((result) => result.state === "read")).toBe(true);
    expect(emulator.counters.throttled.diagnosticSettings).toBe(16);
  });

  it("retries a throttled or failing batch call as a whole", async () => {
    emulator.knobs.faults.push({ kinds: ["batch"], status: 429, remaining: 1 }, { kinds: ["batch"], status: 503, remaining: 1 });
    const results = await readerWith().read(ids.slice(0, 20));
    expect(results.every((result) => result.state === "read")).toBe(true);
  });

  it("paces reads per subscription against ARM's read bucket instead of meeting its 429s", async () => {
    // One subscription and a bucket of 20: a second batch sent at once would be throttled whole.
    const single = generateEstate({ resources: 45, subscriptions: 1, seed: 13, forbiddenDiagnosticSettingsRate: 0 });
    const paced = await startEmulator({ estate: single.estate, knobs: { armReads: { burst: 20, refillPerSecond: 100, retryAfterOn429: "milliseconds" } } });
    try {
      const stats = new ReaderStats();
      const reader = new DiagnosticSettingsReader(new ArmRestClient(paced.credential, paced.clientOptions()), {
        readBurst: 20,
        readRefillPerSecond: 100,
        // A wide margin: a loaded 2-core machine (CI beside other suites) has delayed a request by several hundred
        // milliseconds, so the server's bucket lagged the reader's estimate; a second costs ~2 s and rules that out.
        pacingMarginMs: 1_000,
        stats,
      });
      const results = await reader.read([...single.estate.exportBodies()].map((body) => body["id"] as string));
      expect(results.every((result) => result.state === "read")).toBe(true);
      expect(paced.counters.throttled.diagnosticSettings).toBe(0);
      expect(paced.counters.requests.batch).toBe(3);
      expect(stats.throttleWaits).toBeGreaterThan(0);
    } finally {
      await paced.stop();
    }
  });

  it("gives up on a resource that keeps failing, reporting it unreadable, never as read", async () => {
    emulator.knobs.faults.push({ kinds: ["diagnosticSettings"], status: 500, pathContains: ids[7] as string });
    const results = await readerWith({ maxAttempts: 3 }).read(ids.slice(0, 10));
    expect(results[7]).toEqual({ state: "unreadable", reason: expect.stringMatching(/500 .*gave up after 3 attempts/) });
    expect(results.filter((result) => result.state === "read")).toHaveLength(9);
  });

  it("does not trust a 200 whose body is not this resource's list of settings", async () => {
    emulator.knobs.faults.push({ kinds: ["diagnosticSettings"], status: 200, body: { value: [{ id: `${ids[1]}/providers/microsoft.insights/diagnosticSettings/x` }] }, pathContains: ids[2] as string });
    emulator.knobs.faults.push({ kinds: ["diagnosticSettings"], status: 200, body: { nothing: true }, pathContains: ids[4] as string });
    const results = await readerWith().read(ids.slice(0, 5));
    expect(results[2]?.state).toBe("unreadable");
    expect(results[4]?.state).toBe("unreadable");
    expect(results[0]?.state).toBe("read");
  });

  it("reports an id that is not a vault or HSM as unreadable without sending it", async () => {
    const results = await readerWith().read([`${ids[0]}?$filter=x`, "/subscriptions/not-a-guid/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v", ids[0] as string]);
    expect(results.map((result) => result.state)).toEqual(["unreadable", "unreadable", "read"]);
    expect(emulator.counters.batchItems.diagnosticSettings).toBe(1);
  });

  it("calls /batch at most its own number of attempts for a chunk that keeps failing: the SDK pipeline does not retry under it", async () => {
    emulator.knobs.faults.push({ kinds: ["batch"], status: 503, code: "ServiceUnavailable" });
    const options = emulator.clientOptions();
    const readers = createAzureReaders(
      { credential: emulator.credential, endpoint: options.endpoint, tlsOptions: options.tlsOptions, retryOptions: options.retryOptions },
      { diagnosticSettings: { backoffMs: 2, maxAttempts: 4 } },
    );
    const results = await readers.diagnosticSettings.read(ids.slice(0, 5));
    emulator.knobs.faults = [];
    expect(results.every((result) => result.state === "unreadable")).toBe(true);
    expect(emulator.counters.requests.batch).toBe(4);
  });
});
