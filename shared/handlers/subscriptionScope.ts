import type { QueryRequest } from "@azure/arm-resourcegraph";
import { isRestError } from "@azure/core-rest-pipeline";
import type { ScopeConfig } from "../config.js";
import type { ArmRestClient } from "../readers/armRestClient.js";
import { toAzureReadError } from "../readers/readError.js";
import type { ResourceGraphQueryClient } from "../readers/resourceGraphReader.js";
import { sleep } from "../readers/sleep.js";
import { listSubscriptions } from "../readers/subscriptionLister.js";
import { quotaResetWaitMs, retryAfterMs } from "../readers/throttleHeaders.js";

/**
 * The subscriptions below management groups, from Resource Graph's `ResourceContainers` table (readable with
 * Reader on the groups, unlike the Management Groups API). Ordered by the unique id so `$skipToken` paging holds.
 */
export const SUBSCRIPTIONS_UNDER_MANAGEMENT_GROUPS_QUERY = `ResourceContainers
| where type =~ 'microsoft.resources/subscriptions'
| project subscriptionId
| order by subscriptionId asc`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Throttled attempts of one page before planning fails (the timer then retries at its next occurrence). */
const MAX_THROTTLED_ATTEMPTS = 6;
const FALLBACK_THROTTLE_WAIT_MS = 5_000;

export interface SweepScope {
  /** In scope and readable, in a stable order (case-insensitive). */
  readonly subscriptionIds: readonly string[];
  /** Configured subscriptions that cannot be read: skipped, so their resources keep their last state. */
  readonly errors: readonly string[];
}

export interface SubscriptionDirectory {
  readonly arm: ArmRestClient;
  readonly resourceGraph: ResourceGraphQueryClient;
}

/**
 * The subscriptions a sweep covers: the configured ones the identity can read, every subscription below the
 * configured management groups, or, with neither set, every subscription the identity can read. A configured
 * subscription that cannot be read is left out and reported rather than swept: Resource Graph answers an
 * unreadable subscription with no rows, which the sweep would take for "every vault was deleted".
 */
export async function resolveSweepScope(scope: ScopeConfig, directory: SubscriptionDirectory, options: { abortSignal?: AbortSignal } = {}): Promise<SweepScope> {
  const chosen = new Map<string, string>();
  const errors: string[] = [];
  const add = (id: string): void => {
    if (!chosen.has(id.toLowerCase())) chosen.set(id.toLowerCase(), id);
  };

  const needsReadable = scope.subscriptionIds.length > 0 || scope.managementGroups.length === 0;
  const readable = new Map<string, string>();
  if (needsReadable) {
    for await (const subscription of listSubscriptions(directory.arm, options)) {
      readable.set(subscription.subscriptionId.toLowerCase(), subscription.subscriptionId);
    }
  }
  if (scope.subscriptionIds.length === 0 && scope.managementGroups.length === 0) {
    for (const id of readable.values()) add(id);
  }
  for (const id of scope.subscriptionIds) {
    if (readable.has(id.toLowerCase())) add(id);
    else errors.push(`Subscription ${id} is configured in VAULTWATCH_SUBSCRIPTION_IDS but the identity cannot read it; it was not swept.`);
  }
  if (scope.managementGroups.length > 0) {
    for await (const id of subscriptionsUnderManagementGroups(directory.resourceGraph, scope.managementGroups, options)) add(id);
  }
  const subscriptionIds = [...chosen.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  return { subscriptionIds, errors };
}

/** Pages through `ResourceContainers` at management-group scope; waits as a 429 or the quota headers say. */
export async function* subscriptionsUnderManagementGroups(
  client: ResourceGraphQueryClient,
  managementGroups: readonly string[],
  options: { abortSignal?: AbortSignal } = {},
): AsyncGenerator<string> {
  let skipToken: string | undefined;
  do {
    const request: QueryRequest = {
      managementGroups: [...managementGroups],
      query: SUBSCRIPTIONS_UNDER_MANAGEMENT_GROUPS_QUERY,
      options: { top: 1000, resultFormat: "objectArray", allowPartialScopes: false, ...(skipToken === undefined ? {} : { skipToken }) },
    };
    const response = await queryWithThrottleWaits(client, request, options.abortSignal);
    if (!Array.isArray(response.data)) throw new Error("Resource Graph answered the subscription query without a data array.");
    for (const row of response.data as unknown[]) {
      const id = (row as { subscriptionId?: unknown } | null)?.subscriptionId;
      if (typeof id === "string" && GUID.test(id)) yield id;
    }
    skipToken = typeof response.skipToken === "string" && response.skipToken.length > 0 ? response.skipToken : undefined;
    if (String(response.resultTruncated).toLowerCase() === "true" && skipToken === undefined) {
      throw new Error("Resource Graph truncated the subscription list without a skip token; refusing to sweep part of the management groups.");
    }
  } while (skipToken !== undefined);
}

/** One Resource Graph query, waiting as a 429 or the quota headers say; `what` names the query in errors. */
export async function queryWithThrottleWaits(client: ResourceGraphQueryClient, request: QueryRequest, abortSignal: AbortSignal | undefined, what = "the subscription query") {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await client.resources(request, { abortSignal });
    } catch (error) {
      if (!isRestError(error) || error.statusCode !== 429 || attempt >= MAX_THROTTLED_ATTEMPTS) {
        throw toAzureReadError("Resource Graph", what, error);
      }
      const headers = error.response?.headers;
      const wait = (headers && retryAfterMs(headers)) ?? (headers && quotaResetWaitMs(headers.get("x-ms-user-quota-resets-after") ?? undefined)) ?? FALLBACK_THROTTLE_WAIT_MS;
      await sleep(wait, abortSignal);
    }
  }
}
