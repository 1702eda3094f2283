/**
 * Steps 4 to 6 of a sync cycle (docs/architecture.md, "The sync cycle"): look up earlier
 * attempts, push the writes in batches, and apply each batch's results.
 *
 * Invariants (docs/protocol.md §4, exactly-once):
 * - the caller has made the `sending` receipts durable before any of these runs;
 * - a create whose outcome is unknown is looked up by its idempotency key, never blindly
 *   re-pushed; a found key means the Task exists and its create is dropped from the push;
 * - updates are re-pushed with their precondition, which makes them idempotent;
 * - when a batch fails for good, every write not yet answered keeps (or ends) its receipt
 *   through `planCallFailure` before the error is returned.
 */
import { Effect } from "effect";
import type { IdempotencyKey, SalesforcePortError, SalesforceWrite, WriteResult } from "../port/salesforce-port.js";
import { planCallFailure, planLookupResults, planResults } from "../reconcile/plan-results.js";
import { isRetryable } from "../reconcile/receipt-errors.js";
import type { CycleContext } from "./cycle-context.js";

/** Looks up earlier attempts of the creates among `writes`; returns the writes still to push. */
export function resolveByLookup(
  ctx: CycleContext,
  writes: ReadonlyArray<SalesforceWrite>,
  keys: ReadonlyArray<IdempotencyKey>,
): Effect.Effect<ReadonlyArray<SalesforceWrite>, SalesforcePortError> {
  return Effect.gen(function* () {
    ctx.counts.lookups += keys.length;
    const found = yield* ctx.retry.retrying(ctx.port.lookup(keys));
    const resolved = planLookupResults(ctx.state(), writes, found, ctx.now());
    ctx.counts.foundByLookup += writes.length - resolved.remaining.length;
    ctx.tally(resolved.plan);
    ctx.apply(resolved.plan);
    return resolved.remaining;
  });
}

/** Pushes one batch; on a lost response, looks the creates up before pushing again. */
function pushBatch(
  ctx: CycleContext,
  batch: ReadonlyArray<SalesforceWrite>,
): Effect.Effect<{ writes: ReadonlyArray<SalesforceWrite>; results: ReadonlyArray<WriteResult> }, SalesforcePortError> {
  return Effect.gen(function* () {
    let writes = batch;
    for (let attempt = 0; ; attempt++) {
      const outcome = yield* Effect.result(ctx.port.push(writes));
      if (outcome._tag === "Success") return { writes, results: outcome.success };
      const error = outcome.failure;
      if (!isRetryable(error) || attempt >= ctx.retry.times) return yield* Effect.fail(error);
      yield* ctx.retry.sleepBackoff(attempt);
      if (error._tag === "OutcomeUnknown") {
        const keys = writes.flatMap((w) => (w.kind === "createTask" ? [w.key] : []));
        if (keys.length > 0) {
          writes = yield* resolveByLookup(ctx, writes, keys);
          if (writes.length === 0) return { writes, results: [] };
        }
      }
    }
  });
}

/** Pushes `writes` in batches of `batchSize`, applying each batch's results before the next. */
export function pushInBatches(
  ctx: CycleContext,
  writes: ReadonlyArray<SalesforceWrite>,
  batchSize: number,
): Effect.Effect<void, SalesforcePortError> {
  return Effect.gen(function* () {
    for (let i = 0; i < writes.length; i += batchSize) {
      const batch = writes.slice(i, i + batchSize);
      const outcome = yield* Effect.result(pushBatch(ctx, batch));
      if (outcome._tag === "Failure") {
        ctx.apply(planCallFailure(ctx.state(), writes.slice(i), outcome.failure, ctx.now()));
        return yield* Effect.fail(outcome.failure);
      }
      ctx.counts.pushed += outcome.success.writes.length;
      const rp = planResults(ctx.state(), outcome.success.writes, outcome.success.results, ctx.now());
      ctx.tally(rp);
      ctx.apply(rp);
    }
  });
}
