import { randomUUID } from "node:crypto";
import { LogsIngestionClient } from "@azure/monitor-ingestion";
import { ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultKnobs, startEmulator, type Emulator } from "../../emulator/index.js";
import { BlobSpool } from "../../shared/sink/blobSpool.js";
import { buildFindingRows } from "../../shared/sink/findingRows.js";
import { FINDINGS_STREAM_NAME, streamColumns, type FindingRow, type FindingsRow } from "../../shared/sink/findingsSchema.js";
import { DEAD_LETTER_AFTER_MS, deliveryWarning, describeReplay, FindingsWriter, type WriteReport } from "../../shared/sink/findingsWriter.js";
import { requestTimeoutPolicy } from "../../shared/handlers/dependencies.js";
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME } from "../../cli/demo/localAzurite.js";
import { containerClientFor } from "../../shared/state/storageClients.js";
import { startAzurite, type LocalAzurite } from "../support/azurite.js";
import { evaluationOf, vaultId } from "./evaluations.js";

const DCR = "dcr-5e1d0c0ffee0000000000000000000aa";
const STREAM = FINDINGS_STREAM_NAME;

let emulator: Emulator;
let azurite: LocalAzurite;
let client: LogsIngestionClient;
let spool: BlobSpool;
let writer: FindingsWriter;

beforeAll(async () => {
  [emulator, azurite] = await Promise.all([
    // Declaring the stream makes the emulator drop (and list) any field the DCR would not carry to the table.
    startEmulator({ estate: { resources: 0, subscriptions: 1 }, dataCollectionRules: { [DCR]: { [STREAM]: streamColumns() } } }),
    startAzurite(),
  ]);
  client = new LogsIngestionClient(emulator.url, emulator.credential, emulator.clientOptions());
});
afterAll(async () => {
  await Promise.all([emulator?.stop(), azurite?.stop()]);
});
beforeEach(async () => {
  Object.assign(emulator.knobs, defaultKnobs());
  emulator.ledger.clear();
  emulator.counters.reset();
  spool = await BlobSpool.open(containerClientFor({ kind: "connectionString", connectionString: azurite.connectionString }, `spool-${randomUUID()}`));
  writer = new FindingsWriter({ client, ruleId: DCR, streamName: STREAM, spool, maxConcurrency: 2 });
});

/** `count` rows of distinct resources and controls, all of run `runId`. */
function rowsOf(runId: string, count: number): FindingRow[] {
  const rows: FindingRow[] = [];
  for (let index = 0; rows.length < count; index += 1) {
    rows.push(
      ...buildFindingRows({
        evaluation: evaluationOf({ id: vaultId(`kv-${runId}-${index}`), statuses: { "VW-NET-001": "Fail", "VW-LOG-001": "Unknown" } }),
        observedAt: new Date("2026-11-24T06:00:00Z"),
        run: { runId, trigger: "sweep" },
        transitions: new Map(),
      }),
    );
  }
  return rows.slice(0, count);
}

/** A spool container on a loopback port nobody listens on, failing at once instead of after storage's retries. */
function unreachableContainer(): ContainerClient {
  return new ContainerClient(
    `http://127.0.0.1:9/${AZURITE_ACCOUNT_NAME}/vaultwatch-spool`,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY),
    { retryOptions: { maxTries: 1 } },
  );
}

/** What identifies a row across replays: duplicates share it. */
const keyOf = (row: { readonly RunId?: unknown; readonly AzureResourceId?: unknown; readonly ControlId?: unknown }) =>
  `${String(row.RunId)}|${String(row.AzureResourceId)}|${String(row.ControlId)}`;

function ledgerKeys(): Set<string> {
  return new Set(emulator.ledger.records(STREAM).map(keyOf));
}

