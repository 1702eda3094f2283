/**
 * Per-connection message and byte rates: two token buckets in one small object (it exists
 * once per open socket, so its size counts).
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

/** The message and byte buckets of one connection. */
export class ConnectionRates {
  private messages: number;
  private bytes: number;
  private last: number;
  constructor(
    private readonly limits: RateLimits,
    now: number,
  ) {
    this.messages = limits.messageBurst;
    this.bytes = limits.byteBurst;
    this.last = now;
  }

  /** Takes one message of `bytes` bytes; false (and nothing taken) when either bucket cannot cover it. */
  take(bytes: number, now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      const l = this.limits;
      this.messages = Math.min(l.messageBurst, this.messages + (elapsed * l.messagesPerSecond) / 1000);
      this.bytes = Math.min(l.byteBurst, this.bytes + (elapsed * l.bytesPerSecond) / 1000);
      this.last = now;
    }
    if (this.messages < 1 || this.bytes < bytes) return false;
    this.messages -= 1;
    this.bytes -= bytes;
    return true;
  }
}
