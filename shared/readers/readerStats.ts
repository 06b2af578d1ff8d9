import type { PipelinePolicy } from "@azure/core-rest-pipeline";

export const READER_REQUEST_KINDS = ["resourceGraph", "keyVaultGet", "privateEndpointGet", "subscriptionList", "batch"] as const;
export type ReaderRequestKind = (typeof READER_REQUEST_KINDS)[number];

export interface ThrottleWait {
  readonly service: "Resource Graph" | "Azure Resource Manager";
  readonly milliseconds: number;
  /** `quota`: paced ahead of a limit from the headers; `throttled`: waiting after a 429. */
  readonly cause: "quota" | "throttled";
}

/** What the readers sent and waited for, as the client saw it (every HTTP attempt, retries included). */
export class ReaderStats {
  readonly requests = zero();
  readonly throttled = zero();
  /** Inner requests carried by `/batch` calls. */
  batchItems = 0;
  throttleWaits = 0;
  throttleWaitMs = 0;

  recordWait(wait: ThrottleWait): void {
    this.throttleWaits += 1;
    this.throttleWaitMs += wait.milliseconds;
  }

  totalRequests(): number {
    return Object.values(this.requests).reduce((sum, count) => sum + count, 0);
  }
}

function zero(): Record<ReaderRequestKind, number> {
  return Object.fromEntries(READER_REQUEST_KINDS.map((kind) => [kind, 0])) as Record<ReaderRequestKind, number>;
}

/**
 * Counts every attempt an SDK client makes, retries included: add it to the client's options as
 * `additionalPolicies: [{ policy: countingPolicy(stats, kind), position: "perRetry" }]`.
 */
export function countingPolicy(stats: ReaderStats, kind: ReaderRequestKind | ((url: URL) => ReaderRequestKind)): PipelinePolicy {
  return {
    name: `vaultwatchCount-${typeof kind === "string" ? kind : "byUrl"}`,
    async sendRequest(request, next) {
      const counted = typeof kind === "string" ? kind : kind(new URL(request.url));
      stats.requests[counted] += 1;
      const response = await next(request);
      if (response.status === 429) stats.throttled[counted] += 1;
      return response;
    },
  };
}

/** The plain ARM client serves `/batch`, the subscription list and private endpoint reads: count each as what it is. */
export function armRequestKind(url: URL): ReaderRequestKind {
  const path = url.pathname.toLowerCase();
  if (path === "/subscriptions" || path === "/subscriptions/") return "subscriptionList";
  if (path.includes("/providers/microsoft.network/privateendpoints/")) return "privateEndpointGet";
  return "batch";
}