describe("the findings writer against the Logs Ingestion emulator", () => {
  it("delivers every row in the SDK's chunks, each field declared by the DCR stream, and leaves nothing in the spool", async () => {
    const rows = rowsOf("run-plain", 2_500);
    const report = await writer.write(rows);
    expect(report).toMatchObject({ delivered: 2_500, spooled: 0, rejected: [], truncated: 0 });
    expect(deliveryWarning(report)).toBeUndefined();
    expect(emulator.ledger.records(STREAM)).toHaveLength(2_500);
    expect(emulator.ledger.uploads.length).toBeGreaterThan(1);
    expect(emulator.ledger.uploads.every((upload) => upload.gzipped)).toBe(true);
    expect([...emulator.ledger.droppedFields(STREAM)]).toEqual([]);
    expect(await spool.summary()).toMatchObject({ pendingRows: 0 });
  });

  it("waits out 429 bursts that carry Retry-After without spooling anything", async () => {
    emulator.knobs.faults.push({ kinds: ["ingestion"], status: 429, retryAfter: { style: "milliseconds", milliseconds: 20 }, remaining: 3 });
    const report = await writer.write(rowsOf("run-throttled", 100));
    expect(report).toMatchObject({ delivered: 100, spooled: 0 });
    expect(emulator.counters.throttled.ingestion).toBe(3);
  });

  it("spools a chunk throttled without Retry-After (the SDK does not retry it) and delivers it on the next write", async () => {
    emulator.knobs.faults.push({ kinds: ["ingestion"], status: 429, remaining: 1 });
    const first = await writer.write(rowsOf("run-a", 100));
    expect(first).toMatchObject({ delivered: 0, spooled: 100, failureReasons: [expect.stringMatching(/^Logs Ingestion answered 429/)] });
    expect(deliveryWarning(first)).toMatch(/^100 findings rows kept in blob container vaultwatch-spool for a later replay \(Logs Ingestion answered 429/);
    expect(await spool.summary()).toMatchObject({ pendingBatches: 1, pendingRows: 100 });

    const second = await writer.write(rowsOf("run-b", 50));
    expect(second.replay).toMatchObject({ batches: 1, delivered: 100, stillSpooled: 0 });
    expect(second.delivered).toBe(50);
    expect(ledgerKeys()).toEqual(new Set([...rowsOf("run-a", 100), ...rowsOf("run-b", 50)].map(keyOf)));
    expect(await spool.summary()).toMatchObject({ pendingBatches: 0, pendingRows: 0 });
  });

  it("keeps every row through a full outage and delivers them all once the sink recovers", async () => {
    emulator.knobs.outages.ingestion = "connectionReset";
    const during = await writer.write(rowsOf("run-outage", 1_200));
    expect(during).toMatchObject({ delivered: 0, spooled: 1_200 });
    expect(emulator.ledger.records(STREAM)).toHaveLength(0);

    delete emulator.knobs.outages.ingestion;
    const replay = await writer.replaySpool();
    expect(replay).toMatchObject({ delivered: 1_200, stillSpooled: 0, stoppedEarly: false });
    expect(ledgerKeys()).toEqual(new Set(rowsOf("run-outage", 1_200).map(keyOf)));
    expect(await spool.summary()).toMatchObject({ pendingRows: 0 });
  });

  it("stops replaying at the first batch the sink still refuses whole, leaving the rest for later", async () => {
    emulator.knobs.outages.ingestion = "serviceUnavailable";
    await writer.write(rowsOf("run-1", 10));
    await writer.write(rowsOf("run-2", 10));
    emulator.counters.reset();
    const replay = await writer.replaySpool();
    expect(replay).toMatchObject({ batches: 1, delivered: 0, stillSpooled: 10, stoppedEarly: true });
    expect(await spool.summary()).toMatchObject({ pendingBatches: 2, pendingRows: 20 });
  });

  describe("a spool that cannot stall", () => {
    let now = new Date("2026-11-24T06:00:00Z");
    let deadLetters: ContainerClient;
    let clockedSpool: BlobSpool;
    let clocked: FindingsWriter;
    const clock = () => now;
    beforeEach(async () => {
      now = new Date("2026-11-24T06:00:00Z");
      const storage = { kind: "connectionString" as const, connectionString: azurite.connectionString };
      deadLetters = containerClientFor(storage, `dead-${randomUUID()}`);
      clockedSpool = await BlobSpool.open(containerClientFor(storage, `spool-${randomUUID()}`), clock, deadLetters);
      clocked = new FindingsWriter({ client, ruleId: DCR, streamName: STREAM, spool: clockedSpool, maxConcurrency: 2, clock });
    });
    const deadLettered = async () => {
      const blobs: { name: string; body: { reason: string; rows: unknown[] } }[] = [];
      for await (const item of deadLetters.listBlobsFlat()) {
        blobs.push({ name: item.name, body: JSON.parse((await deadLetters.getBlockBlobClient(item.name).downloadToBuffer()).toString("utf8")) });
      }
      return blobs;
    };

    it("replays past a batch refused with 403, keeps it while a role assignment may still be propagating, and dead-letters it with the reason once refused again an hour on", async () => {
      emulator.knobs.faults.push({ kinds: ["ingestion"], status: 403, code: "Forbidden", remaining: 1 });
      await clocked.write(rowsOf("run-403", 10));
      emulator.knobs.outages.ingestion = "serviceUnavailable";
      await clocked.write(rowsOf("run-later", 10));
      delete emulator.knobs.outages.ingestion;

      emulator.knobs.faults.push({ kinds: ["ingestion"], status: 403, code: "Forbidden", remaining: 1 });
      now = new Date(now.getTime() + 5 * 60_000);
      const early = await clocked.replaySpool();
      expect(early).toMatchObject({ batches: 2, delivered: 10, stillSpooled: 10, deadLettered: 0, stoppedEarly: false });
      expect(ledgerKeys()).toEqual(new Set(rowsOf("run-later", 10).map(keyOf)));

      emulator.knobs.faults.push({ kinds: ["ingestion"], status: 400, code: "InvalidStream", remaining: 1 });
      now = new Date(now.getTime() + DEAD_LETTER_AFTER_MS);
      const late = await clocked.replaySpool();
      expect(late).toMatchObject({ batches: 1, delivered: 0, stillSpooled: 0, deadLettered: 10, stoppedEarly: false });
      expect(describeReplay(late)).toMatch(/^spool replay: 1 batch\(es\); 0 delivered, 0 still spooled, 10 dead-lettered, 0 refused; dead-lettered to vaultwatch-spool-deadletter because: Logs Ingestion answered 400 InvalidStream/);
      expect(await clockedSpool.summary()).toMatchObject({ pendingBatches: 0 });
      const [letter] = await deadLettered();
      expect(letter?.body.reason).toMatch(/400 InvalidStream/);
      expect(letter?.body.rows).toHaveLength(10);
    });

    it("gives up on a hung Logs Ingestion call after the request timeout and spools its rows", async () => {
      const hung = new LogsIngestionClient(emulator.url, emulator.credential, {
        ...emulator.clientOptions(),
        retryOptions: { maxRetries: 0 },
        additionalPolicies: [{ policy: requestTimeoutPolicy(200), position: "perRetry" }],
      });
      emulator.knobs.latencyByKindMs.ingestion = 5_000;
      const writer = new FindingsWriter({ client: hung, ruleId: DCR, streamName: STREAM, spool: clockedSpool, clock });
      const report = await writer.write(rowsOf("run-hung", 5));
      emulator.knobs.latencyByKindMs = {};
      expect(report).toMatchObject({ delivered: 0, spooled: 5 });
      expect(report.failureReasons.join(" ")).toMatch(/abort/i);
    });

    it("leaves every batch in the spool when the replay dies part-way, and delivers them on the next run", async () => {
      emulator.knobs.outages.ingestion = "serviceUnavailable";
      await clocked.write(rowsOf("run-c1", 10));
      await clocked.write(rowsOf("run-c2", 10));
      delete emulator.knobs.outages.ingestion;
      let uploads = 0;
      const dying = new FindingsWriter({
        client: {
          upload: async (...args: Parameters<LogsIngestionClient["upload"]>) => {
            uploads += 1;
            if (uploads === 2) throw new Error("the worker was recycled");
            return client.upload(...args);
          },
        } as Pick<LogsIngestionClient, "upload">,
        ruleId: DCR,
        streamName: STREAM,
        spool: {
          ...clockedSpool,
          keep: (...args) => clockedSpool.keep(...args),
          reject: (...args) => clockedSpool.reject(...args),
          deadLetter: (...args) => clockedSpool.deadLetter(...args),
          summary: () => clockedSpool.summary(),
          claim: async function* () {
            for await (const batch of clockedSpool.claim()) {
              yield { ...batch, retain: async () => { throw new Error("the worker was recycled"); } };
            }
          },
        },
        clock,
      });
      await expect(dying.replaySpool()).rejects.toThrow(/recycled/);
      expect((await clockedSpool.summary()).pendingBatches).toBeGreaterThanOrEqual(1);

      const next = await clocked.replaySpool();
      expect(next.stillSpooled).toBe(0);
      expect(await clockedSpool.summary()).toMatchObject({ pendingBatches: 0 });
      expect(ledgerKeys()).toEqual(new Set([...rowsOf("run-c1", 10), ...rowsOf("run-c2", 10)].map(keyOf)));
    });
  });

  it("splits a chunk refused as too large (413) until the parts are accepted", async () => {
    emulator.knobs.faults.push({ kinds: ["ingestion"], status: 413, code: "ContentLengthLimitExceeded", remaining: 1 });
    const rows = rowsOf("run-413", 2_000);
    const report = await writer.write(rows);
    expect(report).toMatchObject({ delivered: 2_000, spooled: 0, rejected: [] });
    expect(ledgerKeys()).toEqual(new Set(rows.map(keyOf)));
    expect(emulator.ledger.records(STREAM)).toHaveLength(2_000);
  });

  it("cuts a field over 64 KB visibly and delivers the row", async () => {
    const [row] = rowsOf("run-big-evidence", 1) as [FindingRow];
    const huge = { ...row, Evidence: { ipRules: Array.from({ length: 20_000 }, (_, index) => `203.0.${index % 250}.0/24`) } };
    const report = await writer.write([huge]);
    expect(report).toMatchObject({ delivered: 1, truncated: 1 });
    expect(emulator.ledger.records(STREAM)[0]?.Evidence).toMatchObject({ truncated: true });
  });

  it("records with its reason a row the sink refuses as too large even when cut, and still delivers the rest", async () => {
    emulator.knobs.ingestion.maxRequestBytes = 20_000;
    const [normal, base] = rowsOf("run-too-large", 2) as [FindingRow, FindingRow];
    const text = "x".repeat(10_000);
    const tooLarge: FindingRow = { ...base, Reason: text, Remediation: text, ControlTitle: text, ChangeOperation: text, ChangeCallerRole: text, Evidence: { text } };
    const report = await writer.write([normal, tooLarge]);
    expect(report.delivered).toBe(1);
    expect(report.rejected).toEqual([{ row: tooLarge, reason: expect.stringMatching(/refused the record as too large \(413\) at \d+ bytes and again cut to \d+ bytes/) }]);
    expect(await spool.summary()).toMatchObject({ pendingRows: 0, rejectedBatches: 1 });
  });

  it("still delivers new rows when the spool's storage is unreachable, and reports the replay's error", async () => {
    const stranded = new FindingsWriter({ client, ruleId: DCR, streamName: STREAM, spool: new BlobSpool(unreachableContainer()) });
    const report = await stranded.write(rowsOf("run-no-spool", 30));
    expect(report).toMatchObject({ delivered: 30, spooled: 0, replay: { error: expect.stringContaining("ECONNREFUSED") } });
  });

  it("fails the write, saying how many rows were not kept, when the sink is down and the spool's storage is unreachable too", async () => {
    const stranded = new FindingsWriter({ client, ruleId: DCR, streamName: STREAM, spool: new BlobSpool(unreachableContainer()) });
    emulator.knobs.outages.ingestion = "serviceUnavailable";
    await expect(stranded.write(rowsOf("run-stranded", 30))).rejects.toThrow(/^30 of 30 findings rows were not delivered and could not be kept in the spool/);
  });

  it("delivers every one of 10,000 rows at least once through 30% 5xx, 429 bursts and an outage that recovers, and empties the spool", async () => {
    // The emulator answers with the first rule that matches, so bursts go in front of the standing 5xx rate.
    emulator.knobs.faults.push({ kinds: ["ingestion"], status: 500, rate: 0.3 });
    const burst = (withRetryAfter: boolean, remaining: number) =>
      emulator.knobs.faults.unshift({
        kinds: ["ingestion"],
        status: 429,
        remaining,
        ...(withRetryAfter ? { retryAfter: { style: "milliseconds" as const, milliseconds: 15 } } : {}),
      });
    const produced: FindingsRow[] = [];
    const reports: WriteReport[] = [];
    for (let batch = 0; batch < 10; batch += 1) {
      if (batch === 1) burst(true, 6);
      if (batch === 2) burst(false, 3);
      if (batch === 4) emulator.knobs.outages.ingestion = "connectionReset";
      if (batch === 7) delete emulator.knobs.outages.ingestion;
      if (batch === 8) burst(false, 2);
      const rows = rowsOf(`sweep-${batch}`, 1_000);
      produced.push(...rows);
      reports.push(await writer.write(rows));
    }
    expect(reports.slice(4, 7).map((report) => report.spooled)).toEqual([1_000, 1_000, 1_000]);
    expect(reports[7]?.replay.delivered).toBeGreaterThan(0);
    // The sink has recovered but still throws 5xx at 30% of calls; replays continue until the spool is empty.
    for (let round = 0; round < 10 && (await spool.summary()).pendingRows > 0; round += 1) await writer.replaySpool();

    expect(await spool.summary()).toMatchObject({ pendingBatches: 0, pendingRows: 0, rejectedBatches: 0 });
    const delivered = ledgerKeys();
    const missing = produced.filter((row) => !delivered.has(keyOf(row)));
    expect(missing).toEqual([]);
    expect(emulator.ledger.records(STREAM).length).toBeGreaterThanOrEqual(10_000);
    expect(emulator.counters.faults.ingestion).toBeGreaterThan(0);
    expect(emulator.counters.throttled.ingestion).toBe(11);
  });
});

describe("the findings writer's options", () => {
  it("refuses a concurrency that is not a positive integer", () => {
    expect(() => new FindingsWriter({ client, ruleId: DCR, streamName: STREAM, spool, maxConcurrency: 0 })).toThrow(
      "maxConcurrency must be a positive integer; got 0.",
    );
  });
});
