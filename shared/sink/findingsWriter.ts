import { isRestError } from "@azure/core-rest-pipeline";
import { isAggregateLogsUploadError, type LogsIngestionClient, type LogsUploadOptions } from "@azure/monitor-ingestion";
import { SPOOL_CONTAINER_NAME, SPOOL_DEAD_LETTER_CONTAINER_NAME, type DeliveryFailure, type FindingsSpool, type RefusedRow } from "./blobSpool.js";
import type { FindingsRow } from "./findingsSchema.js";
import { fitRecord, LAST_RESORT_LIMITS, utf8Bytes } from "./recordLimits.js";

/** Chunks in flight at once, through the SDK's own pool. */
export const DEFAULT_MAX_CONCURRENCY = 4;

/**
 * A 413 for a call this small cannot be about size (the documented limit is 1 MB): it is treated like any
 * other failure (spooled and replayed) rather than split further or refused as too large.
 */
const SIZE_UNRELATED_BELOW_BYTES = 8_192;

export interface FindingsWriterOptions {
  /** Only `upload` is used; the client brings the SDK's retry policy (429 Retry-After, 5xx backoff). */
  readonly client: Pick<LogsIngestionClient, "upload">;
  /** Immutable id of the data collection rule (`dcr-` + 32 hex). */
  readonly ruleId: string;
  readonly streamName: string;
  readonly spool: FindingsSpool;
  readonly maxConcurrency?: number;
  /** For the age of spooled batches (dead-lettering waits `DEAD_LETTER_AFTER_MS`). */
  readonly clock?: () => Date;
}

/**
 * How long a batch is refused permanently before it is dead-lettered. A new role assignment takes up to 30 minutes
 * to reach the Logs Ingestion API (docs/deploy.md), answering 403 meanwhile; those rows must wait, not be set
 * aside. Until then such a batch is retried each run but never holds up the batches behind it.
 */
export const DEAD_LETTER_AFTER_MS = 60 * 60_000;

export interface WriteOptions {
  /** Stops before the next send; rows not sent yet go to the spool. Sends in flight finish. */
  readonly abortSignal?: LogsUploadOptions["abortSignal"];
}

export interface ReplayReport {
  /** Spooled batches tried. */
  readonly batches: number;
  readonly delivered: number;
  /** Rows that went back to the spool. */
  readonly stillSpooled: number;
  readonly rejected: readonly RefusedRow[];
  /** Rows of batches refused permanently a second time, moved to the dead-letter container. */
  readonly deadLettered: number;
  /** Why batches were dead-lettered (at most five distinct reasons). */
  readonly deadLetterReasons: readonly string[];
  /** The service still refused a whole batch, so later batches were left for the next replay. */
  readonly stoppedEarly: boolean;
  /** Another replay was already running in this process; this call left the spool to it. */
  readonly skipped: boolean;
  /** Set when the spool could not be read or settled (storage unreachable); the spooled rows stay where they are. */
  readonly error?: string;
}

export interface WriteReport {
  /** Rows of this call accepted by Logs Ingestion. */
  readonly delivered: number;
  /** Rows of this call kept in the spool for a later replay. */
  readonly spooled: number;
  /** Rows of this call the service can never accept; kept in the spool's rejected area with the reason. */
  readonly rejected: readonly RefusedRow[];
  /** Rows of this call cut to the service's field or record limits (the cut is marked in the row). */
  readonly truncated: number;
  /** Distinct reasons the spooled rows of this call were not delivered (at most five). */
  readonly failureReasons: readonly string[];
  /** What replaying the spool before this upload did. */
  readonly replay: ReplayReport;
}

interface DeliveryOutcome {
  delivered: number;
  truncated: number;
  failed: { rows: FindingsRow[]; failure: DeliveryFailure }[];
  refused: RefusedRow[];
}

/**
 * A refusal no retry will change by itself: a 4xx other than 408 (timeout), 429 (throttled) and 413 (size, which
 * the writer settles by splitting). 400 (a DCR that does not match the rows), 401/403 (a role not granted),
 * 404 (a wrong rule or stream) need someone to act. Such a batch never holds up the batches behind it, and one
 * refused so again on a replay `DEAD_LETTER_AFTER_MS` after it was first spooled is dead-lettered.
 */
export function isPermanentRefusal(statusCode: number | undefined): boolean {
  return statusCode !== undefined && statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429 && statusCode !== 413;
}

/**
 * One line per write on what the spool replay did, logged on every run whatever happened, so a stalled or failing
 * spool shows in the traces; the delivery-backlog alert reads "N still spooled", "N dead-lettered" and "replay failed".
 */
