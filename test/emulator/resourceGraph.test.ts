import { RestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, POSTURE_QUERY, generateEstate, startEmulator } from "../../emulator/index.js";
import { rawRequest, sdkClients } from "../support/emulatorClients.js";

const generated = generateEstate({ resources: 120, subscriptions: 6, seed: 11 });
const subscriptionIds = generated.estate.subscriptions().map((subscription) => subscription.subscriptionId);

describe("the emulator's Resource Graph endpoint, driven by the real ResourceGraphClient", () => {
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

  it("pages through every row in id order with skip tokens, and stops when none is left", async () => {
    const { graph } = sdkClients(emulator);
    const ids: string[] = [];
    let skipToken: string | undefined;
    let requests = 0;
    do {
      const page = await graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 25, skipToken } });
      requests += 1;
      expect(page.resultTruncated).toBe("false");
      expect(page.totalRecords).toBe(120);
      ids.push(...(page.data as { id: string }[]).map((row) => row.id));
      skipToken = page.skipToken;
    } while (skipToken !== undefined);
    expect(requests).toBe(5);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    expect(ids).toEqual([...ids].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
  });

  it("lets $skip override the skip token's offset, as the spec says", async () => {
    const { graph } = sdkClients(emulator);
    const first = await graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 10 } });
    const all = await graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 1000 } });
    const ids = (all.data as { id: string }[]).map((row) => row.id);
    const next = await graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 10, skipToken: first.skipToken } });
    expect((next.data as { id: string }[]).map((row) => row.id)).toEqual(ids.slice(10, 20));
    const skipped = await graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 10, skip: 55, skipToken: first.skipToken } });
    expect((skipped.data as { id: string }[]).map((row) => row.id)).toEqual(ids.slice(55, 65));
  });

  it("answers resultFormat table with columns and rows that hold the same values as the objects", async () => {
    const { graph } = sdkClients(emulator);
    const objects = (await graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 5 } })).data as Record<string, unknown>[];
    const table = (await graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 5, resultFormat: "table" } })).data as {
      columns: { name: string; type: string }[];
      rows: unknown[][];
    };
    expect(table.columns.slice(0, 5)).toEqual([
      { name: "id", type: "string" },
      { name: "name", type: "string" },
      { name: "type", type: "string" },
      { name: "location", type: "string" },
      { name: "tags", type: "object" },
    ]);
    expect(table.rows.map((row) => Object.fromEntries(table.columns.map((column, index) => [column.name, row[index]])))).toEqual(objects);
  });

  it("renders rows as Resource Graph does: type lower-cased, an absent property as null", async () => {
    const page = await sdkClients(emulator).graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 1000 } });
    const rows = page.data as Record<string, unknown>[];
    expect(new Set(rows.map((row) => row["type"]))).toEqual(new Set(["microsoft.keyvault/vaults", "microsoft.keyvault/managedhsms"]));
    expect(rows.some((row) => row["networkAcls"] === null)).toBe(true);
    expect(rows.every((row) => "enablePurgeProtection" in row && !("properties" in row))).toBe(true);
  });

  it("covers the subscriptions of a management group and every group below it", async () => {
    const { graph } = sdkClients(emulator);
    const under = new Set(generated.estate.subscriptionsUnder("mg-landingzones").map((id) => id.toLowerCase()));
    expect(under.size).toBeGreaterThan(0);
    expect(under.size).toBeLessThan(subscriptionIds.length);
    const page = await graph.resources({ managementGroups: ["mg-landingzones"], query: POSTURE_QUERY, options: { top: 1000 } });
    const subscriptionsSeen = new Set((page.data as { id: string }[]).map((row) => row.id.split("/")[2]?.toLowerCase()));
    expect(subscriptionsSeen).toEqual(under);
    const root = await graph.resources({ managementGroups: [generated.rootManagementGroupId], query: POSTURE_QUERY, options: { top: 1 } });
    expect(root.totalRecords).toBe(120);
  });

  it("reports the quota on every response and answers 429 RateLimiting once it is spent", async () => {
    Object.assign(emulator.knobs.resourceGraph, { quotaPerWindow: 2, windowMs: 60_000 });
    const { graph } = sdkClients(emulator);
    const remaining: (string | undefined)[] = [];
    const onResponse = (raw: { headers: { get(name: string): string | undefined } }): void => {
      remaining.push(raw.headers.get("x-ms-user-quota-remaining"));
      expect(raw.headers.get("x-ms-user-quota-resets-after")).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    };
    await graph.resources({ query: POSTURE_QUERY, options: { top: 1 } }, { onResponse });
    await graph.resources({ query: POSTURE_QUERY, options: { top: 1 } }, { onResponse });
    const throttled = await graph.resources({ query: POSTURE_QUERY, options: { top: 1 } }, { onResponse }).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(RestError);
    expect((throttled as RestError).statusCode).toBe(429);
    expect((throttled as RestError).code).toBe("RateLimiting");
    // Without a retry header the SDK does not retry: one request only.
    expect(emulator.counters.requests.resourceGraph).toBe(3);
    expect(remaining).toEqual(["1", "0", "0"]);
  });

  it("refuses a query it does not recognise, so a changed query cannot pass unnoticed", async () => {
    const changed = POSTURE_QUERY.replace("order by id asc", "order by name asc");
    const failure = await sdkClients(emulator).graph.resources({ query: changed }).catch((error: unknown) => error);
    expect((failure as RestError).statusCode).toBe(400);
    expect((failure as RestError).code).toBe("InvalidQuery");
  });

  it("accepts the query whatever its white space", async () => {
    const reflowed = POSTURE_QUERY.replace(/\n\s*/g, " ");
    const page = await sdkClients(emulator).graph.resources({ subscriptions: subscriptionIds, query: reflowed, options: { top: 3 } });
    expect(page.count).toBe(3);
  });

  it("refuses a page size above 1000, a skip token from another scope, both scopes at once, and a wrong content type", async () => {
    const { graph } = sdkClients(emulator);
    const tooBig = await graph.resources({ query: POSTURE_QUERY, options: { top: 1001 } }).catch((error: unknown) => error);
    expect((tooBig as RestError).statusCode).toBe(400);
    const first = await graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 5 } });
    const foreign = await graph
      .resources({ subscriptions: subscriptionIds.slice(0, 2), query: POSTURE_QUERY, options: { top: 5, skipToken: first.skipToken } })
      .catch((error: unknown) => error);
    expect((foreign as RestError).code).toBe("InvalidSkipToken");
    const both = await graph.resources({ subscriptions: subscriptionIds, managementGroups: ["mg-corp"], query: POSTURE_QUERY }).catch((error: unknown) => error);
    expect((both as RestError).statusCode).toBe(400);
    const textPlain = await rawRequest(emulator, "POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", {
      body: { query: POSTURE_QUERY },
      headers: { "content-type": "text/plain" },
    });
    expect(textPlain.status).toBe(500);
  });

  it("can withhold the skip token and mark the result truncated, as Azure does for queries it cannot page", async () => {
    emulator.knobs.resourceGraph.withholdSkipToken = true;
    const page = await sdkClients(emulator).graph.resources({ subscriptions: subscriptionIds, query: POSTURE_QUERY, options: { top: 10 } });
    expect(page.resultTruncated).toBe("true");
    expect(page.skipToken).toBeUndefined();
  });
});
