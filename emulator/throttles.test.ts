import { describe, expect, it } from "vitest";
import { QuotaWindow, TokenBuckets, formatResetsAfter } from "./throttles.js";

describe("Resource Graph's quota window", () => {
  it("allows the quota within a window, refuses the rest, and starts afresh when the window has passed", () => {
    let now = 1_000;
    const window = new QuotaWindow(() => now);
    expect(window.take(2, 5_000)).toEqual({ allowed: true, remaining: 1, resetsInMs: 5_000 });
    now += 1_000;
    expect(window.take(2, 5_000)).toEqual({ allowed: true, remaining: 0, resetsInMs: 4_000 });
    expect(window.take(2, 5_000)).toEqual({ allowed: false, remaining: 0, resetsInMs: 4_000 });
    now += 4_000;
    expect(window.take(2, 5_000)).toEqual({ allowed: true, remaining: 1, resetsInMs: 5_000 });
  });
});

describe("ARM's read token bucket", () => {
  it("spends the burst, then refills continuously, and says how long until the next token", () => {
    let now = 0;
    const buckets = new TokenBuckets(() => now);
    expect(buckets.take("s", 2, 10).allowed).toBe(true);
    expect(buckets.take("s", 2, 10).allowed).toBe(true);
    const refused = buckets.take("s", 2, 10);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeCloseTo(100, 6);
    now += 100;
    expect(buckets.take("s", 2, 10).allowed).toBe(true);
    expect(buckets.take("other", 2, 10).remaining).toBe(1);
  });
});

describe("the quota reset header", () => {
  it.each([
    [5_000, "00:00:05"],
    [3_661_000, "01:01:01"],
    [250, "00:00:00"],
    [4_999.5, "00:00:04"],
    [-10, "00:00:00"],
  ])("renders %d ms as %s", (milliseconds, text) => {
    expect(formatResetsAfter(milliseconds)).toBe(text);
  });
});
