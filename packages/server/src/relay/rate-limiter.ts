/**
 * Per-connection message and byte rates: two token buckets whose state lives on the
 * connection itself (it exists once per open socket, so no object of its own).
 *
 * Each bucket refills continuously at its rate up to its burst. Time comes from the caller,
 * so the buckets are deterministic in tests.
 */

/** The rates and bursts, shared by every connection of a relay. */
export interface RateLimits {
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly bytesPerSecond: number;
  readonly byteBurst: number;
}

/** The state of one connection's two buckets. */
export interface TokenBuckets {
  messageTokens: number;
  byteTokens: number;
  /** When the buckets were last refilled (the caller's clock, ms). */
  refilledAt: number;
}

/** Fills both buckets to their bursts at `now`. */
export function fillBuckets(b: TokenBuckets, limits: RateLimits, now: number): void {
  b.messageTokens = limits.messageBurst;
  b.byteTokens = limits.byteBurst;
  b.refilledAt = now;
}

/** Takes one message of `bytes` bytes; false (and nothing taken) when either bucket cannot cover it. */
export function takeTokens(b: TokenBuckets, limits: RateLimits, bytes: number, now: number): boolean {
  const elapsed = now - b.refilledAt;
  if (elapsed > 0) {
    b.messageTokens = Math.min(limits.messageBurst, b.messageTokens + (elapsed * limits.messagesPerSecond) / 1000);
    b.byteTokens = Math.min(limits.byteBurst, b.byteTokens + (elapsed * limits.bytesPerSecond) / 1000);
    b.refilledAt = now;
  }
  if (b.messageTokens < 1 || b.byteTokens < bytes) return false;
  b.messageTokens -= 1;
  b.byteTokens -= bytes;
  return true;
}
