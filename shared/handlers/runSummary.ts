import { buildRunSummaryRow, emptyTally, mergeTallies } from "../sink/findingRows.js";
import type { FindingsRow, RunSummaryRow } from "../sink/findingsSchema.js";
import type { RunRecords, ShardOutcome } from "./runRecords.js";

export interface RunSummaryDependencies {
  readonly runRecords: RunRecords;
  /** Resolves once the rows are delivered or spooled (as `FindingsWriter.write` does); rejects otherwise. */
  readonly writer: { write(rows: readonly FindingsRow[]): Promise<unknown> };
  readonly clock: () => Date;
  readonly toolVersion: string;
}

export type RunCompletion =
  | { readonly kind: "pending"; readonly finishedShards: number; readonly shardCount: number }
  | { readonly kind: "written"; readonly row: RunSummaryRow }
  | { readonly kind: "alreadyWritten" }
  | { readonly kind: "claimedByAnotherShard"; readonly shardIndex: number };

function errorsOf(shards: readonly ShardOutcome[]): string[] {
  return shards
    .slice()
    .sort((a, b) => a.shardIndex - b.shardIndex)
    .flatMap((shard) => [
      ...shard.errors.map((error) => `shard ${shard.shardIndex}: ${error}`),
      ...(shard.errorCount > shard.errors.length ? [`shard ${shard.shardIndex}: ${shard.errorCount - shard.errors.length} more error(s) not kept`] : []),
    ]);
}

/**
 * Writes the run's one summary row once every shard has finished (completed or given up). Called by each shard
 * as it finishes; the one that claims the run writes it. The row is built only from the stored records, so a
 * claimant that crashed and is redelivered writes the same summary.
 */
export async function completeRunIfFinished(runId: string, shardIndex: number, deps: RunSummaryDependencies): Promise<RunCompletion> {
  const run = await deps.runRecords.getRun(runId);
  if (run === undefined) throw new Error(`Run ${runId} has no record in table vaultwatchRuns; its summary cannot be written.`);
  if (run.summaryWrittenAt !== undefined) return { kind: "alreadyWritten" };
  const shards = await deps.runRecords.listShards(runId);
  if (shards.length < run.shardCount) return { kind: "pending", finishedShards: shards.length, shardCount: run.shardCount };

  const claim = await deps.runRecords.claimSummary(runId, shardIndex);
  if (claim.kind !== "claimed") return claim;
  const finishedAt = new Date(Math.max(run.plannedAt.getTime(), ...shards.map((shard) => shard.finishedAt.getTime())));
  const failedShards = shards.filter((shard) => shard.outcome === "failed").length;
  // Only a full sweep ends the baseline: a shard given up on left subscriptions unseen, and the next sweep must
  // still take their resources as found, not as new. Recorded before the summary row, so a claimant that
  // crashes in between is redelivered and writes the same row; recording it twice changes nothing.
  if (run.baseline && failedShards === 0 && shards.length > 0) await deps.runRecords.markBaselineCompleted(runId, finishedAt);
  const row = buildRunSummaryRow({
    run: { runId, trigger: "sweep", toolVersion: deps.toolVersion },
    startedAt: run.plannedAt,
    finishedAt,
    tally: shards.reduce((sum, shard) => mergeTallies(sum, shard.tally), emptyTally()),
    errors: [...run.planErrors, ...errorsOf(shards)],
    shards: { total: run.shardCount, failed: failedShards },
    baseline: run.baseline,
  });
  await deps.writer.write([row]);
  await deps.runRecords.markSummaryWritten(runId, deps.clock());
  return { kind: "written", row };
}
