/**
 * Idempotency keys: one per intent, derived only from the intent id, so every worker (and
 * every retry) computes the same key for the same intent (docs/protocol.md §4, write-ahead).
 *
 * Invariant: `idempotencyKeyFor(id)` is a pure function of `id`, at most 40 characters.
 */
import type { IdempotencyKey } from "../port/salesforce-port.js";

/** The prefix that marks a Tandem idempotency key. */
export const IDEMPOTENCY_PREFIX = "tdm:";

/**
 * The idempotency key of an intent.
 *
 * @example
 * ```ts
 * idempotencyKeyFor("0190c9e0-7d2a-7b3c-9d4e-5f6a7b8c9d0e"); // "tdm:0190c9e0-7d2a-7b3c-9d4e-5f6a7b8c9d0e"
 * ```
 */
export function idempotencyKeyFor(intentId: string): IdempotencyKey {
  return `${IDEMPOTENCY_PREFIX}${intentId}` as IdempotencyKey;
}

/** The intent id inside a key made by {@link idempotencyKeyFor}, or `null`. */
export function intentIdOfKey(key: string): string | null {
  return key.startsWith(IDEMPOTENCY_PREFIX) ? key.slice(IDEMPOTENCY_PREFIX.length) : null;
}
