import type { QueueClient } from "@azure/storage-queue";
import { encodeQueueMessage, MAX_QUEUE_MESSAGE_BYTES } from "./queueMessage.js";

/** Where a message or event came from before it was given up on. */
export type PoisonSource = "vaultwatch-shards" | "vaultwatch-events" | "eventGridTrigger";

/**
 * What vaultwatch puts on a poison queue: the original message, unchanged, wrapped with the reason it could not be
 * processed (the host's own poison messages carry no reason, only the message).
 */
export interface PoisonRecord {
  readonly source: PoisonSource;
  readonly reason: string;
  readonly failedAt: string;
  /** Deliveries of the queue message so far; absent for the direct Event Grid trigger. */
  readonly dequeueCount?: number;
  readonly messageId?: string;
  readonly message: unknown;
}

export class PoisonMessageTooLargeError extends Error {
  override readonly name = "PoisonMessageTooLargeError";
}

const MAX_REASON_LENGTH = 2_000;

/** A poison queue vaultwatch writes to itself, so the reason travels with the message. */
export class PoisonQueue {
  constructor(private readonly queue: Pick<QueueClient, "sendMessage" | "name">) {}

  get name(): string {
    return this.queue.name;
  }

  /**
   * Throws when the record cannot be kept (storage unreachable, or too large for a queue message): the caller
   * must then leave the message where it is, so the host retries it and finally poisons it itself.
   */
  async send(record: PoisonRecord): Promise<void> {
    const reason = record.reason.length > MAX_REASON_LENGTH ? `${record.reason.slice(0, MAX_REASON_LENGTH)}…` : record.reason;
    const text = encodeQueueMessage({ ...record, reason });
    if (Buffer.byteLength(text, "utf8") > MAX_QUEUE_MESSAGE_BYTES) {
      throw new PoisonMessageTooLargeError(
        `The message and its reason do not fit one queue message (${MAX_QUEUE_MESSAGE_BYTES} bytes) on ${this.queue.name}.`,
      );
    }
    await this.queue.sendMessage(text);
  }
}
