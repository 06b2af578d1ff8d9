import type { RequestKind } from "./requestKinds.js";

/**
 * How a 429 or 503 tells the client when to come back. `seconds` is ARM's documented `Retry-After`;
 * `milliseconds` sends `retry-after-ms` (which the SDK prefers) so tests need not wait whole seconds;
 * `none` sends neither, and the SDK's retry policy then gives up at once on a 429.
 */
export type RetryAfterStyle = "seconds" | "milliseconds" | "none";

export interface FaultRule {
  /** The kinds the rule applies to; inner `/batch` requests match by their own kind. */
  readonly kinds: readonly RequestKind[];
  readonly status: number;
  /** Error code in the body; defaults to one that fits the status. */
  readonly code?: string;
  /** For 429 and 503: how long to tell the client to wait. Absent sends no retry header. */
  readonly retryAfter?: { readonly style: Exclude<RetryAfterStyle, "none">; readonly milliseconds: number };
  /** Chance that a matching request is hit, 0–1; 1 when absent. Drawn from the emulator's seeded generator. */
  readonly rate?: number;
  /** How many more requests the rule may hit; unlimited when absent. Decremented as it fires. */
  remaining?: number;
  /** Only requests whose path contains this text (case-insensitive), e.g. one resource id. */
  readonly pathContains?: string;
  /**
   * Answer with this JSON body instead of an error body, e.g. `{ status: 200, body: { id } }` for the thin
   * body that crashes arm-keyvault. A 204 always answers with no body.
   */
  readonly body?: unknown;
}

/** `connectionReset` destroys the socket (a network error to the client); `serviceUnavailable` answers 503. */
export type OutageMode = "connectionReset" | "serviceUnavailable";

export interface Knobs {
  /** Added before every response. */
  latencyMs: number;
  latencyByKindMs: Partial<Record<RequestKind, number>>;
  /** Checked in order; the first rule that fires answers the request. */
  faults: FaultRule[];
  outages: Partial<Record<RequestKind, OutageMode>>;
  resourceGraph: {
    /** Queries allowed per principal in one window (documented example: 15 per 5 s). */
    quotaPerWindow: number;
    windowMs: number;
    /** Whether the 429 `RateLimiting` answer carries a retry header; Azure does not document one. */
    retryAfterOn429: RetryAfterStyle;
    /** Answer `resultTruncated: "true"` with no `$skipToken` when more rows exist, as Azure does for `take`. */
    withholdSkipToken: boolean;
  };
  armReads: {
    /** Token bucket per subscription and principal: documented 250 burst, 25 per second. */
    burst: number;
    refillPerSecond: number;
    retryAfterOn429: RetryAfterStyle;
  };
  /** Items per page of ARM list operations, before `nextLink`. */
  armPageSize: number;
  batch: {
    /**
     * ARM may answer `/batch` with 202 Accepted and a `Location` to poll (with `Retry-After` in seconds) instead of
     * the responses: how many polls answer 202 again before the 200 with the responses (0: answer 200 at once).
     */
    acceptedPolls: number;
    retryAfterSeconds: number;
  };
  ingestion: {
    /** Largest accepted request, compressed or not: 1 MiB, as the SDK's own chunks may pass 1,000,000 bytes. */
    maxRequestBytes: number;
  };
}

export function defaultKnobs(): Knobs {
  return {
    latencyMs: 0,
    latencyByKindMs: {},
    faults: [],
    outages: {},
    resourceGraph: { quotaPerWindow: 15, windowMs: 5_000, retryAfterOn429: "none", withholdSkipToken: false },
    armReads: { burst: 250, refillPerSecond: 25, retryAfterOn429: "seconds" },
    armPageSize: 100,
    batch: { acceptedPolls: 0, retryAfterSeconds: 1 },
    ingestion: { maxRequestBytes: 1_048_576 },
  };
}

/** Partial knobs: sections are merged one level deep, `faults` is replaced whole. */
export type KnobOverrides = {
  [K in keyof Knobs]?: Knobs[K] extends readonly unknown[] ? Knobs[K] : Knobs[K] extends object ? Partial<Knobs[K]> : Knobs[K];
};

export function applyKnobOverrides(knobs: Knobs, overrides: KnobOverrides): void {
  if (overrides.latencyMs !== undefined) knobs.latencyMs = overrides.latencyMs;
  if (overrides.armPageSize !== undefined) knobs.armPageSize = overrides.armPageSize;
  if (overrides.faults !== undefined) knobs.faults = [...overrides.faults];
  if (overrides.latencyByKindMs !== undefined) Object.assign(knobs.latencyByKindMs, overrides.latencyByKindMs);
  if (overrides.outages !== undefined) Object.assign(knobs.outages, overrides.outages);
  if (overrides.resourceGraph !== undefined) Object.assign(knobs.resourceGraph, overrides.resourceGraph);
  if (overrides.armReads !== undefined) Object.assign(knobs.armReads, overrides.armReads);
  if (overrides.ingestion !== undefined) Object.assign(knobs.ingestion, overrides.ingestion);
  if (overrides.batch !== undefined) Object.assign(knobs.batch, overrides.batch);
}
