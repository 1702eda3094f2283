/**
 * A token bucket for per-connection message and byte rates.
 *
 * Refills continuously at `ratePerSecond` up to `burst`. Time comes from the caller, so the
 * bucket is deterministic in tests.
 */

/** One token bucket. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes `cost` tokens; false when the bucket cannot cover it. */
  take(cost: number, now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
