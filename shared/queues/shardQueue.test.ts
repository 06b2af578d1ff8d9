import { describe, expect, it } from "vitest";
import { MAX_SUBSCRIPTIONS_IN_SHARD, type ShardMessage } from "./shardMessage.js";
import { decodeQueueMessage } from "./queueMessage.js";
import { ShardQueue } from "./shardQueue.js";
import { PoisonQueue } from "./poisonQueue.js";

function recordingQueue() {
  const sent: string[] = [];
  return { sent, client: { name: "vaultwatch-shards", sendMessage: async (text: string) => void sent.push(text) } as never };
}

describe("queue messages", () => {
  it("a shard goes on the queue base64-encoded, as the Functions queue extension reads it", async () => {
    const queue = recordingQueue();
    const shard: ShardMessage = { runId: "r-1", shardIndex: 0, shardCount: 1, subscriptionIds: ["11111111-1111-1111-1111-111111111111"], plannedAt: "2026-11-24T06:00:00.000Z" };

    await new ShardQueue(queue.client).send(shard);

    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodeQueueMessage(queue.sent[0] ?? "")).toEqual(shard);
  });

  it(`a shard of ${MAX_SUBSCRIPTIONS_IN_SHARD} subscriptions still fits one queue message`, async () => {
    const queue = recordingQueue();
    const ids = Array.from({ length: MAX_SUBSCRIPTIONS_IN_SHARD }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);

    await new ShardQueue(queue.client).send({ runId: "sweep-20261124T060000Z-1a2b3c4d", shardIndex: 99_998, shardCount: 99_999, subscriptionIds: ids, plannedAt: "2026-11-24T06:00:00.000Z" });

    expect(queue.sent).toHaveLength(1);
  });

  it("a poison record keeps the original message whole beside its reason", async () => {
    const queue = recordingQueue();
    const original = { id: "evt-1", subject: "/subscriptions/x" };

    await new PoisonQueue(queue.client).send({ source: "vaultwatch-events", reason: "subject is not a well-formed ARM resource id", failedAt: "2026-11-24T06:00:00.000Z", dequeueCount: 1, message: original });

    expect(decodeQueueMessage(queue.sent[0] ?? "")).toEqual({
      source: "vaultwatch-events",
      reason: "subject is not a well-formed ARM resource id",
      failedAt: "2026-11-24T06:00:00.000Z",
      dequeueCount: 1,
      message: original,
    });
  });

  it("a poison record too large for a queue message is refused rather than cut, so the host keeps the original", async () => {
    const queue = recordingQueue();

    await expect(
      new PoisonQueue(queue.client).send({ source: "vaultwatch-events", reason: "x", failedAt: "2026-11-24T06:00:00.000Z", message: "y".repeat(60_000) }),
    ).rejects.toThrow(/do not fit one queue message/);
    expect(queue.sent).toEqual([]);
  });
});
