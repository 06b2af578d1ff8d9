import { isRestError } from "@azure/core-rest-pipeline";
import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import { SEVERITIES } from "../model/finding.js";
import { emptyTally, type FindingTally } from "../sink/findingRows.js";

export const RUNS_TABLE_NAME = "vaultwatchRuns";

const RUN_ROW_KEY = "run";
/** Not a run id (those start with "sweep-"): the partition of facts about the deployment as a whole. */
const DEPLOYMENT_PARTITION = "deployment";
const BASELINE_ROW_KEY = "baseline";
const SHARD_ROW_PREFIX = "shard-";
/** Errors kept per shard record; the count stays complete. Keeps each entity far below Table Storage's 1 MiB. */
const MAX_ERRORS_PER_RECORD = 20;
const MAX_ERROR_LENGTH = 500;

/** A sweep as the planner recorded it. */
export interface RunRecord {
  readonly runId: string;
  readonly plannedAt: Date;
  readonly shardCount: number;
  readonly subscriptionCount: number;
  /** Problems found while planning (configured subscriptions the identity cannot read). */
  readonly planErrors: readonly string[];
  /** Shard whose invocation is writing the run summary; it keeps the claim until it has written it. */
  readonly summaryClaimedBy: number | undefined;
  readonly summaryWrittenAt: Date | undefined;
  /** Planned before this deployment's first full sweep completed: first sightings are `Baseline`, not `New`. */
  readonly baseline: boolean;
}

/** The first full sweep of this deployment: once it is recorded, later sweeps raise `New` for what appears. */
export interface BaselineCompletion {
  readonly runId: string;
  readonly completedAt: Date;
}

/** How one shard of a run ended: recorded once, by the first invocation that finished it. */
export interface ShardOutcome {
  readonly shardIndex: number;
  /** `failed`: the shard was given up on (poisoned); its subscriptions are missing from the run. */
  readonly outcome: "completed" | "failed";
  readonly finishedAt: Date;
  readonly tally: FindingTally;
  /** At most 20 kept; `errorCount` is complete. */
  readonly errors: readonly string[];
  readonly errorCount: number;
}

export type SummaryClaim =
  | { readonly kind: "claimed"; readonly run: RunRecord }
  | { readonly kind: "alreadyWritten" }
  | { readonly kind: "claimedByAnotherShard"; readonly shardIndex: number };

const bySeverity = z.object(Object.fromEntries(SEVERITIES.map((severity) => [severity, z.number().int().nonnegative()])) as Record<"High" | "Medium" | "Low", z.ZodNumber>);
const tallySchema = z.object({
  findingRows: z.number().int().nonnegative(),
  resources: z.number().int().nonnegative(),
  resourcesRemoved: z.number().int().nonnegative(),
  failuresBySeverity: bySeverity,
  newBySeverity: bySeverity,
  // Absent from records written before baselines existed.
  baselineFailuresBySeverity: bySeverity.default({ High: 0, Medium: 0, Low: 0 }),
});
const errorsSchema = z.array(z.string());

const runEntitySchema = z.object({
  partitionKey: z.string(),
  etag: z.string(),
  PlannedAt: z.iso.datetime(),
  ShardCount: z.number().int().nonnegative(),
  SubscriptionCount: z.number().int().nonnegative(),
  PlanErrors: z.string(),
  SummaryClaimedBy: z.number().int().optional(),
  SummaryWrittenAt: z.iso.datetime().optional(),
  Baseline: z.boolean().optional(),
});
const baselineEntitySchema = z.object({ RunId: z.string(), CompletedAt: z.iso.datetime() });
const shardEntitySchema = z.object({
  rowKey: z.string(),
  Outcome: z.enum(["completed", "failed"]),
  FinishedAt: z.iso.datetime(),
  Tally: z.string(),
  Errors: z.string(),
  ErrorCount: z.number().int().nonnegative(),
});

function shardRowKey(shardIndex: number): string {
  return `${SHARD_ROW_PREFIX}${String(shardIndex).padStart(6, "0")}`;
}