export function describeReplay(replay: ReplayReport): string {
  if (replay.skipped) return "spool replay: skipped (another replay is running in this process)";
  const parts = [
    `spool replay: ${replay.batches} batch(es)`,
    `${replay.delivered} delivered, ${replay.stillSpooled} still spooled, ${replay.deadLettered} dead-lettered, ${replay.rejected.length} refused`,
  ];
  if (replay.deadLettered > 0) parts.push(`dead-lettered to ${SPOOL_DEAD_LETTER_CONTAINER_NAME} because: ${replay.deadLetterReasons.join("; ")}`);
  if (replay.stoppedEarly) parts.push("stopped at a batch the service still refuses; later batches wait for the next run");
  if (replay.error !== undefined) parts.push(`replay failed: ${replay.error}`);
  return parts.join("; ");
}

/** What several replays did together (a shard writes a few times). */
export function mergeReplays(a: ReplayReport | undefined, b: ReplayReport): ReplayReport {
  if (a === undefined) return b;
  return {
    batches: a.batches + b.batches,
    delivered: a.delivered + b.delivered,
    stillSpooled: a.stillSpooled + b.stillSpooled,
    rejected: [...a.rejected, ...b.rejected],
    deadLettered: a.deadLettered + b.deadLettered,
    deadLetterReasons: [...new Set([...a.deadLetterReasons, ...b.deadLetterReasons])].slice(0, 5),
    stoppedEarly: a.stoppedEarly || b.stoppedEarly,
    skipped: a.skipped && b.skipped,
    ...(a.error !== undefined || b.error !== undefined ? { error: [a.error, b.error].filter((e) => e !== undefined).join("; ") } : {}),
  };
}

/** Whether a replay left something for an operator to look at. */
export function replayNeedsAttention(replay: ReplayReport): boolean {
  return replay.stillSpooled > 0 || replay.deadLettered > 0 || replay.error !== undefined || replay.rejected.length > 0;
}

/**
 * The warning to log after a write, or `undefined` when everything was delivered. It names the spool
 * container, which the delivery-backlog alert looks for in the Function app's traces.
 */
export function deliveryWarning(report: WriteReport): string | undefined {
  const parts: string[] = [];
  if (report.spooled > 0) {
    parts.push(`${report.spooled} findings rows kept in blob container ${SPOOL_CONTAINER_NAME} for a later replay (${report.failureReasons.join("; ")})`);
  }
  if (report.replay.stillSpooled > 0) parts.push(`${report.replay.stillSpooled} spooled rows still undelivered after a replay`);
  if (report.replay.error !== undefined) parts.push(`the spool in ${SPOOL_CONTAINER_NAME} could not be replayed: ${report.replay.error}`);
  const rejected = report.rejected.length + report.replay.rejected.length;
  if (rejected > 0) parts.push(`${rejected} rows refused by Logs Ingestion, kept with their reason under ${SPOOL_CONTAINER_NAME}/rejected/`);
  return parts.length === 0 ? undefined : `${parts.join("; ")}.`;
}

function emptyOutcome(): DeliveryOutcome {
  return { delivered: 0, truncated: 0, failed: [], refused: [] };
}

function mergeInto(target: DeliveryOutcome, source: DeliveryOutcome): void {
  target.delivered += source.delivered;
  target.truncated += source.truncated;
  target.failed.push(...source.failed);
  target.refused.push(...source.refused);
}

function abandoned(rows: FindingsRow[]): DeliveryOutcome {
  const outcome = emptyOutcome();
  if (rows.length > 0) outcome.failed.push({ rows, failure: { reason: "The write was aborted before these rows were sent." } });
  return outcome;
}

function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

