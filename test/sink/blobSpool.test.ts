import { randomUUID } from "node:crypto";
import type { ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BlobSpool, type ClaimedBatch } from "../../shared/sink/blobSpool.js";
import { buildFindingRows } from "../../shared/sink/findingRows.js";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";
import { containerClientFor } from "../../shared/state/storageClients.js";
import { startAzurite, type LocalAzurite } from "../support/azurite.js";
import { evaluationOf, vaultId } from "./evaluations.js";

let azurite: LocalAzurite;
let container: ContainerClient;
let spool: BlobSpool;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
beforeEach(async () => {
  container = containerClientFor({ kind: "connectionString", connectionString: azurite.connectionString }, `spool-${randomUUID()}`);
  spool = await BlobSpool.open(container);
});

function rows(name: string): FindingRow[] {
  return buildFindingRows({
    evaluation: evaluationOf({ id: vaultId(name) }),
    observedAt: new Date("2026-11-24T06:00:00Z"),
    run: { runId: `run-${name}`, trigger: "sweep" },
    transitions: new Map(),
  });
}

async function claimAll(): Promise<ClaimedBatch[]> {
  const claimed: ClaimedBatch[] = [];
  for await (const batch of spool.claim()) {
    claimed.push(batch);
    await batch.release();
  }
  return claimed;
}

async function blobNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const item of container.listBlobsFlat()) names.push(item.name);
  return names;
}

describe("the blob spool", () => {
  it("keeps each failed batch as one blob and hands batches back oldest first with their rows intact", async () => {
    await spool.keep(rows("kv-1"), { reason: "503 ServiceUnavailable", statusCode: 503 });
    await spool.keep(rows("kv-2"), { reason: "429 TooManyRequests", statusCode: 429 });
    const claimed = await claimAll();
    expect(claimed.map((batch) => batch.rows)).toEqual([rows("kv-1"), rows("kv-2")]);
    expect(await spool.summary()).toMatchObject({ pendingBatches: 2, pendingRows: 24, rejectedBatches: 0 });
  });

  it("deletes a batch only once it is completed", async () => {
    await spool.keep(rows("kv-1"), { reason: "outage" });
    for await (const batch of spool.claim()) await batch.complete();
    expect(await spool.summary()).toMatchObject({ pendingBatches: 0, pendingRows: 0, oldestPendingAt: undefined });
  });

  it("replaces a partly delivered batch by the rows still undelivered, counting the attempt and keeping the first failure time", async () => {
    await spool.keep(rows("kv-1"), { reason: "outage" });
    const before = await spool.summary();
    for await (const batch of spool.claim()) await batch.retain(batch.rows.slice(0, 5), { reason: "still 503", statusCode: 503 });
    const [batch] = await claimAll();
    expect(batch?.rows).toEqual(rows("kv-1").slice(0, 5));
    expect(batch?.attempts).toBe(1);
    expect(await spool.summary()).toMatchObject({ pendingBatches: 1, pendingRows: 5, oldestPendingAt: before.oldestPendingAt });
  });

  it("never hands the same batch to two replayers at once", async () => {
    await spool.keep(rows("kv-1"), { reason: "outage" });
    const first = spool.claim();
    const held = await first.next();
    expect(held.done).toBe(false);
    expect(await claimAll()).toEqual([]);
    if (!held.done) await held.value.release();
    await first.return(undefined);
    expect(await claimAll()).toHaveLength(1);
  });

  it("gives a batch back when the replayer stops without settling it", async () => {
    await spool.keep(rows("kv-1"), { reason: "outage" });
    for await (const _batch of spool.claim()) break;
    expect(await claimAll()).toHaveLength(1);
  });

  it("keeps refused rows with their reason under rejected/, apart from the replayable ones", async () => {
    const [row] = rows("kv-1");
    await spool.reject([{ row: row as FindingRow, reason: "413 even when cut" }]);
    expect(await claimAll()).toEqual([]);
    const names = await blobNames();
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^rejected\//);
    const content = JSON.parse((await container.getBlobClient(names[0] as string).downloadToBuffer()).toString("utf8"));
    expect(content).toEqual({ rows: [{ row, reason: "413 even when cut" }] });
    expect(await spool.summary()).toMatchObject({ pendingBatches: 0, rejectedBatches: 1 });
  });

  it("moves an unreadable blob to rejected/ with the reason instead of replaying or deleting it", async () => {
    await container.getBlockBlobClient("pending/0000-corrupt.json").upload("[{\"RunId\": 1", 12);
    expect(await claimAll()).toEqual([]);
    const names = await blobNames();
    expect(names).toEqual([expect.stringMatching(/^rejected\//)]);
    const content = JSON.parse((await container.getBlobClient(names[0] as string).downloadToBuffer()).toString("utf8"));
    expect(content).toEqual({ reason: "Spooled batch pending/0000-corrupt.json is unreadable: the blob is not JSON.", unreadable: "[{\"RunId\": 1" });
  });
});
