import { describe, expect, it } from "vitest";
import { fillBuckets, type RateLimits, type TokenBuckets, takeTokens } from "./rate-limiter.js";

const limits: RateLimits = { messagesPerSecond: 10, messageBurst: 3, bytesPerSecond: 1000, byteBurst: 500 };

function buckets(now: number): TokenBuckets {
  const b = { messageTokens: 0, byteTokens: 0, refilledAt: 0 };
  fillBuckets(b, limits, now);
  return b;
}

describe("token buckets", () => {
  it("allows the message burst, then refuses until time refills a token", () => {
    const b = buckets(1_000);
    expect([1, 2, 3, 4].map(() => takeTokens(b, limits, 1, 1_000))).toEqual([true, true, true, false]);
    expect(takeTokens(b, limits, 1, 1_050)).toBe(false); // half a token
    expect(takeTokens(b, limits, 1, 1_100)).toBe(true);
    expect(takeTokens(b, limits, 1, 1_100)).toBe(false);
  });

  it("refuses a message its byte bucket cannot cover, and takes nothing for it", () => {
    const b = buckets(0);
    expect(takeTokens(b, limits, 400, 0)).toBe(true);
    expect(takeTokens(b, limits, 200, 0)).toBe(false);
    expect(b.messageTokens).toBe(2);
    expect(takeTokens(b, limits, 100, 0)).toBe(true);
    expect(takeTokens(b, limits, 100, 100)).toBe(true); // 100 ms refilled 100 bytes
  });

  it("never refills beyond the bursts, and ignores a clock that goes back", () => {
    const b = buckets(0);
    expect(takeTokens(b, limits, 500, 0)).toBe(true);
    expect(takeTokens(b, limits, 1, 3_600_000)).toBe(true);
    expect(b.messageTokens).toBe(2);
    expect(b.byteTokens).toBe(499);
    expect(takeTokens(b, limits, 1, 0)).toBe(true);
    expect(b.refilledAt).toBe(3_600_000);
  });
});