function isStatus(error: unknown, status: number): boolean {
  return isRestError(error) && error.statusCode === status;
}

function cappedErrors(errors: readonly string[]): string[] {
  return errors.slice(0, MAX_ERRORS_PER_RECORD).map((error) => (error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH)}…` : error));
}

function parseJson<T>(text: string, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`The ${what} stored in table ${RUNS_TABLE_NAME} is not JSON.`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`The ${what} stored in table ${RUNS_TABLE_NAME} is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function decodeRun(entity: unknown): { run: RunRecord; etag: string } {
  const parsed = runEntitySchema.safeParse(entity);
  if (!parsed.success) throw new Error(`A run record in table ${RUNS_TABLE_NAME} is malformed: ${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  return {
    etag: e.etag,
    run: {
      runId: e.partitionKey,
      plannedAt: new Date(e.PlannedAt),
      shardCount: e.ShardCount,
      subscriptionCount: e.SubscriptionCount,
      planErrors: parseJson(e.PlanErrors, errorsSchema, `plan errors of run ${e.partitionKey}`),
      summaryClaimedBy: e.SummaryClaimedBy,
      summaryWrittenAt: e.SummaryWrittenAt === undefined ? undefined : new Date(e.SummaryWrittenAt),
      baseline: e.Baseline ?? false,
    },
  };
}

function decodeShard(entity: unknown): ShardOutcome {
  const parsed = shardEntitySchema.safeParse(entity);
  if (!parsed.success) throw new Error(`A shard record in table ${RUNS_TABLE_NAME} is malformed: ${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  return {
    shardIndex: Number(e.rowKey.slice(SHARD_ROW_PREFIX.length)),
    outcome: e.Outcome,
    finishedAt: new Date(e.FinishedAt),
    tally: parseJson(e.Tally, tallySchema, `tally of ${e.rowKey}`),
    errors: parseJson(e.Errors, errorsSchema, `errors of ${e.rowKey}`),
    errorCount: e.ErrorCount,
  };
}

export interface NewRun {
  readonly runId: string;
  readonly plannedAt: Date;
  readonly shardCount: number;
  readonly subscriptionCount: number;
  readonly planErrors: readonly string[];
  readonly baseline?: boolean;
}

export interface ShardResult {
  readonly outcome: "completed" | "failed";
  readonly finishedAt: Date;
  readonly tally?: FindingTally;
  readonly errors: readonly string[];
}

/**
 * Sweep runs in Table Storage (`vaultwatchRuns`): one partition per run, a `run` row written by the planner and
 * one row per finished shard. A shard row is written once (create, never replace), so a redelivered shard
 * cannot count twice; the run summary is claimed by one shard with the row's ETag, so exactly one writes it.
 */
export class RunRecords {
  constructor(private readonly table: TableClient) {}

  static async open(table: TableClient): Promise<RunRecords> {
    await table.createTable();
    return new RunRecords(table);
  }

  /** Records a planned run; planning the same run id again leaves the first record. */
  async createRun(run: NewRun): Promise<void> {
    try {
      await this.table.createEntity({
        partitionKey: run.runId,
        rowKey: RUN_ROW_KEY,
        PlannedAt: run.plannedAt.toISOString(),
        ShardCount: run.shardCount,
        SubscriptionCount: run.subscriptionCount,
        PlanErrors: JSON.stringify(cappedErrors(run.planErrors)),
        Baseline: run.baseline === true,
      });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return (await this.loadRun(runId))?.run;
  }

  async getShard(runId: string, shardIndex: number): Promise<ShardOutcome | undefined> {
    try {
      return decodeShard(await this.table.getEntity(runId, shardRowKey(shardIndex)));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** `alreadyRecorded`: another delivery of the same shard finished first; its record stands. */
  async recordShard(runId: string, shardIndex: number, result: ShardResult): Promise<"recorded" | "alreadyRecorded"> {
    try {
      await this.table.createEntity({
        partitionKey: runId,
        rowKey: shardRowKey(shardIndex),
        Outcome: result.outcome,
        FinishedAt: result.finishedAt.toISOString(),
        Tally: JSON.stringify(result.tally ?? emptyTally()),
        Errors: JSON.stringify(cappedErrors(result.errors)),
        ErrorCount: result.errors.length,
      });
      return "recorded";
    } catch (error) {
      if (isStatus(error, 409)) return "alreadyRecorded";
      throw error;
    }
  }

  async listShards(runId: string): Promise<ShardOutcome[]> {
    const shards: ShardOutcome[] = [];
    const filter = odata`PartitionKey eq ${runId} and RowKey ge ${SHARD_ROW_PREFIX} and RowKey lt ${"shard."}`;
    for await (const entity of this.table.listEntities({ queryOptions: { filter } })) shards.push(decodeShard(entity));
    return shards;
  }

  /**
   * Claims the right to write the run summary for `shardIndex`. The claimant keeps it across its own retries
   * (its queue message stays until the summary is written), so a crash between claim and write is resumed by
   * the redelivery of that same shard rather than lost or written twice.
   */
  async claimSummary(runId: string, shardIndex: number): Promise<SummaryClaim> {
    const loaded = await this.loadRun(runId);
    if (loaded === undefined) throw new Error(`Run ${runId} has no record in table ${RUNS_TABLE_NAME}; its summary cannot be written.`);
    const { run, etag } = loaded;
    if (run.summaryWrittenAt !== undefined) return { kind: "alreadyWritten" };
    if (run.summaryClaimedBy !== undefined && run.summaryClaimedBy !== shardIndex) {
      return { kind: "claimedByAnotherShard", shardIndex: run.summaryClaimedBy };
    }
    if (run.summaryClaimedBy === shardIndex) return { kind: "claimed", run };
    try {
      await this.table.updateEntity({ partitionKey: runId, rowKey: RUN_ROW_KEY, SummaryClaimedBy: shardIndex }, "Merge", { etag });
      return { kind: "claimed", run: { ...run, summaryClaimedBy: shardIndex } };
    } catch (error) {
      if (!isStatus(error, 412)) throw error;
      // Someone changed the record since it was read: whatever they did decides.
      const now = await this.loadRun(runId);
      if (now?.run.summaryWrittenAt !== undefined) return { kind: "alreadyWritten" };
      return { kind: "claimedByAnotherShard", shardIndex: now?.run.summaryClaimedBy ?? -1 };
    }
  }

  async markSummaryWritten(runId: string, at: Date): Promise<void> {
    await this.table.updateEntity({ partitionKey: runId, rowKey: RUN_ROW_KEY, SummaryWrittenAt: at.toISOString() }, "Merge");
  }

  /** The first full sweep, once one has completed; `undefined` while the deployment is still taking its baseline. */
  async baselineCompletion(): Promise<BaselineCompletion | undefined> {
    try {
      const entity = await this.table.getEntity(DEPLOYMENT_PARTITION, BASELINE_ROW_KEY);
      const parsed = baselineEntitySchema.safeParse(entity);
      if (!parsed.success) throw new Error(`The baseline record in table ${RUNS_TABLE_NAME} is malformed: ${z.prettifyError(parsed.error)}`);
      return { runId: parsed.data.RunId, completedAt: new Date(parsed.data.CompletedAt) };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /**
   * Records that `runId` completed the baseline. Create-only: the first baseline run to finish stands, and a
   * redelivered shard that records it again changes nothing.
   */
  async markBaselineCompleted(runId: string, at: Date): Promise<void> {
    try {
      await this.table.createEntity({ partitionKey: DEPLOYMENT_PARTITION, rowKey: BASELINE_ROW_KEY, RunId: runId, CompletedAt: at.toISOString() });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
  }

  private async loadRun(runId: string): Promise<{ run: RunRecord; etag: string } | undefined> {
    try {
      return decodeRun(await this.table.getEntity(runId, RUN_ROW_KEY));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }
}
