/**
 * Resource Graph's per-principal quota: a fixed window that starts with the first query and allows
 * `quotaPerWindow` queries until it resets, reported on every response.
 */
export class QuotaWindow {
  private windowStart: number | undefined;
  private used = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Spends one query if any remain. Returns what the quota headers must say afterwards. */
  take(quotaPerWindow: number, windowMs: number): { allowed: boolean; remaining: number; resetsInMs: number } {
    const now = this.now();
    if (this.windowStart === undefined || now - this.windowStart >= windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const resetsInMs = this.windowStart + windowMs - now;
    if (this.used >= quotaPerWindow) return { allowed: false, remaining: 0, resetsInMs };
    this.used += 1;
    return { allowed: true, remaining: quotaPerWindow - this.used, resetsInMs };
  }
}

/** ARM's read throttling: a bucket of `burst` tokens per key, refilled continuously at `refillPerSecond`. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, burst: number, refillPerSecond: number): { allowed: boolean; remaining: number; retryAfterMs: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    const refilled = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * refillPerSecond);
    if (refilled >= 1) {
      this.buckets.set(key, { tokens: refilled - 1, at: now });
      return { allowed: true, remaining: Math.floor(refilled - 1), retryAfterMs: 0 };
    }
    this.buckets.set(key, { tokens: refilled, at: now });
    const retryAfterMs = refillPerSecond > 0 ? ((1 - refilled) / refillPerSecond) * 1000 : 60_000;
    return { allowed: false, remaining: 0, retryAfterMs };
  }

  reset(): void {
    this.buckets.clear();
  }
}

/**
 * `hh:mm:ss`, as Azure documents `x-ms-user-quota-resets-after`: whole seconds, the fraction cut off (as .NET's
 * `hh\:mm\:ss` format does), so a reset less than a second away reads `00:00:00`, which a reader must not take for "now".
 */
export function formatResetsAfter(milliseconds: number): string {
  const totalSeconds = Math.floor(Math.max(0, milliseconds) / 1000);
  const hh = String(Math.floor(totalSeconds / 3600)).padStart(2, "0");
  const mm = String(Math.floor((totalSeconds % 3600) / 60)).padStart(2, "0");
  const ss = String(totalSeconds % 60).padStart(2, "0");
  return `${hh}:${mm}:${ss}`;
}
