/**
 * The runner's retry policy: exponential backoff with jitter drawn from the injected
 * `random`, so a test with a seeded `random` replays the same delays.
 *
 * Invariant: only a retryable port error is retried (`isRetryable`), at most `times` times per
 * call; reads go through {@link Retry.retrying}, pushes schedule their own attempts with
 * {@link Retry.sleepBackoff} because a lost push response needs a lookup before the next one.
 */
import { Duration, Effect, Schedule } from "effect";
import type { SalesforcePortError } from "../port/salesforce-port.js";
import { isRetryable } from "../reconcile/receipt-errors.js";

/** Backoff of retryable errors. */
export interface RetryOptions {
  /** First delay (default 500 ms); each retry doubles it. */
  readonly baseMs: number;
  /** Retries per call (default 4). */
  readonly times: number;
}

/** The retry policy of {@link RetryOptions} when none is given. */
export const DEFAULT_RETRY: RetryOptions = { baseMs: 500, times: 4 };

/** The retry policy of one cycle. */
export interface Retry {
  /** Runs a read, retrying every retryable error (a lost response too). */
  readonly retrying: <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.Effect<A, SalesforcePortError>;
  /** Waits the jittered backoff before retry number `attempt + 1`. */
  readonly sleepBackoff: (attempt: number) => Effect.Effect<void>;
  /** Retries per call. */
  readonly times: number;
}

/** The retry policy of `retry`, its jitter drawn from `random` (a number in [0, 1)). */
export function createRetry(retry: RetryOptions, random: () => number): Retry {
  const backoff = Schedule.exponential(Duration.millis(retry.baseMs)).pipe(
    Schedule.modifyDelay((meta) => Effect.succeed(Duration.millis(Duration.toMillis(meta.output) * (0.5 + random())))),
  );
  return {
    // Reads are safe to repeat, so every retryable error (a lost response too) is retried.
    retrying: (effect) =>
      Effect.retry(effect, {
        schedule: backoff,
        times: retry.times,
        while: (e: SalesforcePortError) => isRetryable(e),
      }),
    sleepBackoff: (attempt) => Effect.sleep(Duration.millis(retry.baseMs * 2 ** attempt * (0.5 + random()))),
    times: retry.times,
  };
}
