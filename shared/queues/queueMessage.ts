/**
 * The Functions queue extension reads messages as base64 (host.json `messageEncoding`), so everything
 * vaultwatch puts on a queue a Function listens to, or on its poison queue, is encoded the same way.
 */
export function encodeQueueMessage(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64");
}

/** The inverse of `encodeQueueMessage`, for tools and tests that read queues directly. */
export function decodeQueueMessage(messageText: string): unknown {
  return JSON.parse(Buffer.from(messageText, "base64").toString("utf8"));
}

/** Azure Storage refuses messages above 64 KiB (after encoding). */
export const MAX_QUEUE_MESSAGE_BYTES = 64 * 1024;
