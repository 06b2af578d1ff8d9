import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, generateEstate, startEmulator } from "../../emulator/index.js";
import { rawRequest } from "../support/emulatorClients.js";

const generated = generateEstate({ resources: 30, subscriptions: 2, seed: 5, forbiddenDiagnosticSettingsRate: 0 });
const ids = [...generated.estate.exportBodies()].map((body) => body["id"] as string);
const diagnosticsUrl = (id: string): string => `${id}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview`;

interface BatchAnswer {
  responses: { name?: string; httpStatusCode: number; headers: Record<string, string>; content?: { value?: unknown[]; error?: { code: string } } }[];
}

describe("the emulator's ARM /batch endpoint", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: generated.estate });
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    emulator.resetThrottles();
    emulator.counters.reset();
    emulator.knobs.faults = [];
  });

  it("answers each inner read in order, counted by its own kind inside one batch call", async () => {
    const requests = ids.slice(0, 20).map((id, index) => ({ httpMethod: "GET", name: `r${index}`, url: `${emulator.url}${diagnosticsUrl(id)}` }));
    const answer = await rawRequest(emulator, "POST", "/batch?api-version=2020-06-01", { body: { requests } });
    expect(answer.status).toBe(200);
    const responses = (answer.json as BatchAnswer).responses;
    expect(responses.map((response) => response.name)).toEqual(requests.map((request) => request.name));
    expect(responses.every((response) => response.httpStatusCode === 200 && Array.isArray(response.content?.value))).toBe(true);
    expect(emulator.counters.requests.batch).toBe(1);
    expect(emulator.counters.requests.diagnosticSettings).toBe(0);
    expect(emulator.counters.batchItems.diagnosticSettings).toBe(20);
  });

  it("gives each inner request its own status: a forbidden resource fails alone", async () => {
    emulator.estate.setDiagnosticSettingsForbidden(ids[1] as string, true);
    const requests = ids.slice(0, 3).map((id, index) => ({ httpMethod: "GET", name: String(index), relativeUrl: diagnosticsUrl(id) }));
    const responses = ((await rawRequest(emulator, "POST", "/batch?api-version=2020-06-01", { body: { requests } })).json as BatchAnswer).responses;
    expect(responses.map((response) => response.httpStatusCode)).toEqual([200, 403, 200]);
    expect(responses[1]?.content?.error?.code).toBe("AuthorizationFailed");
    emulator.estate.setDiagnosticSettingsForbidden(ids[1] as string, false);
  });

  it("throttles inner reads against their subscription's bucket and says when to retry", async () => {
    Object.assign(emulator.knobs.armReads, { burst: 2, refillPerSecond: 1, retryAfterOn429: "seconds" });
    const sameSubscription = ids.filter((id) => id.split("/")[2] === ids[0]?.split("/")[2]).slice(0, 4);
    const requests = sameSubscription.map((id, index) => ({ httpMethod: "GET", name: String(index), url: diagnosticsUrl(id) }));
    const responses = ((await rawRequest(emulator, "POST", "/batch?api-version=2020-06-01", { body: { requests } })).json as BatchAnswer).responses;
    expect(responses.map((response) => response.httpStatusCode)).toEqual([200, 200, 429, 429]);
    expect(responses[2]?.headers["retry-after"]).toBe("1");
    expect(emulator.counters.throttled.diagnosticSettings).toBe(2);
    Object.assign(emulator.knobs.armReads, { burst: 250, refillPerSecond: 25 });
  });

  it("applies injected faults to inner requests of their kind", async () => {
    emulator.knobs.faults.push({ kinds: ["diagnosticSettings"], status: 503, pathContains: ids[0] as string });
    const requests = ids.slice(0, 2).map((id, index) => ({ httpMethod: "GET", name: String(index), url: diagnosticsUrl(id) }));
    const responses = ((await rawRequest(emulator, "POST", "/batch?api-version=2020-06-01", { body: { requests } })).json as BatchAnswer).responses;
    expect(responses.map((response) => response.httpStatusCode)).toEqual([503, 200]);
  });

  it("refuses more than 20 inner requests, a wrong api-version and a body without requests", async () => {
    const requests = ids.slice(0, 21).map((id) => ({ httpMethod: "GET", url: diagnosticsUrl(id) }));
    const tooMany = await rawRequest(emulator, "POST", "/batch?api-version=2020-06-01", { body: { requests } });
    expect(tooMany.status).toBe(400);
    expect(emulator.counters.batchItems.diagnosticSettings).toBe(0);
    expect((await rawRequest(emulator, "POST", "/batch?api-version=2015-11-01", { body: { requests: requests.slice(0, 1) } })).status).toBe(400);
    expect((await rawRequest(emulator, "POST", "/batch?api-version=2020-06-01", { body: { items: [] } })).status).toBe(400);
  });
});
