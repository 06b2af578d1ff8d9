import { describe, expect, it } from "vitest";
import { type ProgressState, describeWait, renderProgress } from "./scanProgress.js";

const NOW = 1_000_000;
const base: ProgressState = { read: undefined, evaluated: 0, elapsedMs: 0, waiting: undefined, waits: 0, waitedMs: 0, now: NOW };

describe("the scan's progress line", () => {
  it("shows resources done of the total, the percentage, the rate and the time left", () => {
    const line = renderProgress({
      ...base,
      read: { pages: 2, resources: 2000, expectedResources: 4000, expectedComplete: true, elapsedMs: 20_000 },
      evaluated: 1000,
      elapsedMs: 20_000,
    });
    expect(line).toBe("scanning: 1,000 of 4,000 resources · 25% · 50/s · about 1 min 00 s left");
  });

  it("says 'at least' while subscription batches remain, and gives no time left then", () => {
    const line = renderProgress({ ...base, read: { pages: 1, resources: 1000, expectedResources: 1000, expectedComplete: false, elapsedMs: 5000 }, evaluated: 500, elapsedMs: 5000 });
    expect(line).toBe("scanning: 500 of at least 1,000 resources · 50% · 100/s");
  });

  it("says what it is waiting for and for how long, while it waits", () => {
    const line = renderProgress({
      ...base,
      read: { pages: 1, resources: 1000, expectedResources: 4000, expectedComplete: true, elapsedMs: 5000 },
      evaluated: 1000,
      elapsedMs: 10_000,
      waiting: { wait: { service: "Resource Graph", milliseconds: 4000, cause: "throttled", basis: "Retry-After" }, endsAt: NOW + 4000 },
      waits: 1,
      waitedMs: 4000,
    });
    expect(line).toBe("scanning: 1,000 of 4,000 resources · 25% · 100/s · about 30 s left · Resource Graph throttled the scan (429); waiting as its Retry-After asks: 4 s");
  });

  it("once a wait is over, counts the waits instead", () => {
    const line = renderProgress({
      ...base,
      read: { pages: 1, resources: 10, expectedResources: 10, expectedComplete: true, elapsedMs: 1000 },
      evaluated: 10,
      elapsedMs: 1000,
      waiting: { wait: { service: "Azure Resource Manager", milliseconds: 1500, cause: "quota" }, endsAt: NOW - 1 },
      waits: 3,
      waitedMs: 4500,
    });
    expect(line).toBe("scanning: 10 of 10 resources · 100% · 10/s · throttling waits 3 (4.5 s)");
  });

  it("names each kind of wait in words", () => {
    expect(describeWait({ service: "Resource Graph", milliseconds: 1, cause: "quota", basis: "quota reset" })).toBe("pacing to the Resource Graph quota until it resets");
    expect(describeWait({ service: "Azure Resource Manager", milliseconds: 1, cause: "quota" })).toBe("pacing to the Azure Resource Manager quota");
    expect(describeWait({ service: "Azure Resource Manager", milliseconds: 1, cause: "throttled", basis: "back-off" })).toBe(
      "Azure Resource Manager throttled the scan (429); waiting before retrying",
    );
  });
});
