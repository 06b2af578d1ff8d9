import { isAggregateLogsUploadError } from "@azure/monitor-ingestion";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../emulator/index.js";
import { TEST_DCR, rawRequest, sdkClients } from "../support/emulatorClients.js";

const STREAM = "Custom-VaultwatchFindings";
const DECLARED_DCR = "dcr-ffffffffffffffffffffffffffffffff";

describe("the emulator's Logs Ingestion endpoint, driven by the real LogsIngestionClient", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({
      estate: { resources: 0, subscriptions: 1 },
      dataCollectionRules: {
        [TEST_DCR]: { [STREAM]: "anyColumns" },
        [DECLARED_DCR]: { [STREAM]: [{ name: "TimeGenerated", type: "datetime" }, { name: "ControlId", type: "string" }] },
      },
    });
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    emulator.ledger.clear();
    emulator.counters.reset();
    emulator.knobs.faults = [];
    emulator.knobs.outages = {};
  });

  it("accepts a gzipped upload with 204 and keeps every record in order in the ledger", async () => {
    const records = Array.from({ length: 50 }, (_, index) => ({ ControlId: `VW-NET-00${index % 7}`, Index: index }));
    await sdkClients(emulator).ingestion.upload(TEST_DCR, STREAM, records);
    expect(emulator.ledger.records(STREAM)).toEqual(records);
    expect(emulator.ledger.uploads).toHaveLength(1);
    expect(emulator.ledger.uploads[0]).toMatchObject({ dcrImmutableId: TEST_DCR, stream: STREAM, records: 50, gzipped: true });
  });

  it("splits nothing itself but accepts the SDK's own chunks, which may pass 1,000,000 bytes", async () => {
    // About 2.5 MB of records: the SDK sends three chunks just under and over 1,000,000 bytes uncompressed.
    const records = Array.from({ length: 2500 }, (_, index) => ({ Index: index, Padding: "x".repeat(990) }));
    await sdkClients(emulator).ingestion.upload(TEST_DCR, STREAM, records);
    expect(emulator.ledger.records(STREAM)).toHaveLength(2500);
    expect(emulator.ledger.uploads.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...emulator.ledger.uploads.map((upload) => upload.uncompressedBytes))).toBeGreaterThan(1_000_000);
  });

  it("refuses a body above 1 MiB uncompressed with 413, which the SDK reports without retrying", async () => {
    const huge = [{ Padding: "y".repeat(1_100_000) }];
    const failure = await sdkClients(emulator).ingestion.upload(TEST_DCR, STREAM, huge).catch((error: unknown) => error);
    expect(isAggregateLogsUploadError(failure)).toBe(true);
    const cause = (failure as { errors: { cause: { statusCode?: number; code?: string } }[] }).errors[0]?.cause;
    expect(cause?.statusCode).toBe(413);
    expect(cause?.code).toBe("ContentLengthLimitExceeded");
    expect(emulator.counters.requests.ingestion).toBe(1);
    expect(emulator.ledger.totalRecords()).toBe(0);
  });

  it("lets the SDK retry a 429 that carries a retry header, and records the batch once", async () => {
    emulator.knobs.faults.push({ kinds: ["ingestion"], status: 429, retryAfter: { style: "milliseconds", milliseconds: 10 }, remaining: 2 });
    await sdkClients(emulator).ingestion.upload(TEST_DCR, STREAM, [{ ControlId: "VW-DP-001" }]);
    expect(emulator.counters.requests.ingestion).toBe(3);
    expect(emulator.counters.throttled.ingestion).toBe(2);
    expect(emulator.ledger.records(STREAM)).toEqual([{ ControlId: "VW-DP-001" }]);
  });

  it("answers a 429 without a retry header, which the SDK gives up on at once", async () => {
    emulator.knobs.faults.push({ kinds: ["ingestion"], status: 429, remaining: 1 });
    const failure = await sdkClients(emulator).ingestion.upload(TEST_DCR, STREAM, [{ ControlId: "VW-DP-001" }]).catch((error: unknown) => error);
    expect(isAggregateLogsUploadError(failure)).toBe(true);
    expect(emulator.counters.requests.ingestion).toBe(1);
    expect(emulator.ledger.totalRecords()).toBe(0);
  });

  it("drops the connection during an outage and accepts again once it ends", async () => {
    emulator.knobs.outages.ingestion = "connectionReset";
    const failure = await sdkClients(emulator).ingestion.upload(TEST_DCR, STREAM, [{ ControlId: "VW-NET-001" }]).catch((error: unknown) => error);
    expect(isAggregateLogsUploadError(failure)).toBe(true);
    expect(emulator.counters.faults.ingestion).toBeGreaterThan(1);
    delete emulator.knobs.outages.ingestion;
    await sdkClients(emulator).ingestion.upload(TEST_DCR, STREAM, [{ ControlId: "VW-NET-001" }]);
    expect(emulator.ledger.records(STREAM)).toEqual([{ ControlId: "VW-NET-001" }]);
  });

  it("keeps only declared columns for a declared stream and lists what it dropped", async () => {
    await sdkClients(emulator).ingestion.upload(DECLARED_DCR, STREAM, [{ ControlId: "VW-IAM-001", Surprise: 1, TimeGenerated: "2026-01-01T00:00:00Z" }]);
    expect(emulator.ledger.records(STREAM)).toEqual([{ ControlId: "VW-IAM-001", TimeGenerated: "2026-01-01T00:00:00Z" }]);
    expect([...emulator.ledger.droppedFields(STREAM)]).toEqual(["Surprise"]);
  });

  it("refuses a stream the rule does not declare and a rule it does not know", async () => {
    const undeclared = await sdkClients(emulator).ingestion.upload(DECLARED_DCR, "Custom-Other", [{ a: 1 }]).catch((error: unknown) => error);
    expect((undeclared as { errors: { cause: { statusCode?: number } }[] }).errors[0]?.cause.statusCode).toBe(400);
    const unknownRule = await sdkClients(emulator).ingestion.upload("dcr-00000000000000000000000000000000", STREAM, [{ a: 1 }]).catch((error: unknown) => error);
    expect((unknownRule as { errors: { cause: { statusCode?: number } }[] }).errors[0]?.cause.statusCode).toBe(404);
  });

  it("reads the api-version however it is encoded and refuses any other version", async () => {
    const path = `/dataCollectionRules/${TEST_DCR}/streams/${STREAM}`;
    expect((await rawRequest(emulator, "POST", `${path}?api%2Dversion=2023-01-01`, { body: [{ a: 1 }], gzip: true })).status).toBe(204);
    const wrong = await rawRequest(emulator, "POST", `${path}?api-version=2021-11-01-preview`, { body: [{ a: 1 }] });
    expect(wrong.status).toBe(400);
    expect(wrong.headers["x-ms-error-code"]).toBe("InvalidApiVersion");
  });

  it("refuses bodies that are not an array of objects, and requests without a bearer token", async () => {
    const path = `/dataCollectionRules/${TEST_DCR}/streams/${STREAM}?api-version=2023-01-01`;
    expect((await rawRequest(emulator, "POST", path, { body: { a: 1 } })).status).toBe(400);
    expect((await rawRequest(emulator, "POST", path, { body: [1, 2] })).status).toBe(400);
    expect((await rawRequest(emulator, "POST", path, { body: "not json" })).status).toBe(400);
    expect((await rawRequest(emulator, "POST", path, { body: [{ a: 1 }], bearer: false })).status).toBe(401);
    expect(emulator.ledger.totalRecords()).toBe(0);
  });
});
