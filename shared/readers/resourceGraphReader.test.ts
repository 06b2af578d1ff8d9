import type { QueryRequest, QueryResponse, ResourcesOptionalParams } from "@azure/arm-resourcegraph";
import { RestError, createHttpHeaders } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { AzureReadError } from "./readError.js";
import { type ResourceGraphQueryClient, ResourceGraphReader } from "./resourceGraphReader.js";

/** Answers from a script, handing each answer's headers to `onResponse` as the SDK does. */
function scriptedClient(answers: { response: Partial<QueryResponse>; headers?: Record<string, string> }[]): ResourceGraphQueryClient & { sent: QueryRequest[] } {
  const sent: QueryRequest[] = [];
  return {
    sent,
    async resources(query: QueryRequest, options?: ResourcesOptionalParams): Promise<QueryResponse> {
      sent.push(query);
      const answer = answers.shift();
      if (answer === undefined) throw new Error("no more scripted answers");
      options?.onResponse?.({ headers: createHttpHeaders(answer.headers ?? {}) } as never, undefined as never);
      return { totalRecords: 0, count: 0, resultTruncated: "false", data: [], ...answer.response } as QueryResponse;
    },
  };
}

describe("the Resource Graph reader's handling of what Resource Graph answers", () => {
  it("fails rather than sweep part of a tenant past Resource Graph's 10,000-subscription limit", async () => {
    const client = scriptedClient([{ response: { data: [] }, headers: { "x-ms-tenant-subscription-limit-hit": "true" } }]);
    const read = async () => {
      for await (const _ of new ResourceGraphReader(client).pages({ kind: "tenant" })) void _;
    };
    const failure = await read().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AzureReadError);
    expect((failure as Error).message).toMatch(/only part of the tenant/);
  });

  it("waits at least a second after a 429 that says the quota resets in 00:00:00, instead of retrying in a burst", async () => {
    const throttled = new RestError("throttled", {
      statusCode: 429,
      code: "RateLimiting",
      response: { headers: createHttpHeaders({ "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:00" }) } as never,
    });
    let calls = 0;
    const client: ResourceGraphQueryClient = {
      async resources(): Promise<QueryResponse> {
        calls += 1;
        if (calls === 1) throw throttled;
        return { totalRecords: 0, count: 0, resultTruncated: "false", data: [] } as QueryResponse;
      },
    };
    const waits: number[] = [];
    for await (const _ of new ResourceGraphReader(client, { onThrottleWait: (wait) => waits.push(wait.milliseconds) }).pages({ kind: "tenant" })) void _;
    expect(calls).toBe(2);
    expect(waits).toEqual([1000]);
  });

  it("paces the next query to the end of the second when the quota is spent and resets in 00:00:00", async () => {
    const client = scriptedClient([
      { response: { data: [{ id: "a" }], skipToken: "t1", count: 1, totalRecords: 2 }, headers: { "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:00" } },
      { response: { data: [{ id: "b" }], count: 1, totalRecords: 2 } },
    ]);
    const waits: { milliseconds: number; cause: string }[] = [];
    for await (const _ of new ResourceGraphReader(client, { onThrottleWait: (wait) => waits.push(wait) }).pages({ kind: "tenant" })) void _;
    expect(waits).toHaveLength(1);
    expect(waits[0]?.cause).toBe("quota");
    expect(waits[0]?.milliseconds).toBeGreaterThan(500);
  });

  it("sends the same query and scope for every page, with only the skip token changing", async () => {
    const client = scriptedClient([
      { response: { data: [{ id: "a" }], skipToken: "t1", count: 1, totalRecords: 2 } },
      { response: { data: [{ id: "b" }], count: 1, totalRecords: 2 } },
    ]);
    const ids = [];
    for await (const page of new ResourceGraphReader(client, { pageSize: 1 }).pages({ kind: "managementGroups", managementGroupIds: ["mg-a", "MG-A", "mg-b"] })) {
      ids.push(...(page.resources as { id: string }[]).map((resource) => resource.id));
    }
    expect(ids).toEqual(["a", "b"]);
    expect(client.sent.map((request) => [request.managementGroups, request.options?.skipToken, request.options?.top])).toEqual([
      [["mg-a", "mg-b"], undefined, 1],
      [["mg-a", "mg-b"], "t1", 1],
    ]);
    expect(client.sent[0]?.query).toBe(client.sent[1]?.query);
  });

  it("reads resultTruncated as the string Azure sends, and as a boolean should that ever change", async () => {
    const client = scriptedClient([{ response: { data: [{ id: "a" }], resultTruncated: true as never } }]);
    const read = async () => {
      for await (const _ of new ResourceGraphReader(client).pages({ kind: "tenant" })) void _;
    };
    await expect(read()).rejects.toThrow(/truncated/);
  });
});
