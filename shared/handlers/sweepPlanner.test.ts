import { describe, expect, it } from "vitest";
import { RUN_ID_PATTERN } from "../queues/shardMessage.js";
import { newSweepRunId, splitIntoShards } from "./sweepPlanner.js";

describe("planning a sweep", () => {
  it("splits subscriptions into shards of at most the configured size, in order", () => {
    const ids = ["a", "b", "c", "d", "e"];
    expect(splitIntoShards(ids, 2)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(splitIntoShards(ids, 25)).toEqual([ids]);
    expect(splitIntoShards([], 25)).toEqual([]);
    expect(() => splitIntoShards(ids, 0)).toThrow(RangeError);
  });

  it("names each run by its planned time and a random suffix, usable as a table partition key", () => {
    const plannedAt = new Date("2026-11-24T06:00:00.123Z");
    const first = newSweepRunId(plannedAt);
    expect(first).toMatch(/^sweep-20261124T060000Z-[0-9a-f]{8}$/);
    expect(first).toMatch(RUN_ID_PATTERN);
    expect(newSweepRunId(plannedAt)).not.toBe(first);
  });
});
