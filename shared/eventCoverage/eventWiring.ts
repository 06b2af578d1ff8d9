import type { QueryRequest } from "@azure/arm-resourcegraph";
import { queryWithThrottleWaits } from "../handlers/subscriptionScope.js";
import type { ResourceGraphQueryClient } from "../readers/resourceGraphReader.js";

/**
 * Event Grid system topics of the two types vaultwatch subscribes to, with the identities attached to them.
 *
 * What Resource Graph can and cannot show: system topics are tracked resources, so they are in the `resources`
 * table with their `properties.topicType`, `properties.source` and `identity`. Event subscriptions are proxy
 * (child) resources and Resource Graph documents no table that holds them, so the query cannot see whether the
 * topic's `vaultwatch` event subscription exists or where it delivers. What it can see is the topic carrying this
 * deployment's delivery identity, which only vaultwatch's onboarding (Bicep or the policy) attaches: that is what
 * "wired" means here. Whether events really arrive is the other half of the coverage row, the last event time the
 * event worker records.
 *
 * Ordered by id so `$skipToken` paging holds.
 */
export const EVENT_TOPICS_QUERY = `Resources
| where type =~ 'microsoft.eventgrid/systemtopics'
| where tostring(properties.topicType) in~ ('Microsoft.Resources.Subscriptions', 'Microsoft.ResourceNotifications.Resources')
| project id, subscriptionId, topicType = tostring(properties.topicType), source = tostring(properties.source), identity
| order by id asc`;

/** One system topic as the query projects it. */
export interface EventTopic {
  readonly id: string;
  readonly subscriptionId: string;
  readonly topicType: string;
  readonly source: string;
  /** Lower-cased resource ids of the user-assigned identities attached to the topic. */
  readonly userAssignedIdentityIds: readonly string[];
}

/**
 * - `Wired`: a system topic of this subscription carries this deployment's delivery identity.
 * - `NotWired`: Resource Graph answered and no such topic exists: changes there wait for the next sweep.
 * - `TopicWithoutIdentity`: a topic of the right type exists but the delivery identity to check for is not known
 *   (the CLI without `--events-identity`), so whether it feeds this deployment cannot be told.
 * - `Unknown`: the topics could not be read.
 */
export type EventWiring = "Wired" | "NotWired" | "TopicWithoutIdentity" | "Unknown";

export interface SubscriptionCoverage {
  readonly subscriptionId: string;
  readonly wiring: EventWiring;
  /** The topic that decided `wiring`, when there is one. */
  readonly topicId?: string;
  /** Why the wiring is `Unknown`. */
  readonly reason?: string;
  /** When the last event from this subscription reached vaultwatch; absent when none has, or when not known. */
  readonly lastEventAt?: Date;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A row of EVENT_TOPICS_QUERY, or `undefined` when it is not one (it is skipped rather than guessed at). */
export function eventTopicOfRow(row: unknown): EventTopic | undefined {
  const record = asRecord(row);
  if (record === undefined) return undefined;
  const { id, subscriptionId, topicType, source } = record;
  if (typeof id !== "string" || typeof subscriptionId !== "string" || !GUID.test(subscriptionId)) return undefined;
  const identities = asRecord(asRecord(record.identity)?.userAssignedIdentities) ?? {};
  return {
    id,
    subscriptionId,
    topicType: typeof topicType === "string" ? topicType : "",
    source: typeof source === "string" ? source : "",
    userAssignedIdentityIds: Object.keys(identities).map((key) => key.toLowerCase()),
  };
}

/**
 * The wiring of each subscription from the topics Resource Graph returned. A topic counts for a subscription only
 * when its source is that subscription (a subscription's system topic can live in another subscription's resource
 * group, so the topic's own subscription is not what matters).
 */
export function classifyWiring(subscriptionIds: readonly string[], topics: readonly EventTopic[], deliveryIdentityId: string | undefined): SubscriptionCoverage[] {
  const wantedIdentity = deliveryIdentityId?.toLowerCase();
  return subscriptionIds.map((subscriptionId): SubscriptionCoverage => {
    const source = `/subscriptions/${subscriptionId}`.toLowerCase();
    const own = topics.filter((topic) => (topic.source === "" ? topic.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() : topic.source.toLowerCase() === source));
    if (wantedIdentity === undefined) {
      const [first] = own;
      return first === undefined ? { subscriptionId, wiring: "NotWired" } : { subscriptionId, wiring: "TopicWithoutIdentity", topicId: first.id };
    }
    const wired = own.find((topic) => topic.userAssignedIdentityIds.includes(wantedIdentity));
    return wired === undefined ? { subscriptionId, wiring: "NotWired" } : { subscriptionId, wiring: "Wired", topicId: wired.id };
  });
}

/** Reads the system topics of `subscriptionIds` (at most 1,000 per query, as Resource Graph allows), page by page. */
export async function readEventTopics(
  client: ResourceGraphQueryClient,
  subscriptionIds: readonly string[],
  options: { abortSignal?: AbortSignal } = {},
): Promise<EventTopic[]> {
  const topics: EventTopic[] = [];
  for (let start = 0; start < subscriptionIds.length; start += 1000) {
    const batch = subscriptionIds.slice(start, start + 1000);
    let skipToken: string | undefined;
    do {
      const request: QueryRequest = {
        subscriptions: [...batch],
        query: EVENT_TOPICS_QUERY,
        options: { top: 1000, resultFormat: "objectArray", ...(skipToken === undefined ? {} : { skipToken }) },
      };
      const response = await queryWithThrottleWaits(client, request, options.abortSignal, "the event topic query");
      if (!Array.isArray(response.data)) throw new Error("Resource Graph answered the event topic query without a data array.");
      for (const row of response.data as unknown[]) {
        const topic = eventTopicOfRow(row);
        if (topic !== undefined) topics.push(topic);
      }
      skipToken = typeof response.skipToken === "string" && response.skipToken.length > 0 ? response.skipToken : undefined;
    } while (skipToken !== undefined);
  }
  return topics;
}

/**
 * The wiring of every subscription in `subscriptionIds`; a failed read makes all of them `Unknown` with the
 * reason, never `NotWired` (an outage is not evidence that events are missing).
 */
export async function readEventWiring(
  client: ResourceGraphQueryClient,
  subscriptionIds: readonly string[],
  deliveryIdentityId: string | undefined,
  options: { abortSignal?: AbortSignal } = {},
): Promise<SubscriptionCoverage[]> {
  try {
    return classifyWiring(subscriptionIds, await readEventTopics(client, subscriptionIds, options), deliveryIdentityId);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return subscriptionIds.map((subscriptionId) => ({ subscriptionId, wiring: "Unknown", reason }));
  }
}
