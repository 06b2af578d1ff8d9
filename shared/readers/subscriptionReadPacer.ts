import { sleep } from "./sleep.js";

/**
 * Spends ARM read capacity per subscription ahead of the service's token bucket (documented: 250 burst,
 * 25 per second per subscription and principal). Starts from the documented bucket and corrects itself from
 * `x-ms-ratelimit-remaining-subscription-reads`, so a reader stays under the limit instead of meeting 429s.
 * Acquisitions for one subscription take turns, so each is measured against the bucket as the previous
 * send left it; a small margin covers the time a request takes to reach ARM.
 */
export class SubscriptionReadPacer {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly burst: number = 250,
    private readonly refillPerSecond: number = 25,
    private readonly marginMs: number = 50,
  ) {
    if (!(burst >= 1) || !(refillPerSecond > 0)) throw new RangeError("The pacer needs a burst of at least 1 and a positive refill rate.");
  }

  /**
   * Waits until `reads` reads of the subscription fit, and claims them; returns how long it waited. Call it
   * right before the reads are sent: a bucket never holds more than its burst, so capacity claimed early is lost.
   */
  async acquire(subscriptionId: string, reads: number, abortSignal?: AbortSignal): Promise<number> {
    const key = subscriptionId.toLowerCase();
    const previous = this.turns.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.turns.set(key, previous.then(() => mine));
    await previous;
    try {
      const bucket = this.refilled(key);
      const missing = Math.min(reads, this.burst) - bucket.tokens;
      let waited = 0;
      if (missing > 0) {
        const refillMs = (missing / this.refillPerSecond) * 1000;
        // The margin covers a request's way to ARM; it never more than doubles a short wait.
        waited = refillMs + Math.min(this.marginMs, refillMs);
        await sleep(waited, abortSignal);
        this.refilled(key);
      }
      bucket.tokens -= reads;
      return waited;
    } finally {
      release();
    }
  }

  /** What the service says is left; never raises the estimate (other readers may share the bucket). */
  observe(subscriptionId: string, remaining: number): void {
    if (!Number.isFinite(remaining) || remaining < 0) return;
    const bucket = this.refilled(subscriptionId.toLowerCase());
    bucket.tokens = Math.min(bucket.tokens, remaining);
  }

  private refilled(key: string): { tokens: number; at: number } {
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond);
    bucket.at = now;
    return bucket;
  }
}
