import { describe, expect, it } from "vitest";
import { MAX_SUBSCRIPTIONS_IN_SHARD, parseShardMessage } from "./shardMessage.js";

const valid = {
  runId: "sweep-20261124T060000Z-1a2b3c4d",
  shardIndex: 1,
  shardCount: 3,
  subscriptionIds: ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"],
  plannedAt: "2026-11-24T06:00:00.000Z",
};

describe("parseShardMessage", () => {
  it("accepts a shard message as the queue trigger hands it over: parsed JSON, JSON text or bytes", () => {
    expect(parseShardMessage(valid)).toEqual({ ok: true, message: valid });
    expect(parseShardMessage(JSON.stringify(valid))).toEqual({ ok: true, message: valid });
    expect(parseShardMessage(Buffer.from(JSON.stringify(valid)))).toEqual({ ok: true, message: valid });
  });

  it.each([
    ["text that is not JSON", "{runId", /^shard message is not JSON$/],
    ["a run id that could not be a table key", { ...valid, runId: "run/../x" }, /runId must be letters, digits and hyphens/],
    ["a shard index past the shard count", { ...valid, shardIndex: 3 }, /shardIndex must be below shardCount/],
    ["a subscription that is not a GUID", { ...valid, subscriptionIds: ["not-a-guid"] }, /subscriptionIds.0 must be a subscription GUID/],
    ["the same subscription twice in other casing", { ...valid, subscriptionIds: [valid.subscriptionIds[0], valid.subscriptionIds[0]?.toUpperCase()] }, /must not repeat a subscription/],
    ["no subscription", { ...valid, subscriptionIds: [] }, /subscriptionIds/],
    ["a planned time that is not a date-time", { ...valid, plannedAt: "yesterday" }, /plannedAt/],
    ["a field it does not know", { ...valid, query: "Resources | take 1" }, /query/],
  ])("refuses %s, naming the problem", (_label, message, reason) => {
    const parsed = parseShardMessage(message);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(reason);
  });

  it(`refuses more than ${MAX_SUBSCRIPTIONS_IN_SHARD} subscriptions, the most one Resource Graph query takes`, () => {
    const ids = Array.from({ length: MAX_SUBSCRIPTIONS_IN_SHARD + 1 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    expect(parseShardMessage({ ...valid, subscriptionIds: ids })).toMatchObject({ ok: false });
    expect(parseShardMessage({ ...valid, subscriptionIds: ids.slice(1) })).toMatchObject({ ok: true });
  });
});
