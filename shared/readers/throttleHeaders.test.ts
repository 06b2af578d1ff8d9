import { describe, expect, it } from "vitest";
import { headerLookup, quotaResetWaitMs, retryAfterMs, timeSpanMs } from "./throttleHeaders.js";

describe("reading how long a throttled response asks to wait", () => {
  it("prefers retry-after-ms, then x-ms-retry-after-ms, then Retry-After in seconds, as the SDK does", () => {
    expect(retryAfterMs(headerLookup({ "retry-after-ms": "250", "Retry-After": "9" }))).toBe(250);
    expect(retryAfterMs(headerLookup({ "x-ms-retry-after-ms": "40", "Retry-After": "9" }))).toBe(40);
    expect(retryAfterMs(headerLookup({ "Retry-After": "3" }))).toBe(3000);
  });

  it("reads Retry-After given as an HTTP date, never as a negative wait", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs(headerLookup({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMs(headerLookup({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now)).toBe(0);
  });

  it("gives nothing when no header is usable", () => {
    expect(retryAfterMs(headerLookup({}))).toBeUndefined();
    expect(retryAfterMs(headerLookup({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(headerLookup({ "retry-after-ms": "-5" }))).toBeUndefined();
  });
});

describe("reading Resource Graph's quota reset header", () => {
  it.each([
    ["00:00:03", 3000],
    ["00:01:00", 60_000],
    ["01:00:00", 3_600_000],
    ["1.00:00:00", 86_400_000],
    ["00:00:00.250", 250],
    ["00:00:04.9940000", 4994],
  ])("reads %s as %i ms", (text, milliseconds) => {
    expect(timeSpanMs(text)).toBeCloseTo(milliseconds, 6);
  });

  it.each(["", "3", "00:00", "00:00:3", "soon", "-00:00:03"])("refuses %j", (text) => {
    expect(timeSpanMs(text)).toBeUndefined();
  });
});

describe("waiting for Resource Graph's quota to reset", () => {
  it.each([
    ["00:00:00", 1000],
    ["00:00:03", 4000],
    ["00:01:00", 61_000],
  ])("waits to the end of the second that %s names, since hh:mm:ss cuts the fraction off", (text, milliseconds) => {
    expect(quotaResetWaitMs(text)).toBe(milliseconds);
  });

  it("takes a fraction, when one is sent, as exact", () => {
    expect(quotaResetWaitMs("00:00:00.250")).toBe(250);
  });

  it("gives nothing for a header it cannot read", () => {
    expect(quotaResetWaitMs(undefined)).toBeUndefined();
    expect(quotaResetWaitMs("soon")).toBeUndefined();
  });
});
