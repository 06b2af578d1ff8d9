import type { QueryRequest, QueryResponse } from "@azure/arm-resourcegraph";
import { RestError, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../emulator/index.js";
import { ConfiguredEventScope } from "../../shared/handlers/eventScope.js";
import { SUBSCRIPTIONS_UNDER_MANAGEMENT_GROUPS_QUERY, resolveSweepScope, subscriptionsUnderManagementGroups } from "../../shared/handlers/subscriptionScope.js";
import { ArmRestClient } from "../../shared/readers/armRestClient.js";
import type { ResourceGraphQueryClient } from "../../shared/readers/resourceGraphReader.js";
import { validateKql } from "../support/kusto.js";

/** Resource Graph's `resourcecontainers` table (subscriptions and resource groups), as Kusto types. */
const RESOURCE_CONTAINERS = {
  id: "string",
  name: "string",
  type: "string",
  tenantId: "string",
  location: "string",
  subscriptionId: "string",
  resourceGroup: "string",
  properties: "dynamic",
  tags: "dynamic",
};

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";

/** A Resource Graph client that answers from a script and records what it was asked. */
function scriptedGraph(answers: ((request: QueryRequest) => QueryResponse | Error)[]) {
  const requests: QueryRequest[] = [];
  const client: ResourceGraphQueryClient = {
    resources: async (request) => {
      requests.push(structuredClone(request));
      const answer = answers.shift();
      if (answer === undefined) throw new Error("no more scripted answers");
      const result = answer(request);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { client, requests };
}

function page(subscriptionIds: string[], skipToken?: string): QueryResponse {
  return {
    totalRecords: subscriptionIds.length,
    count: subscriptionIds.length,
    resultTruncated: skipToken === undefined ? "false" : "true",
    data: subscriptionIds.map((subscriptionId) => ({ subscriptionId })),
    ...(skipToken === undefined ? {} : { skipToken }),
  } as QueryResponse;
}

function throttled(resetsAfter: string): RestError {
  const request = createPipelineRequest({ url: "https://management.azure.com/providers/Microsoft.ResourceGraph/resources" });
  return new RestError("Too many requests", {
    statusCode: 429,
    code: "RateLimiting",
    request,
    response: { status: 429, request, headers: createHttpHeaders({ "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": resetsAfter }) },
  });
}

describe("the subscriptions below management groups", () => {
  it("are asked of Resource Graph with a query Microsoft's Kusto parser accepts against ResourceContainers", () => {
    expect(validateKql(SUBSCRIPTIONS_UNDER_MANAGEMENT_GROUPS_QUERY, { ResourceContainers: RESOURCE_CONTAINERS })).toEqual([]);
    expect(SUBSCRIPTIONS_UNDER_MANAGEMENT_GROUPS_QUERY).toMatch(/\|\s*order by subscriptionId asc\s*$/);
    expect(SUBSCRIPTIONS_UNDER_MANAGEMENT_GROUPS_QUERY).not.toMatch(/\b(take|limit|sample)\b/);
  });

  it("are read page by page at management-group scope, waiting out a 429 for the quota's reset", async () => {
    const graph = scriptedGraph([() => page([A], "next-page"), () => throttled("00:00:00.050"), () => page([B, "not-a-guid"])]);

    const ids: string[] = [];
    for await (const id of subscriptionsUnderManagementGroups(graph.client, ["mg-corp", "mg-online"])) ids.push(id);

    expect(ids).toEqual([A, B]);
    expect(graph.requests).toHaveLength(3);
    expect(graph.requests[0]).toMatchObject({ managementGroups: ["mg-corp", "mg-online"], query: SUBSCRIPTIONS_UNDER_MANAGEMENT_GROUPS_QUERY, options: { top: 1000, resultFormat: "objectArray" } });
    expect(graph.requests[0]?.options?.skipToken).toBeUndefined();
    expect(graph.requests[2]?.options?.skipToken).toBe("next-page");
  });

  it("refuse a list truncated without a way to read the rest", async () => {
    const truncated = { ...page([A]), resultTruncated: "true" } as QueryResponse;
    const graph = scriptedGraph([() => truncated]);

    const read = async () => {
      for await (const _ of subscriptionsUnderManagementGroups(graph.client, ["mg-corp"])) void _;
    };
    await expect(read()).rejects.toThrow(/truncated the subscription list without a skip token/);
  });
});

describe("the scope of a sweep", () => {
  let emulator: Emulator;
  let arm: ArmRestClient;
  let readable: string[];
  beforeAll(async () => {
    emulator = await startEmulator({ estate: { resources: 4, subscriptions: 3, seed: 2 }, knobs: { latencyMs: 0 } });
    arm = new ArmRestClient(emulator.credential, emulator.clientOptions());
    readable = emulator.estate.subscriptions().map((subscription) => subscription.subscriptionId);
  });
  afterAll(async () => emulator?.stop());

  it("is every subscription the identity can read when neither subscriptions nor management groups are configured", async () => {
    const graph = scriptedGraph([]);
    const scope = await resolveSweepScope({ subscriptionIds: [], managementGroups: [] }, { arm, resourceGraph: graph.client });
    expect(scope).toEqual({ subscriptionIds: [...readable].sort(), errors: [] });
    expect(graph.requests).toEqual([]);
  });

  it("is the configured subscriptions the identity can read, with the others reported, whatever their casing", async () => {
    const unknown = "cccccccc-0000-4000-8000-000000000003";
    const wanted = readable[1] ?? "";
    const scope = await resolveSweepScope({ subscriptionIds: [wanted.toUpperCase(), unknown], managementGroups: [] }, { arm, resourceGraph: scriptedGraph([]).client });
    expect(scope.subscriptionIds).toEqual([wanted.toUpperCase()]);
    expect(scope.errors).toEqual([expect.stringContaining(unknown)]);
  });

  it("adds the subscriptions below the configured management groups once, in a stable order", async () => {
    const configured = readable[0] ?? "";
    const graph = scriptedGraph([() => page([B, configured.toUpperCase(), A])]);
    const scope = await resolveSweepScope({ subscriptionIds: [configured], managementGroups: ["mg-corp"] }, { arm, resourceGraph: graph.client });
    expect(scope.subscriptionIds).toEqual([configured, A, B].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())));
  });
});

describe("the scope an event is checked against", () => {
  const C = "cccccccc-0000-4000-8000-000000000003";

  it("takes management groups' subscriptions from Resource Graph once, answers from that list, and looks again for an unknown subscription at most once a minute", async () => {
    let now = Date.parse("2026-11-24T06:00:00Z");
    const graph = scriptedGraph([() => page([A]), () => page([A, C])]);
    const scope = new ConfiguredEventScope({ subscriptionIds: [], managementGroups: ["mg-corp"] }, graph.client, () => new Date(now));

    expect(await scope.contains(A.toUpperCase())).toBe(true);
    expect(await scope.contains(B)).toBe(false);
    expect(graph.requests).toHaveLength(1);
    expect(graph.requests[0]?.managementGroups).toEqual(["mg-corp"]);

    now += 61_000;
    expect(await scope.contains(C)).toBe(true);
    expect(graph.requests).toHaveLength(2);
    expect(await scope.contains(B)).toBe(false);
    expect(graph.requests).toHaveLength(2);
  });

  it("is the configured subscriptions alone when no management group is set, with no request at all", async () => {
    const graph = scriptedGraph([]);
    const scope = new ConfiguredEventScope({ subscriptionIds: [A], managementGroups: [] }, graph.client);
    expect([await scope.contains(A), await scope.contains(B)]).toEqual([true, false]);
    expect(graph.requests).toEqual([]);
  });

  it("is every subscription when neither setting is given, as for the sweep", async () => {
    const scope = new ConfiguredEventScope({ subscriptionIds: [], managementGroups: [] }, undefined);
    expect(await scope.contains(C)).toBe(true);
  });
});
