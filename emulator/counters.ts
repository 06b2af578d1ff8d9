import { type CountsByKind, type RequestKind, zeroCounts } from "./requestKinds.js";

/**
 * What the emulator has served, by kind. `requests` counts HTTP requests (one `/batch` call is one
 * `batch` request); `batchItems` counts the inner requests of `/batch` calls by their own kind.
 */
export class RequestCounters {
  requests: CountsByKind = zeroCounts();
  batchItems: CountsByKind = zeroCounts();
  /** 429 responses, whether from a quota, a token bucket or an injected fault (inner batch items included). */
  throttled: CountsByKind = zeroCounts();
  /** Injected faults and outages served (inner batch items included). */
  faults: CountsByKind = zeroCounts();

  countRequest(kind: RequestKind, asBatchItem: boolean): void {
    if (asBatchItem) this.batchItems[kind] += 1;
    else this.requests[kind] += 1;
  }

  /** Requests of a kind whether they came alone or inside a `/batch` call. */
  served(kind: RequestKind): number {
    return this.requests[kind] + this.batchItems[kind];
  }

  totalRequests(): number {
    return Object.values(this.requests).reduce((sum, count) => sum + count, 0);
  }

  reset(): void {
    this.requests = zeroCounts();
    this.batchItems = zeroCounts();
    this.throttled = zeroCounts();
    this.faults = zeroCounts();
  }

  snapshot(): { requests: CountsByKind; batchItems: CountsByKind; throttled: CountsByKind; faults: CountsByKind } {
    return {
      requests: { ...this.requests },
      batchItems: { ...this.batchItems },
      throttled: { ...this.throttled },
      faults: { ...this.faults },
    };
  }
}
