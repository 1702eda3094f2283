/**
 * The follow-up plans of a push (docs/architecture.md, "The sync cycle"): the port's answers
 * to lookups, to each write, and to a whole call that failed, turned into receipts and
 * mirror patches.
 *
 * Invariants:
 * - a found idempotency key means the earlier attempt committed: the intent is `applied`
 *   with the Task's id and its create is not pushed again;
 * - an applied update patches the mirror at once, so the next pull is not read as a change;
 * - a retryable failure (and a whole call ended by `Revoked`) keeps the receipt `sending`
 *   with the error recorded, so a later cycle retries it (after a lookup for creates); any
 *   other failure is final.
 */

import { jsonEqual } from "../doc/json-equal.js";
import { fieldValue, withFieldValue } from "../model/fields.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { IdempotencyKey, SalesforcePortError, SalesforceWrite, WriteResult } from "../port/salesforce-port.js";
import { type Plan, PlanBuilder } from "./plan-builder.js";
import { describePortError, isRetryable } from "./receipt-errors.js";
import type { BookState } from "./state.js";

/**
 * Plans the outcome of looked-up keys: a found Task means the earlier attempt committed.
 *
 * @returns the receipts to write, and the writes still to push (those not found).
 */
export function planLookupResults(
  state: BookState,
  writes: ReadonlyArray<SalesforceWrite>,
  found: ReadonlyMap<IdempotencyKey, SalesforceId | null>,
  now: Date,
): { readonly plan: Plan; readonly remaining: ReadonlyArray<SalesforceWrite> } {
  const b = new PlanBuilder(state, now.toISOString());
  const remaining: SalesforceWrite[] = [];
  for (const w of writes) {
    const id = w.kind === "createTask" ? found.get(w.key) : undefined;
    if (w.kind === "createTask" && id !== undefined && id !== null) {
      b.transition(w.intentId, "applied", { salesforceId: id });
    } else remaining.push(w);
  }
  return { plan: b.build(), remaining };
}

/**
 * Plans the receipts (and mirror patches) that follow the port's results for `writes`.
 *
 * @remarks Retryable failures keep the receipt `sending` with the error recorded, so the next
 * cycle retries it at once (after a lookup for creates); other failures are final.
 */
export function planResults(
  state: BookState,
  writes: ReadonlyArray<SalesforceWrite>,
  results: ReadonlyArray<WriteResult>,
  now: Date,
): Plan {
  const b = new PlanBuilder(state, now.toISOString());
  writes.forEach((w, i) => {
    const r = results[i];
    if (r === undefined) return;
    switch (r.outcome) {
      case "applied":
      case "unchanged": {
        b.transition(w.intentId, "applied", { salesforceId: r.salesforceId });
        if (w.kind === "updateField") {
          const map = w.sobject === "Opportunity" ? "opportunities" : "contacts";
          const current = state[map].get(w.recordId) as Record<string, unknown> | undefined;
          if (current !== undefined && !jsonEqual(fieldValue(w.sobject, current, w.field), w.value)) {
            b.upserts.push({ map, id: w.recordId, value: withFieldValue(w.sobject, current, w.field, w.value) });
          }
        }
        break;
      }
      case "conflict": {
        const intent = state.intents.get(w.intentId);
        const base = intent?.kind === "editField" ? intent.base : w.kind === "updateField" ? w.base : null;
        const mine = w.kind === "updateField" ? w.value : null;
        b.transition(w.intentId, "conflict", { conflict: { base, mine, theirs: r.theirs } });
        break;
      }
      case "failed": {
        const error = describePortError(r.error);
        if (isRetryable(r.error)) {
          const current = state.receipts.get(w.intentId);
          if (current?.status === "sending")
            b.receipts.set(w.intentId, { ...current, updatedAt: now.toISOString(), error });
        } else b.transition(w.intentId, "failed", { error });
        break;
      }
    }
  });
  return b.build();
}

/** Marks every write of a failed whole call as retryable-with-error (receipts stay `sending`). */
export function planCallFailure(
  state: BookState,
  writes: ReadonlyArray<SalesforceWrite>,
  error: SalesforcePortError,
  now: Date,
): Plan {
  const b = new PlanBuilder(state, now.toISOString());
  const described = describePortError(error);
  for (const w of writes) {
    const current = state.receipts.get(w.intentId);
    if (current?.status !== "sending") continue;
    if (isRetryable(error) || error._tag === "Revoked") {
      b.receipts.set(w.intentId, { ...current, updatedAt: now.toISOString(), error: described });
    } else b.transition(w.intentId, "failed", { error: described });
  }
  return b.build();
}
