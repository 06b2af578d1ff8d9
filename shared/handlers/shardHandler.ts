import type { InvocationContext } from "@azure/functions";
import { QUEUE_MAX_DEQUEUE_COUNT, SHARD_QUEUE_NAME, poisonQueueName } from "../queues/queueNames.js";
import { parseShardMessage } from "../queues/shardMessage.js";
import { describeReplay, replayNeedsAttention } from "../sink/findingsWriter.js";
import { type DependencySource, resolveDependencies } from "./dependencies.js";
import { dequeueCountOf, errorText, isLastDelivery, queueMessageIdOf } from "./invocation.js";
import { type ShardReport, abandonShard, describeShardReport, processShard } from "./shardWorker.js";

const SHARDS_POISON = poisonQueueName(SHARD_QUEUE_NAME);

/**
 * A sweep shard from the `vaultwatch-shards` queue. A message that is not a valid shard goes to the poison queue at
 * once with its reason. A failing shard throws so the queue redelivers it (after the visibility timeout in
 * host.json); on its last delivery it is recorded as failed in the run, so the run still ends with a summary that
 * names it, and moved to the poison queue with its reason.
 */
export async function handleShardMessage(message: unknown, context: InvocationContext, source: DependencySource): Promise<ShardReport | undefined> {
  const deps = await resolveDependencies(source);
  const messageId = queueMessageIdOf(context);
  const dequeueCount = dequeueCountOf(context);
  const parsed = parseShardMessage(message);
  if (!parsed.ok) {
    await deps.shardPoison.send({ source: SHARD_QUEUE_NAME, reason: parsed.error, failedAt: new Date().toISOString(), dequeueCount, messageId, message });
    context.error(`vaultwatch sweep: message ${messageId ?? "(no id)"} rejected and moved to ${SHARDS_POISON}: ${parsed.error}`);
    return undefined;
  }
  const shard = parsed.message;
  const label = `run ${shard.runId} shard ${shard.shardIndex} of ${shard.shardCount}`;
  try {
    const report = await processShard(shard, deps);
    context.log(`vaultwatch sweep: ${describeShardReport(report)}`);
    if (report.replay !== undefined) {
      const line = `vaultwatch sweep: ${label}: ${describeReplay(report.replay)}`;
      if (replayNeedsAttention(report.replay)) context.warn(line);
      else context.log(line);
    }
    return report;
  } catch (error) {
    const reason = errorText(error);
    if (!isLastDelivery(context)) {
      context.warn(`vaultwatch sweep: ${label} failed on delivery ${dequeueCount ?? 1} of ${QUEUE_MAX_DEQUEUE_COUNT}; the queue will retry it: ${reason}`);
      throw error;
    }
    const completion = await abandonShard(shard, reason, deps);
    await deps.shardPoison.send({ source: SHARD_QUEUE_NAME, reason, failedAt: new Date().toISOString(), dequeueCount, messageId, message });
    context.error(
      `vaultwatch sweep: ${label} failed on its last delivery (MaxDequeueCount ${QUEUE_MAX_DEQUEUE_COUNT}) and was moved to ${SHARDS_POISON}: ${reason}` +
        (completion.kind === "written" ? "; the run summary records the failure" : ""),
    );
    return undefined;
  }
}
