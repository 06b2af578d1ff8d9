import { describe, expect, it } from "vitest";
import { RUN_ID_PATTERN } from "../queues/shardMessage.js";
import { eventRunId, observedAtOfRead } from "./resourceEvents.js";

describe("the run id of an event", () => {
  it("is derived from the event id, so a redelivered event shares its rows' run id", () => {
    expect(eventRunId("a1f0c3d2-0001-4000-8000-000000000001")).toBe("event-a1f0c3d2-0001-4000-8000-000000000001");
    expect(eventRunId("x")).toBe(eventRunId("x"));
  });

  it("is a safe token even when the event id is not", () => {
    const hostile = eventRunId("id with spaces/and'quotes|where 1==1");
    expect(hostile).toMatch(/^event-h[0-9a-f]{40}$/);
    expect(hostile).toMatch(RUN_ID_PATTERN);
    expect(eventRunId("another hostile id")).not.toBe(hostile);
  });
});

describe("the time an ARM read observes", () => {
  const readStart = new Date("2026-11-24T06:00:00.000Z");

  it("is when the read started, for a resource last changed before that", () => {
    expect(observedAtOfRead(readStart, { systemData: { lastModifiedAt: "2026-11-01T00:00:00Z" } })).toEqual(readStart);
    expect(observedAtOfRead(readStart, {})).toEqual(readStart);
    expect(observedAtOfRead(readStart, { systemData: { lastModifiedAt: "not a time" } })).toEqual(readStart);
  });

  it("is the resource's own last change when that clock runs ahead, so a payload of that change counts as already seen", () => {
    expect(observedAtOfRead(readStart, { systemData: { lastModifiedAt: "2026-11-24T06:00:00.250Z" } })).toEqual(new Date("2026-11-24T06:00:00.250Z"));
  });
});
