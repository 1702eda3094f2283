/**
 * The planner (docs/architecture.md, "The sync cycle" and "Merge rules"): a pure function from the book's state, what was pulled from
 * Salesforce and the time now, to one plan: mirror upserts and deletes, Salesforce writes with
 * their preconditions, lookups for earlier attempts, receipt transitions and meta updates.
 * `planResults` and `planLookupResults` turn the port's answers into the follow-up plan.
 *
 * This file runs the steps in their order and is the reconcile folder's public face: the
 * plan's vocabulary is re-exported from the modules that own it. The steps:
 * - `plan-pull.ts`: pulled records into the mirror (with the scope cascade) and meta;
 * - `intent-validation.ts`: what a device wrote and cannot be trusted ends `failed`;
 * - `plan-intents.ts`: cancels, then (after the edits) logged activities, tiers, resolutions;
 * - `plan-edits.ts`: same-field edits ordered by HLC, three-way merged against the mirror;
 * - `plan-results.ts`: the follow-up plans of lookups, push results and failed calls.
 *
 * Invariants (each kept by the step named above):
 * - deep-equal values are never planned (an unchanged snapshot gives an empty plan);
 * - receipts only move forward (`canTransition`), and each intent gets at most one transition
 *   per plan;
 * - same-field edits are ordered by HLC: the latest open one supersedes the earlier open ones;
 *   only a Salesforce value that is neither a base nor a value the user produced is a conflict;
 * - a cancel is honoured only while nothing was sent; an intent whose record left the scope
 *   still ends final with a readable reason; a logged activity is written whatever the state
 *   of its opportunity;
 * - a `sending` receipt younger than the lease and without an error belongs to an attempt in
 *   flight (maybe another worker's) and is left alone;
 * - nothing a device wrote is trusted (issue 18): an intent that does not decode under its key
 *   (`BookState.invalidIntents`), or a logged activity dated in the future, ends `failed`
 *   `INVALID_INTENT`; an edit of a field outside the allow-list of `model/fields.ts` ends
 *   `FIELD_NOT_EDITABLE`, one with a value of the wrong type or range `INVALID_VALUE`; none of
 *   them is ever written to Salesforce, whatever the device checked before writing it.
 */

import { DEFAULT_CLOCK_SKEW_MS, openIntents } from "./intent-validation.js";
import { type Plan, PlanBuilder } from "./plan-builder.js";
import { planEdits } from "./plan-edits.js";
import { createIntentContext, planCancels, planRemainingIntents } from "./plan-intents.js";
import { type Pulled, planPulled } from "./plan-pull.js";
import type { BookState } from "./state.js";

export { DEFAULT_CLOCK_SKEW_MS } from "./intent-validation.js";
export {
  EMPTY_PLAN,
  isEmptyPlan,
  type MirrorDelete,
  type MirrorUpsert,
  type Plan,
  type PlannedLookup,
} from "./plan-builder.js";
export { taskWriteFor } from "./plan-intents.js";
export type { Pulled } from "./plan-pull.js";
export { planCallFailure, planLookupResults, planResults } from "./plan-results.js";
export { describePortError, isRetryable, RECEIPT_CODES } from "./receipt-errors.js";

/** Options of {@link plan}. */
export interface PlanOptions {
  /** The book's user: a pulled opportunity owned by anyone else, or closed, leaves the scope. */
  readonly userId?: string | undefined;
  /** How long a `sending` receipt without an error counts as in flight (default 60 s). */
  readonly sendingLeaseMs?: number | undefined;
  /** How far a logged activity's `occurredAt` may lie ahead of `now` (default 5 minutes). */
  readonly clockSkewMs?: number | undefined;
}

/**
 * Plans one reconcile step.
 *
 * @remarks Pure: reads `state` and `pulled`, returns data. Apply with `applyPlan` in one
 * transaction; push `writes` only once the plan's `sending` receipts are durable.
 * @example
 * ```ts
 * const p = plan(readBookState(doc), { scope, activities, keyContactIds }, new Date());
 * applyPlan(doc, p);
 * ```
 */
export function plan(state: BookState, pulled: Pulled, now: Date, options: PlanOptions = {}): Plan {
  const b = new PlanBuilder(state, now.toISOString());
  const recordAfter = planPulled(b, state, pulled, options.userId);
  const nowMs = now.getTime();
  // 0. What cannot be trusted ends final before anything else reads it.
  const open = openIntents(b, state, nowMs, options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS);
  const ctx = createIntentContext(b, state, recordAfter, nowMs, options.sendingLeaseMs ?? 60_000);
  // 1. Cancels, before anything could be sent; 2. edits; 3. everything else.
  planCancels(ctx, open);
  planEdits(ctx, open);
  planRemainingIntents(ctx, open);
  return b.build();
}
