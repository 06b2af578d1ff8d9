import { setTimeout as delay } from "node:timers/promises";
import { type ArmContext, matchArmRoute } from "./arm.js";
import { AcceptedBatches, handleBatch } from "./batch.js";
import type { RequestCounters } from "./counters.js";
import type { Estate } from "./estate.js";
import {
  type EmulatorRequest,
  type EmulatorResponse,
  defaultErrorCode,
  errorResponse,
  requestIdHeaders,
  retryAfterHeaders,
} from "./http.js";
import { type DataCollectionRules, type IngestionLedger, handleIngestion } from "./ingestion.js";
import type { FaultRule, Knobs } from "./knobs.js";
import type { Random } from "./random.js";
import type { RequestKind } from "./requestKinds.js";
import { formatResetsAfter, QuotaWindow, TokenBuckets } from "./throttles.js";
import { handleResourceGraphQuery } from "./resourceGraph.js";

/** A response, or the instruction to drop the connection without answering (an outage). */
export type DispatchResult = EmulatorResponse | "connectionReset";

export interface DispatcherState {
  readonly estate: Estate;
  readonly knobs: Knobs;
  readonly counters: RequestCounters;
  readonly ledger: IngestionLedger;
  readonly random: Random;
  readonly origin: string;
  readonly dataCollectionRules: DataCollectionRules | undefined;
  /** The clock quotas and read buckets run on (milliseconds); `Date.now` unless a test drives time itself. */
  readonly throttleClock?: () => number;
}

interface Classified {
  readonly kind: RequestKind;
  readonly throttle: { readonly by: "resourceGraph" } | { readonly by: "armRead"; readonly subscriptionId: string | undefined } | undefined;
  readonly handle: (request: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;
}

/** Routes a request through auth, outages, injected faults and throttling to its handler. */
export class Dispatcher {
  private readonly resourceGraphQuota = new Map<string, QuotaWindow>();
  private readonly armBuckets: TokenBuckets;
  private readonly acceptedBatches = new AcceptedBatches();

  constructor(private readonly state: DispatcherState) {
    this.armBuckets = new TokenBuckets(state.throttleClock);
  }

