import { randomBytes } from "node:crypto";
import type { ScopeConfig } from "../config.js";
import type { ShardMessage } from "../queues/shardMessage.js";
import type { ShardQueue } from "../queues/shardQueue.js";
import { errorText, mapWithConcurrency } from "./invocation.js";
import type { RunRecords } from "./runRecords.js";
import { type RunCompletion, type RunSummaryDependencies, completeRunIfFinished } from "./runSummary.js";
import { abandonShard } from "./shardWorker.js";
import { type SubscriptionDirectory, type SweepScope, resolveSweepScope } from "./subscriptionScope.js";

export interface SweepPlannerDependencies extends RunSummaryDependencies {
  readonly scope: ScopeConfig;
  readonly subscriptionsPerShard: number;
  readonly directory: SubscriptionDirectory;
  readonly runRecords: RunRecords;
  readonly shardQueue: Pick<ShardQueue, "send">;
}

export interface SweepPlan {
  readonly runId: string;
  readonly plannedAt: Date;
  readonly subscriptionCount: number;
  readonly shards: readonly ShardMessage[];
  readonly errors: readonly string[];
  /** Set when the planner itself completed the run (no shard, or it recorded the last unsent shards). */
  readonly completion?: RunCompletion;
  /** Shards whose message could not be sent: recorded as failed, so the run still ends with a summary. */
  readonly unsent?: number;
}

/** Shard messages sent at once; a plan of thousands of subscriptions is a few hundred messages. */
const SEND_CONCURRENCY = 8;

/** `sweep-20261124T060000Z-1a2b3c4d`: sortable by time, unique across timer instances. */
export function newSweepRunId(plannedAt: Date): string {
  const stamp = plannedAt.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  return `sweep-${stamp}-${randomBytes(4).toString("hex")}`;
}

/** Splits subscriptions, in order, into shards of at most `perShard`. */
export function splitIntoShards(subscriptionIds: readonly string[], perShard: number): string[][] {
  if (!Number.isInteger(perShard) || perShard < 1) throw new RangeError(`Subscriptions per shard must be a positive integer; got ${perShard}.`);
  const shards: string[][] = [];
  for (let start = 0; start < subscriptionIds.length; start += perShard) shards.push(subscriptionIds.slice(start, start + perShard));
  return shards;
}

/**
 * Plans a sweep: resolves the subscriptions in scope, records the run (so shards can tell when all of them
 * have finished) and puts one message per shard on the shard queue. The run is recorded before any message is
 * sent, so a shard never finishes into a run nobody knows.
 */
export async function planSweep(deps: SweepPlannerDependencies, options: { runId?: string } = {}): Promise<SweepPlan> {
  const plannedAt = deps.clock();
  const runId = options.runId ?? newSweepRunId(plannedAt);
  const scope: SweepScope = await resolveSweepScope(deps.scope, deps.directory);
  const errors = [...scope.errors];
  if (scope.subscriptionIds.length === 0) errors.push("No subscription is in scope: nothing was swept.");
  const groups = splitIntoShards(scope.subscriptionIds, deps.subscriptionsPerShard);
  const shards: ShardMessage[] = groups.map((subscriptionIds, shardIndex) => ({
    runId,
    shardIndex,
    shardCount: groups.length,
    subscriptionIds,
    plannedAt: plannedAt.toISOString(),
  }));
  // Until a sweep has covered everything in scope once, what a sweep finds was there before vaultwatch looked.
  const baseline = (await deps.runRecords.baselineCompletion()) === undefined;
  await deps.runRecords.createRun({ runId, plannedAt, shardCount: shards.length, subscriptionCount: scope.subscriptionIds.length, planErrors: errors, baseline });
  if (shards.length === 0) {
    const completion = await completeRunIfFinished(runId, 0, deps);
    return { runId, plannedAt, subscriptionCount: 0, shards, errors, completion };
  }
  // A shard whose message could not be sent would never finish, and the run would wait for it forever without a
  // summary. Each one is recorded as failed instead (its subscriptions named), so the run ends, incomplete, with a
  // summary that says what was not swept. Only when even that record cannot be written does planning throw.
  const sent = await mapWithConcurrency(shards, SEND_CONCURRENCY, async (shard) => {
    try {
      await deps.shardQueue.send(shard);
      return undefined;
    } catch (error) {
      return { shard, reason: errorText(error) };
    }
  });
  const unsent = sent.filter((outcome) => outcome !== undefined);
  let completion: RunCompletion | undefined;
  for (const { shard, reason } of unsent) {
    errors.push(`shard ${shard.shardIndex} was never sent (${reason}); its ${shard.subscriptionIds.length} subscription(s) were not swept`);
    completion = await abandonShard(shard, `its message could not be put on the shard queue: ${reason}`, deps);
  }
  return { runId, plannedAt, subscriptionCount: scope.subscriptionIds.length, shards, errors, unsent: unsent.length, ...(completion === undefined ? {} : { completion }) };
}

export function describeSweepPlan(plan: SweepPlan): string {
  const base = `run ${plan.runId}: ${plan.subscriptionCount} subscription(s) in ${plan.shards.length} shard(s)`;
  const unsent = plan.unsent ? `; ${plan.unsent} shard(s) could not be sent and were recorded as failed (the run is incomplete)` : "";
  const problems = plan.errors.length > 0 ? `; ${plan.errors.length} problem(s): ${plan.errors.slice(0, 3).join(" ")}` : "";
  return `${base}${unsent}${problems}`;
}
