import { randomUUID } from "node:crypto";
import { isRestError } from "@azure/core-rest-pipeline";
import type { BlobItem, ContainerClient } from "@azure/storage-blob";
import type { FindingsRow } from "./findingsSchema.js";

export const SPOOL_CONTAINER_NAME = "vaultwatch-spool";
/**
 * Batches Logs Ingestion refused permanently (a 4xx other than 408 and 429, twice): kept with the refusal so an
 * operator can fix the cause (a DCR or role change) and copy them back under `pending/` of the spool to replay.
 */
export const SPOOL_DEAD_LETTER_CONTAINER_NAME = "vaultwatch-spool-deadletter";

const PENDING_PREFIX = "pending/";
const REJECTED_PREFIX = "rejected/";
/** Long enough for one batch's upload and its SDK retries; renewed while the batch is being replayed. */
const LEASE_SECONDS = 60;
const LEASE_RENEW_EVERY_MS = 20_000;
const MAX_METADATA_TEXT = 256;

/** Why rows could not be delivered. */
export interface DeliveryFailure {
  readonly reason: string;
  readonly statusCode?: number;
}

/** How long a batch has been waiting: carried over when a replay keeps part of it. */
export interface SpoolHistory {
  readonly attempts: number;
  readonly firstFailedAt: Date;
}

/** A row the service will never accept, kept with the reason instead of being dropped. */
export interface RefusedRow {
  readonly row: FindingsRow;
  readonly reason: string;
}

export interface SpoolSummary {
  readonly pendingBatches: number;
  readonly pendingRows: number;
  readonly oldestPendingAt: Date | undefined;
  readonly rejectedBatches: number;
}

/** A spooled batch this process holds the lease on; settle it with exactly one of the three methods. */
export interface ClaimedBatch {
  readonly name: string;
  readonly rows: readonly FindingsRow[];
  /** Replays tried before this one. */
  readonly attempts: number;
  readonly firstFailedAt: Date;
  /** The status of the refusal that put the batch here, when there was one. */
  readonly lastStatus: number | undefined;
  /** Every row was accepted: the batch is deleted. */
  complete(): Promise<void>;
  /** Some rows are still undelivered: they replace the batch (new blob first, then the old one goes). */
  retain(rows: readonly FindingsRow[], failure: DeliveryFailure): Promise<void>;
  /** Nothing was tried: the batch stays as it was. */
  release(): Promise<void>;
}

/** Durable keeping of rows the sink could not deliver yet. */
export interface FindingsSpool {
  keep(rows: readonly FindingsRow[], failure: DeliveryFailure, history?: SpoolHistory): Promise<void>;
  reject(refused: readonly RefusedRow[]): Promise<void>;
  /** Keeps rows the service refused for good (not one at a time, a whole call) with the refusal, off the replay path. */
  deadLetter(rows: readonly FindingsRow[], failure: DeliveryFailure, history: SpoolHistory): Promise<void>;
  /** Pending batches, oldest first, each leased so concurrent replayers never send the same batch twice. */
  claim(): AsyncGenerator<ClaimedBatch>;
  summary(): Promise<SpoolSummary>;
}

/** Header-safe metadata text: ASCII printable only, bounded. */
function metadataText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_METADATA_TEXT);
}

let sequence = 0;

function blobName(prefix: string, now: Date): string {
  // ISO time, then a counter, first: listing order (lexicographic) is age order, within a millisecond too.
  sequence = (sequence + 1) % 1_000_000;
  return `${prefix}${now.toISOString().replace(/[:.]/g, "-")}-${String(sequence).padStart(6, "0")}-${randomUUID()}.json`;
}

function isStatus(error: unknown, ...statuses: number[]): boolean {
  return isRestError(error) && error.statusCode !== undefined && statuses.includes(error.statusCode);
}

function parseRows(text: string): FindingsRow[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "the blob is not JSON";
  }
  if (!Array.isArray(value)) return "the blob is not a JSON array of rows";
  for (const [index, row] of value.entries()) {
    if (typeof row !== "object" || row === null || Array.isArray(row)) return `item ${index} is not an object`;
    const record = row as Record<string, unknown>;
    if (typeof record.RunId !== "string" || typeof record.TimeGenerated !== "string") {
      return `item ${index} lacks RunId or TimeGenerated`;
    }
  }
  return value as FindingsRow[];
}

/**
 * The spool on Azure Blob Storage (container `vaultwatch-spool`): one blob per failed batch under `pending/`,
 * deleted only after its rows were accepted; rows the service can never accept go under `rejected/` with
 * their reason. Metadata carries row counts and attempts so a summary needs no downloads.
 */
export class BlobSpool implements FindingsSpool {
  constructor(
    private readonly container: ContainerClient,
    private readonly clock: () => Date = () => new Date(),
    private readonly deadLetters: ContainerClient = container,
  ) {}

  /** Creates the containers when they do not exist yet. */
  static async open(container: ContainerClient, clock?: () => Date, deadLetters?: ContainerClient): Promise<BlobSpool> {
    await container.createIfNotExists();
    await deadLetters?.createIfNotExists();
    return new BlobSpool(container, clock, deadLetters);
  }

