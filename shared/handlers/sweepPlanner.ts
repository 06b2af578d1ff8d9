import { randomBytes } from "node:crypto";
import type { ScopeConfig } from "../config.js";
import type { ShardMessage } from "../queues/shardMessage.js";
import type { ShardQueue } from "../queues/shardQueue.js";
import { mapWithConcurrency } from "./invocation.js";
import type { RunRecords } from "./runRecords.js";
import { type RunCompletion, type RunSummaryDependencies, completeRunIfFinished } from "./runSummary.js";
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
  /** Set when the run had no shard, so the planner wrote its summary itself. */
  readonly completion?: RunCompletion;
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
  await mapWithConcurrency(shards, SEND_CONCURRENCY, (shard) => deps.shardQueue.send(shard));
  return { runId, plannedAt, subscriptionCount: scope.subscriptionIds.length, shards, errors };
}

export function describeSweepPlan(plan: SweepPlan): string {
  const base = `run ${plan.runId}: ${plan.subscriptionCount} subscription(s) in ${plan.shards.length} shard(s)`;
  const problems = plan.errors.length > 0 ? `; ${plan.errors.length} problem(s): ${plan.errors.slice(0, 3).join(" ")}` : "";
  return `${base}${problems}`;
}
