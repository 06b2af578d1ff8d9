import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { QUEUE_MAX_DEQUEUE_COUNT } from "../queues/queueNames.js";
import { dequeueCountOf, isLastDelivery, mapWithConcurrency } from "./invocation.js";

describe("queue delivery counts from the trigger metadata", () => {
  it("reads the dequeue count the queue trigger reports, and knows the last delivery before the host poisons", () => {
    const at = (dequeueCount: unknown) => new InvocationContext({ triggerMetadata: { dequeueCount } });
    expect(dequeueCountOf(at(2))).toBe(2);
    expect(dequeueCountOf(at("3"))).toBe(3);
    expect(dequeueCountOf(at("soon"))).toBeUndefined();
    expect(isLastDelivery(at(QUEUE_MAX_DEQUEUE_COUNT - 1))).toBe(false);
    expect(isLastDelivery(at(QUEUE_MAX_DEQUEUE_COUNT))).toBe(true);
    expect(isLastDelivery(new InvocationContext({}))).toBe(false);
  });
});

describe("mapWithConcurrency", () => {
  it("keeps the input order and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (value) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, value));
      running -= 1;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it("starts nothing new after a failure and throws only once the started work has settled", async () => {
    const finished: number[] = [];
    const work = mapWithConcurrency([0, 1, 2, 3, 4, 5], 2, async (value) => {
      if (value === 1) throw new Error("item 1 failed");
      await new Promise((resolve) => setTimeout(resolve, 5));
      finished.push(value);
      return value;
    });
    await expect(work).rejects.toThrow("item 1 failed");
    expect(finished).toEqual([0]);
  });
});
