/** Storage queues of the Function app; the infra declares the same names in infra/app/storage-names.json. */
export const SHARD_QUEUE_NAME = "vaultwatch-shards";
export const EVENT_QUEUE_NAME = "vaultwatch-events";

export type VaultwatchQueueName = typeof SHARD_QUEUE_NAME | typeof EVENT_QUEUE_NAME;

/**
 * Deliveries of one message before it is given up on; host.json's `extensions.queues.maxDequeueCount` holds the
 * same number (a test keeps them equal), so a handler knows when its attempt is the last.
 */
export const QUEUE_MAX_DEQUEUE_COUNT = 5;

/** Where the Functions host (and vaultwatch itself) puts messages that cannot be processed. */
export function poisonQueueName(queueName: VaultwatchQueueName): `${VaultwatchQueueName}-poison` {
  return `${queueName}-poison`;
}
