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

/** `hh:mm:ss`, with a fraction only when the wait is not whole seconds (shortened test windows). */
export function formatResetsAfter(milliseconds: number): string {
  const clamped = Math.max(0, milliseconds);
  const totalSeconds = Math.floor(clamped / 1000);
  const fraction = clamped - totalSeconds * 1000;
  const hh = String(Math.floor(totalSeconds / 3600)).padStart(2, "0");
  const mm = String(Math.floor((totalSeconds % 3600) / 60)).padStart(2, "0");
  const ss = String(totalSeconds % 60).padStart(2, "0");
  return fraction > 0 ? `${hh}:${mm}:${ss}.${String(Math.min(999, Math.ceil(fraction))).padStart(3, "0")}` : `${hh}:${mm}:${ss}`;
}
