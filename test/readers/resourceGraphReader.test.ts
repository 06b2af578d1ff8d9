import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, generateEstate, startEmulator } from "../../emulator/index.js";
import { AzureReadError } from "../../shared/readers/readError.js";
import { ReaderStats } from "../../shared/readers/readerStats.js";
import { ResourceGraphReader, type ResourceGraphReaderOptions, type ResourceGraphScope } from "../../shared/readers/resourceGraphReader.js";
import { sdkClients } from "../support/emulatorClients.js";

const generated = generateEstate({ resources: 95, subscriptions: 5, seed: 21 });
const subscriptionIds = generated.estate.subscriptions().map((subscription) => subscription.subscriptionId);
const allSubscriptions: ResourceGraphScope = { kind: "subscriptions", subscriptionIds };

describe("the Resource Graph reader, against the emulator with the real ResourceGraphClient", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: generated.estate });
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    emulator.resetThrottles();
    emulator.counters.reset();
    emulator.knobs.faults = [];
    Object.assign(emulator.knobs.resourceGraph, { quotaPerWindow: 1000, windowMs: 5_000, retryAfterOn429: "none", withholdSkipToken: false });
  });

  const readAll = async (scope: ResourceGraphScope, options: ResourceGraphReaderOptions = {}) => {
    const reader = new ResourceGraphReader(sdkClients(emulator).graph, { fallbackThrottleDelayMs: 50, ...options });
    const pages = [];
    for await (const page of reader.pages(scope)) pages.push(page);
    return { pages, resources: pages.flatMap((page) => page.resources as { id: string; properties: Record<string, unknown> }[]) };
  };

  it("reads every resource once across many pages, with exactly one request per page", async () => {
    const { pages, resources } = await readAll(allSubscriptions, { pageSize: 10 });
    expect(resources).toHaveLength(95);
    expect(new Set(resources.map((resource) => resource.id.toLowerCase())).size).toBe(95);
    expect(pages).toHaveLength(10);
    expect(emulator.counters.requests.resourceGraph).toBe(10);
  });

  it("hands on each row in the ARM shape, with absent properties left out rather than null", async () => {
    const { resources } = await readAll(allSubscriptions);
    for (const resource of resources) {
      const body = generated.estate.getResource(resource.id);
      const original = body?.["properties"] as Record<string, unknown>;
      for (const [name, value] of Object.entries(resource.properties)) expect(value).toEqual(original[name]);
      expect(Object.values(resource.properties)).not.toContain(null);
      if (!("networkAcls" in original)) expect(resource.properties).not.toHaveProperty("networkAcls");
    }
  });

  it("batches subscriptions and pages each batch on its own: the floor of requests per batch", async () => {
    const { pages, resources } = await readAll(allSubscriptions, { pageSize: 10, subscriptionsPerQuery: 2 });
    expect(resources).toHaveLength(95);
    // 5 subscriptions of 19 resources in batches of 2, 2 and 1: 38, 38 and 19 rows, so 4 + 4 + 2 pages.
    expect(pages.map((page) => page.scopeBatch)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3]);
    expect(emulator.counters.requests.resourceGraph).toBe(10);
  });

  it("reads a management group's subscriptions, and the whole tenant when no scope is given", async () => {
    const scoped = await readAll({ kind: "managementGroups", managementGroupIds: ["mg-corp"] });
    const expected = new Set(generated.estate.subscriptionsUnder("mg-corp").map((id) => id.toLowerCase()));
    expect(new Set(scoped.resources.map((resource) => resource.id.split("/")[2]?.toLowerCase()))).toEqual(expected);
    expect((await readAll({ kind: "tenant" })).resources).toHaveLength(95);
  });

  it("paces itself from the quota headers, so a lone reader is never throttled", async () => {
    Object.assign(emulator.knobs.resourceGraph, { quotaPerWindow: 3, windowMs: 150 });
    const stats = new ReaderStats();
    const { resources } = await readAll(allSubscriptions, { pageSize: 10, stats });
    expect(resources).toHaveLength(95);
    expect(emulator.counters.throttled.resourceGraph).toBe(0);
    expect(emulator.counters.requests.resourceGraph).toBe(10);
    expect(stats.throttleWaits).toBeGreaterThanOrEqual(3);
  });

  it("survives a 429 storm without Retry-After by waiting for the quota reset, and loses no row", async () => {
    // A short window keeps the reset header (what the reader waits for) short.
    emulator.knobs.resourceGraph.windowMs = 40;
    emulator.knobs.faults.push({ kinds: ["resourceGraph"], status: 429, rate: 0.5, remaining: 6 });
    const stats = new ReaderStats();
    const { resources } = await readAll(allSubscriptions, { pageSize: 10, stats });
    expect(resources).toHaveLength(95);
    expect(emulator.counters.throttled.resourceGraph).toBe(6);
    expect(emulator.counters.requests.resourceGraph).toBe(16);
    expect(stats.throttleWaits).toBe(6);
  });

  it("survives a 429 storm with Retry-After, which the SDK's own retry policy handles", async () => {
    emulator.knobs.faults.push({ kinds: ["resourceGraph"], status: 429, retryAfter: { style: "milliseconds", milliseconds: 5 }, rate: 0.5, remaining: 6 });
    const stats = new ReaderStats();
    const { resources } = await readAll(allSubscriptions, { pageSize: 10, stats });
    expect(resources).toHaveLength(95);
    expect(emulator.counters.throttled.resourceGraph).toBe(6);
    expect(emulator.counters.requests.resourceGraph).toBe(16);
  });

  it("rides out transient 5xx through the SDK's retries", async () => {
    emulator.knobs.faults.push({ kinds: ["resourceGraph"], status: 503, remaining: 2 }, { kinds: ["resourceGraph"], status: 500, remaining: 1 });
    const { resources } = await readAll(allSubscriptions, { pageSize: 50 });
    expect(resources).toHaveLength(95);
    expect(emulator.counters.requests.resourceGraph).toBe(5);
  });

  it("fails with the service's status and code when throttling never ends", async () => {
    emulator.knobs.resourceGraph.windowMs = 40;
    emulator.knobs.faults.push({ kinds: ["resourceGraph"], status: 429 });
    const failure = await readAll(allSubscriptions, { maxThrottledAttempts: 3 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AzureReadError);
    expect((failure as AzureReadError).statusCode).toBe(429);
    expect((failure as AzureReadError).code).toBe("RateLimiting");
    expect(emulator.counters.requests.resourceGraph).toBe(3);
  });

  it("refuses a result truncated without a skip token instead of sweeping part of the estate", async () => {
    emulator.knobs.resourceGraph.withholdSkipToken = true;
    const failure = await readAll(allSubscriptions, { pageSize: 10 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AzureReadError);
    expect((failure as Error).message).toMatch(/truncated/);
  });

  it("rejects malformed scopes before sending anything", async () => {
    await expect(readAll({ kind: "subscriptions", subscriptionIds: ["not-a-guid"] })).rejects.toThrow(RangeError);
    await expect(readAll({ kind: "managementGroups", managementGroupIds: ["mg/../../x"] })).rejects.toThrow(RangeError);
    await expect(readAll({ kind: "subscriptions", subscriptionIds: [] })).rejects.toThrow(RangeError);
    expect(() => new ResourceGraphReader(sdkClients(emulator).graph, { pageSize: 1001 })).toThrow(RangeError);
    expect(emulator.counters.requests.resourceGraph).toBe(0);
  });
});