  async deadLetter(rows: readonly FindingsRow[], failure: DeliveryFailure, history: SpoolHistory): Promise<void> {
    if (rows.length === 0) return;
    const now = this.clock();
    const body = JSON.stringify({ reason: failure.reason, statusCode: failure.statusCode, attempts: history.attempts, firstFailedAt: history.firstFailedAt, rows });
    await this.deadLetters.getBlockBlobClient(blobName("", now)).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
      metadata: {
        rows: String(rows.length),
        attempts: String(history.attempts),
        firstfailedat: history.firstFailedAt.toISOString(),
        lastreason: metadataText(failure.reason),
        ...(failure.statusCode === undefined ? {} : { laststatus: String(failure.statusCode) }),
      },
    });
  }

  async keep(rows: readonly FindingsRow[], failure: DeliveryFailure, history?: SpoolHistory): Promise<void> {
    if (rows.length === 0) return;
    const now = this.clock();
    const firstFailedAt = history?.firstFailedAt ?? now;
    const body = JSON.stringify(rows);
    await this.container.getBlockBlobClient(blobName(PENDING_PREFIX, now)).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
      metadata: {
        rows: String(rows.length),
        attempts: String(history?.attempts ?? 0),
        firstfailedat: firstFailedAt.toISOString(),
        lastreason: metadataText(failure.reason),
        ...(failure.statusCode === undefined ? {} : { laststatus: String(failure.statusCode) }),
      },
    });
  }

  async reject(refused: readonly RefusedRow[]): Promise<void> {
    if (refused.length === 0) return;
    await this.writeRejected({ rows: refused }, refused.length);
  }

  private async writeRejected(content: object, rows: number): Promise<void> {
    const body = JSON.stringify(content);
    await this.container.getBlockBlobClient(blobName(REJECTED_PREFIX, this.clock())).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
      metadata: { rows: String(rows) },
    });
  }

  private async list(prefix: string): Promise<BlobItem[]> {
    const items: BlobItem[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix, includeMetadata: true })) items.push(item);
    return items.sort((a, b) => a.name.localeCompare(b.name));
  }

  async summary(): Promise<SpoolSummary> {
    const pending = await this.list(PENDING_PREFIX);
    const rejected = await this.list(REJECTED_PREFIX);
    let rows = 0;
    let oldest: Date | undefined;
    for (const item of pending) {
      rows += Number(item.metadata?.rows ?? 0);
      const firstFailedAt = item.metadata?.firstfailedat === undefined ? item.properties.createdOn : new Date(item.metadata.firstfailedat);
      if (firstFailedAt !== undefined && (oldest === undefined || firstFailedAt < oldest)) oldest = firstFailedAt;
    }
    return { pendingBatches: pending.length, pendingRows: rows, oldestPendingAt: oldest, rejectedBatches: rejected.length };
  }

  async *claim(): AsyncGenerator<ClaimedBatch> {
    // Listed once up front: batches re-spooled during this replay wait for the next one.
    const names = (await this.list(PENDING_PREFIX)).map((item) => ({ name: item.name, metadata: item.metadata ?? {} }));
    for (const { name, metadata } of names) {
      const blob = this.container.getBlockBlobClient(name);
      const lease = blob.getBlobLeaseClient();
      try {
        await lease.acquireLease(LEASE_SECONDS);
      } catch (error) {
        // 409: another replayer holds it; 404: it was completed meanwhile.
        if (isStatus(error, 404, 409, 412)) continue;
        throw error;
      }
      const renewal = setInterval(() => {
        lease.renewLease().catch(() => undefined);
      }, LEASE_RENEW_EVERY_MS);
      renewal.unref();
      let settled = false;
      const settle = async (action: () => Promise<unknown>): Promise<void> => {
        if (settled) throw new Error(`Spooled batch ${name} was already settled.`);
        settled = true;
        clearInterval(renewal);
        await action();
      };
      try {
        const text = (await blob.downloadToBuffer()).toString("utf8");
        const rows = parseRows(text);
        if (typeof rows === "string") {
          await settle(async () => {
            await this.writeRejected({ reason: `Spooled batch ${name} is unreadable: ${rows}.`, unreadable: text }, 0);
            await blob.delete({ conditions: { leaseId: lease.leaseId } });
          });
          continue;
        }
        const recordedAttempts = Number(metadata.attempts ?? 0);
        const attempts = Number.isFinite(recordedAttempts) ? recordedAttempts : 0;
        const recordedFirst = metadata.firstfailedat === undefined ? undefined : new Date(metadata.firstfailedat);
        const firstFailedAt = recordedFirst !== undefined && !Number.isNaN(recordedFirst.getTime()) ? recordedFirst : this.clock();
        const lastStatus = metadata.laststatus === undefined ? undefined : Number(metadata.laststatus);
        yield {
          name,
          rows,
          attempts,
          firstFailedAt,
          lastStatus: Number.isInteger(lastStatus) ? lastStatus : undefined,
          complete: () => settle(() => blob.delete({ conditions: { leaseId: lease.leaseId } })),
          retain: (remaining, failure) =>
            settle(async () => {
              await this.keep(remaining, failure, { attempts: attempts + 1, firstFailedAt });
              await blob.delete({ conditions: { leaseId: lease.leaseId } });
            }),
          release: () => settle(() => lease.releaseLease()),
        };
      } finally {
        clearInterval(renewal);
        if (!settled) {
          settled = true;
          await lease.releaseLease().catch(() => undefined);
        }
      }
    }
  }
}
