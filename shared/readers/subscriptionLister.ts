import { isRestError } from "@azure/core-rest-pipeline";
import type { ArmRestClient } from "./armRestClient.js";
import { AzureReadError, describeReadFailure, toAzureReadError } from "./readError.js";

export const SUBSCRIPTIONS_API_VERSION = "2022-12-01";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ReadableSubscription {
  readonly subscriptionId: string;
  readonly displayName: string | undefined;
  readonly state: string | undefined;
}

/** Every subscription the identity can read (`GET /subscriptions`, following `nextLink`), for sharding a sweep. */
export async function* listSubscriptions(arm: ArmRestClient, options: { abortSignal?: AbortSignal } = {}): AsyncGenerator<ReadableSubscription> {
  let next: string | undefined = `/subscriptions?api-version=${SUBSCRIPTIONS_API_VERSION}`;
  while (next !== undefined) {
    let response;
    try {
      response = await arm.send("GET", next, options);
    } catch (error) {
      // A refused redirect (RangeError) is ours and says so; what the network or service did is said in words.
      if (options.abortSignal?.aborted || !isRestError(error)) throw error;
      throw toAzureReadError("Azure Resource Manager", "listing subscriptions", error);
    }
    if (response.status !== 200) {
      const code = (response.body as { error?: { code?: unknown } } | undefined)?.error?.code;
      const message = (response.body as { error?: { message?: unknown } } | undefined)?.error?.message;
      const failure = { statusCode: response.status, code: typeof code === "string" ? code : undefined, message: typeof message === "string" ? message : "" };
      throw new AzureReadError(describeReadFailure("Azure Resource Manager", "listing subscriptions", failure).trim(), {
        service: "Azure Resource Manager",
        statusCode: response.status,
        code: typeof code === "string" ? code : undefined,
        requestId: response.headers.get("x-ms-request-id"),
      });
    }
    const body = response.body as { value?: unknown; nextLink?: unknown } | undefined;
    if (!Array.isArray(body?.value)) throw new AzureReadError("Listing subscriptions answered without a value array.", { service: "Azure Resource Manager" });
    for (const item of body.value as Record<string, unknown>[]) {
      const subscriptionId = item?.["subscriptionId"];
      if (typeof subscriptionId !== "string" || !GUID.test(subscriptionId)) {
        // A subscription that cannot be named cannot be swept; say so rather than shrink the scope quietly.
        throw new AzureReadError(`Listing subscriptions returned an item without a valid subscriptionId: ${JSON.stringify(item).slice(0, 200)}`, {
          service: "Azure Resource Manager",
        });
      }
      yield {
        subscriptionId,
        displayName: typeof item["displayName"] === "string" ? item["displayName"] : undefined,
        state: typeof item["state"] === "string" ? item["state"] : undefined,
      };
    }
    next = typeof body.nextLink === "string" && body.nextLink.length > 0 ? body.nextLink : undefined;
  }
}