function describe(error: unknown): DeliveryFailure {
  if (isRestError(error)) {
    const code = error.code === undefined ? "" : ` ${error.code}`;
    return {
      reason: `Logs Ingestion answered ${error.statusCode ?? "no status"}${code}: ${error.message}`,
      ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  return { reason: `Logs Ingestion could not be reached${typeof code === "string" ? ` (${code})` : ""}: ${message}` };
}

function callBytes(rows: readonly FindingsRow[]): number {
  return utf8Bytes(JSON.stringify(rows));
}

/**
 * Writes findings rows through `LogsIngestionClient`: the SDK chunks them (under 1 MB per call) and retries
 * throttling and server errors; what still fails is kept in the spool and replayed before the next upload.
 * A call refused as too large (413) is split until the parts fit; a single row is cut to tighter limits, and
 * refused with its reason only when even that does not fit. Nothing is dropped without a record.
 */
export class FindingsWriter {
  private readonly client: Pick<LogsIngestionClient, "upload">;
  private readonly ruleId: string;
  private readonly streamName: string;
  private readonly spool: FindingsSpool;
  private readonly maxConcurrency: number;
  private readonly clock: () => Date;
  private replaying: Promise<ReplayReport> | undefined;

  constructor(options: FindingsWriterOptions) {
    if (!Number.isInteger(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY) || (options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY) < 1) {
      throw new RangeError(`maxConcurrency must be a positive integer; got ${String(options.maxConcurrency)}.`);
    }
    this.client = options.client;
    this.ruleId = options.ruleId;
    this.streamName = options.streamName;
    this.spool = options.spool;
    this.maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Replays the spool, then uploads `rows`. Resolves once every row is delivered, spooled or refused with
   * its reason; rejects only when rows could be neither delivered nor spooled (storage unreachable), in
   * which case the caller must retry the whole write (duplicates collapse on RunId in KQL).
   */
  async write(rows: readonly FindingsRow[], options: WriteOptions = {}): Promise<WriteReport> {
    const replay = await this.replaySpoolOnce(options);
    let truncated = 0;
    const fitted = rows.map((row) => {
      const result = fitRecord(row);
      if (result.truncatedColumns.length > 0) truncated += 1;
      return result.row;
    });
    const outcome = options.abortSignal?.aborted ? abandoned(fitted) : await this.deliver(fitted);
    await this.keepUndelivered(outcome, fitted.length);
    return {
      delivered: outcome.delivered,
      spooled: outcome.failed.reduce((sum, failure) => sum + failure.rows.length, 0),
      rejected: outcome.refused,
      truncated: truncated + outcome.truncated,
      failureReasons: [...new Set(outcome.failed.map((failure) => failure.failure.reason))].slice(0, 5),
      replay,
    };
  }

  /** Sends every spooled batch again, oldest first; stops at the first batch the service still refuses whole. */
  async replaySpool(options: WriteOptions = {}): Promise<ReplayReport> {
    let batches = 0;
    let delivered = 0;
    let stillSpooled = 0;
    let deadLettered = 0;
    const deadLetterReasons = new Set<string>();
    let stoppedEarly = false;
    const rejected: RefusedRow[] = [];
    // Each batch is settled (deleted, replaced, or dead-lettered and deleted) only after its rows are safe elsewhere;
    // a crash at any point leaves the batch under its lease, which lapses, so the next replay takes it up again.
    for await (const batch of this.spool.claim()) {
      if (options.abortSignal?.aborted) {
        await batch.release();
        break;
      }
      batches += 1;
      const outcome = await this.deliver(batch.rows);
      delivered += outcome.delivered;
      await this.spool.reject(outcome.refused);
      rejected.push(...outcome.refused);
      const repeatedRefusal =
        isPermanentRefusal(batch.lastStatus) && this.clock().getTime() - batch.firstFailedAt.getTime() >= DEAD_LETTER_AFTER_MS;
      const permanent = repeatedRefusal ? outcome.failed.filter((failure) => isPermanentRefusal(failure.failure.statusCode)) : [];
      const transient = outcome.failed.filter((failure) => !permanent.includes(failure));
      for (const { rows, failure } of permanent) {
        await this.spool.deadLetter(rows, failure, { attempts: batch.attempts + 1, firstFailedAt: batch.firstFailedAt });
        deadLettered += rows.length;
        deadLetterReasons.add(failure.reason);
      }
      const undelivered = transient.flatMap((failure) => failure.rows);
      const firstFailure = transient[0]?.failure;
      if (firstFailure === undefined) {
        await batch.complete();
        continue;
      }
      stillSpooled += undelivered.length;
      await batch.retain(undelivered, firstFailure);
      // A whole batch refused for a passing reason (outage, throttling): the service is not taking rows now, so the
      // older-first order is kept and the rest waits. A permanent refusal never stops the replay.
      if (outcome.delivered === 0 && outcome.refused.length === 0 && permanent.length === 0 && !isPermanentRefusal(firstFailure.statusCode)) {
        stoppedEarly = true;
        break;
      }
    }
    return { batches, delivered, stillSpooled, rejected, deadLettered, deadLetterReasons: [...deadLetterReasons].slice(0, 5), stoppedEarly, skipped: false };
  }

  private async replaySpoolOnce(options: WriteOptions): Promise<ReplayReport> {
    if (this.replaying !== undefined) {
      return { batches: 0, delivered: 0, stillSpooled: 0, rejected: [], deadLettered: 0, deadLetterReasons: [], stoppedEarly: false, skipped: true };
    }
    this.replaying = this.replaySpool(options);
    try {
      return await this.replaying;
    } catch (error) {
      // The spool being out of reach must not stop new rows from being delivered; they fail on their own if the sink is down too.
      return {
        batches: 0,
        delivered: 0,
        stillSpooled: 0,
        rejected: [],
        deadLettered: 0,
        deadLetterReasons: [],
        stoppedEarly: true,
        skipped: false,
        error: error instanceof Error ? error.message : String(error),
      };
    } finally {
      this.replaying = undefined;
    }
  }

  private async keepUndelivered(outcome: DeliveryOutcome, total: number): Promise<void> {
    let unkept = outcome.failed.reduce((sum, failure) => sum + failure.rows.length, 0) + outcome.refused.length;
    try {
      // One blob per failed chunk: each is replayed, and deleted, on its own.
      for (const { rows, failure } of outcome.failed) {
        await this.spool.keep(rows, failure);
        unkept -= rows.length;
      }
      await this.spool.reject(outcome.refused);
    } catch (error) {
      throw new Error(
        `${unkept} of ${total} findings rows were not delivered and could not be kept in the spool: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * No abort signal reaches the SDK: its pool skips unsent chunks on abort without reporting them, which
   * would make them look delivered. Aborting therefore stops before a send, and the rows go to the spool.
   */
  private async upload(rows: readonly FindingsRow[]): Promise<void> {
    await this.client.upload(this.ruleId, this.streamName, rows as unknown as Record<string, unknown>[], {
      maxConcurrency: this.maxConcurrency,
    });
  }

  private async deliver(rows: readonly FindingsRow[]): Promise<DeliveryOutcome> {
    const outcome = emptyOutcome();
    if (rows.length === 0) return outcome;
    try {
      await this.upload(rows);
      outcome.delivered = rows.length;
      return outcome;
    } catch (error) {
      if (!isAggregateLogsUploadError(error)) {
        // Not a per-chunk failure: nothing says which rows got through, so all of them are kept.
        outcome.failed.push({ rows: [...rows], failure: describe(error) });
        return outcome;
      }
      // The aggregate lists every failed chunk, the same ones `onError` would be called with; one source, no double count.
      const failedRows = error.errors.reduce((sum, failure) => sum + failure.failedLogs.length, 0);
      outcome.delivered = rows.length - failedRows;
      for (const failure of error.errors) {
        const failed = failure.failedLogs as unknown as FindingsRow[];
        if (statusOf(failure.cause) === 413) mergeInto(outcome, await this.resolveTooLarge(failed, failure.cause));
        else outcome.failed.push({ rows: failed, failure: describe(failure.cause) });
      }
      return outcome;
    }
  }

  private async resolveTooLarge(rows: FindingsRow[], cause: Error): Promise<DeliveryOutcome> {
    const bytes = callBytes(rows);
    if (bytes < SIZE_UNRELATED_BELOW_BYTES) {
      const outcome = emptyOutcome();
      outcome.failed.push({ rows, failure: describe(cause) });
      return outcome;
    }
    if (rows.length > 1) {
      const middle = Math.ceil(rows.length / 2);
      const outcome = await this.deliver(rows.slice(0, middle));
      mergeInto(outcome, await this.deliver(rows.slice(middle)));
      return outcome;
    }
    return this.resolveTooLargeRow(rows[0] as FindingsRow, bytes, cause);
  }

  private async resolveTooLargeRow(row: FindingsRow, bytes: number, cause: Error): Promise<DeliveryOutcome> {
    const outcome = emptyOutcome();
    const refuse = (reason: string) => outcome.refused.push({ row, reason });
    const squeezed = fitRecord(row, LAST_RESORT_LIMITS);
    const squeezedBytes = callBytes([squeezed.row]);
    if (squeezed.truncatedColumns.length === 0 || squeezedBytes >= bytes) {
      refuse(`Logs Ingestion refused the ${bytes}-byte record as too large (413) and it cannot be cut further: ${cause.message}`);
      return outcome;
    }
    try {
      await this.upload([squeezed.row]);
      outcome.delivered = 1;
      outcome.truncated = 1;
    } catch (error) {
      const failure = isAggregateLogsUploadError(error) ? error.errors[0]?.cause : error;
      if (statusOf(failure) === 413 && squeezedBytes >= SIZE_UNRELATED_BELOW_BYTES) {
        refuse(`Logs Ingestion refused the record as too large (413) at ${bytes} bytes and again cut to ${squeezedBytes} bytes: ${describe(failure).reason}`);
      } else {
        outcome.failed.push({ rows: [squeezed.row], failure: describe(failure) });
      }
    }
    return outcome;
  }
}
