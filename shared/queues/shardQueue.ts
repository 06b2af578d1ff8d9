import type { QueueClient } from "@azure/storage-queue";
import { encodeQueueMessage, MAX_QUEUE_MESSAGE_BYTES } from "./queueMessage.js";
import type { ShardMessage } from "./shardMessage.js";

/** Puts sweep shards on the `vaultwatch-shards` queue, one message per shard. */
export class ShardQueue {
  constructor(private readonly queue: Pick<QueueClient, "sendMessage" | "name">) {}

  async send(message: ShardMessage, options: { abortSignal?: AbortSignal } = {}): Promise<void> {
    const text = encodeQueueMessage(message);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_QUEUE_MESSAGE_BYTES) {
      throw new RangeError(
        `Shard ${message.shardIndex} of run ${message.runId} is ${bytes} bytes encoded; a queue message holds at most ${MAX_QUEUE_MESSAGE_BYTES}. Lower VAULTWATCH_SUBSCRIPTIONS_PER_SHARD.`,
      );
    }
    await this.queue.sendMessage(text, options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal });
  }
}