  async dispatch(request: EmulatorRequest): Promise<DispatchResult> {
    const classified = this.classify(request);
    const { knobs, counters } = this.state;
    counters.countRequest(classified.kind, false);
    const latency = (knobs.latencyByKindMs[classified.kind] ?? 0) + knobs.latencyMs;
    if (latency > 0) await delay(latency);

    const principal = bearerToken(request);
    if (principal === undefined) {
      return errorResponse(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or is not a Bearer token.");
    }
    const outage = knobs.outages[classified.kind];
    if (outage !== undefined) {
      counters.faults[classified.kind] += 1;
      if (outage === "connectionReset") return "connectionReset";
      return errorResponse(503, "ServiceUnavailable", "The service is unavailable (emulated outage).");
    }

    if (classified.throttle?.by === "resourceGraph") {
      const { quotaPerWindow, windowMs, retryAfterOn429 } = knobs.resourceGraph;
      let window = this.resourceGraphQuota.get(principal);
      if (window === undefined) {
        window = new QuotaWindow(this.state.throttleClock);
        this.resourceGraphQuota.set(principal, window);
      }
      const quota = window.take(quotaPerWindow, windowMs);
      const quotaHeaders = {
        "x-ms-user-quota-remaining": String(quota.remaining),
        "x-ms-user-quota-resets-after": formatResetsAfter(quota.resetsInMs),
      };
      let response: EmulatorResponse;
      if (!quota.allowed) {
        counters.throttled.resourceGraph += 1;
        response = resourceGraphRateLimited(retryAfterHeaders(retryAfterOn429, quota.resetsInMs));
      } else {
        response = this.injectedFault(classified.kind, request) ?? (await classified.handle(request));
      }
      return { ...response, headers: { ...response.headers, ...quotaHeaders } };
    }

    const fault = this.injectedFault(classified.kind, request);
    if (fault !== undefined) return fault;
    if (classified.throttle?.by === "armRead") {
      const throttled = this.armReadThrottle(principal, classified.throttle.subscriptionId, classified.kind);
      if (throttled.response !== undefined) return throttled.response;
      const response = await classified.handle(request);
      return { ...response, headers: { ...response.headers, ...throttled.headers } };
    }
    return classified.handle(request);
  }

  /**
   * One inner request of a `/batch` call: counted by its own kind, subject to its own faults, outages and
   * read throttling, answered in-process.
   */
  async dispatchBatchItem(request: EmulatorRequest, principal: string): Promise<EmulatorResponse> {
    const classified = this.classify(request);
    const { knobs, counters } = this.state;
    counters.countRequest(classified.kind, true);
    if (classified.kind === "batch" || classified.kind === "ingestion") {
      return errorResponse(400, "InvalidBatchRequest", "A batch may not contain batch or ingestion requests.");
    }
    if (knobs.outages[classified.kind] !== undefined) {
      counters.faults[classified.kind] += 1;
      return errorResponse(503, "ServiceUnavailable", "The service is unavailable (emulated outage).");
    }
    const fault = this.injectedFault(classified.kind, request);
    if (fault !== undefined) return fault;
    if (classified.throttle?.by === "armRead") {
      const throttled = this.armReadThrottle(principal, classified.throttle.subscriptionId, classified.kind);
      if (throttled.response !== undefined) return throttled.response;
      const response = await classified.handle(request);
      return { ...response, headers: { ...response.headers, ...throttled.headers } };
    }
    return classified.handle(request);
  }

  resetThrottles(): void {
    this.resourceGraphQuota.clear();
    this.armBuckets.reset();
  }

  private classify(request: EmulatorRequest): Classified {
    const s = request.segments.map((segment) => segment.toLowerCase());
    const { state } = this;
    if (s.length === 3 && s[0] === "providers" && s[1] === "microsoft.resourcegraph" && s[2] === "resources") {
      return {
        kind: "resourceGraph",
        throttle: { by: "resourceGraph" },
        handle: (r) => handleResourceGraphQuery(r, state.estate, { withholdSkipToken: state.knobs.resourceGraph.withholdSkipToken }),
      };
    }
    if (s.length === 1 && s[0] === "batch" && !request.insideBatch) {
      return {
        kind: "batch",
        throttle: undefined,
        handle: async (r) => {
          const answer = await handleBatch(r, this, bearerToken(r) ?? "");
          const { acceptedPolls, retryAfterSeconds } = state.knobs.batch;
          return answer.status === 200 && acceptedPolls > 0 ? this.acceptedBatches.accept(answer, acceptedPolls, retryAfterSeconds, state.origin) : answer;
        },
      };
    }
    if (s.length === 3 && s[0] === "batch" && s[1] === "operations" && !request.insideBatch) {
      const id = request.segments[2] as string;
      return { kind: "batch", throttle: undefined, handle: (r) => this.acceptedBatches.poll(r, id, state.origin) };
    }
    if (s.length === 4 && s[0] === "datacollectionrules" && s[2] === "streams") {
      const [, dcr, , stream] = request.segments as [string, string, string, string];
      return {
        kind: "ingestion",
        throttle: undefined,
        handle: (r) => handleIngestion(r, dcr, stream, state.dataCollectionRules, state.knobs, state.ledger),
      };
    }
    const arm = matchArmRoute(request.segments);
    if (arm !== undefined) {
      const context: ArmContext = { estate: state.estate, origin: state.origin, pageSize: state.knobs.armPageSize };
      return {
        kind: arm.kind,
        throttle: request.method === "GET" ? { by: "armRead", subscriptionId: arm.subscriptionId } : undefined,
        handle: (r) => arm.handle(r, context),
      };
    }
    return {
      kind: "unrecognised",
      throttle: undefined,
      handle: (r) =>
        errorResponse(404, "NoRouteFound", `The emulator does not serve ${r.method} ${r.url.pathname}; see emulator/README.md for what it serves.`),
    };
  }

  private injectedFault(kind: RequestKind, request: EmulatorRequest): EmulatorResponse | undefined {
    const { knobs, counters, random } = this.state;
    const path = request.url.pathname.toLowerCase();
    // The first rule that matches and wins its rate draw answers; a rule that loses its draw lets the next one try.
    const rule = knobs.faults.find((candidate) => ruleMatches(candidate, kind, path) && (candidate.rate === undefined || random() < candidate.rate));
    if (rule === undefined) return undefined;
    if (rule.remaining !== undefined) rule.remaining -= 1;
    counters.faults[kind] += 1;
    if (rule.status === 429) counters.throttled[kind] += 1;
    const retry = rule.retryAfter === undefined ? {} : retryAfterHeaders(rule.retryAfter.style, rule.retryAfter.milliseconds);
    if (rule.status === 204) return { status: 204, headers: retry };
    if (rule.body !== undefined) return { status: rule.status, json: rule.body, headers: retry };
    if (kind === "resourceGraph" && rule.status === 429) return resourceGraphRateLimited(retry);
    const code = rule.code ?? defaultErrorCode(rule.status);
    return errorResponse(rule.status, code, `Injected fault: ${rule.status} ${code}.`, retry);
  }

  private armReadThrottle(
    principal: string,
    subscriptionId: string | undefined,
    kind: RequestKind,
  ): { response?: EmulatorResponse; headers: Record<string, string> } {
    const { burst, refillPerSecond, retryAfterOn429 } = this.state.knobs.armReads;
    const key = `${principal}|${(subscriptionId ?? "tenant").toLowerCase()}`;
    const taken = this.armBuckets.take(key, burst, refillPerSecond);
    const remainingHeader = subscriptionId === undefined ? "x-ms-ratelimit-remaining-tenant-reads" : "x-ms-ratelimit-remaining-subscription-reads";
    if (taken.allowed) return { headers: { [remainingHeader]: String(taken.remaining) } };
    this.state.counters.throttled[kind] += 1;
    return {
      headers: {},
      response: errorResponse(
        429,
        "TooManyRequests",
        "The request is being throttled as the limit has been reached for operation type - Read.",
        { [remainingHeader]: "0", ...retryAfterHeaders(retryAfterOn429, taken.retryAfterMs) },
      ),
    };
  }
}

function ruleMatches(rule: FaultRule, kind: RequestKind, path: string): boolean {
  if (!rule.kinds.includes(kind)) return false;
  if (rule.remaining !== undefined && rule.remaining <= 0) return false;
  return rule.pathContains === undefined || path.includes(rule.pathContains.toLowerCase());
}

function resourceGraphRateLimited(headers: Record<string, string>): EmulatorResponse {
  const ids = requestIdHeaders();
  return errorResponseWithDetails(429, "RateLimiting", ids, headers);
}

function errorResponseWithDetails(status: number, code: string, ids: Record<string, string>, headers: Record<string, string>): EmulatorResponse {
  return {
    status,
    headers: { "x-ms-error-code": code, ...headers },
    json: {
      error: {
        code,
        message: `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}, correlationId = ${ids["x-ms-correlation-request-id"]}.`,
        details: [
          {
            code,
            message:
              "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.",
          },
        ],
      },
    },
  };
}

function bearerToken(request: EmulatorRequest): string | undefined {
  const header = request.headers["authorization"];
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
