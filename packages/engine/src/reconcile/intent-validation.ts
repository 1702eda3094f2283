/**
 * The planner's first intent step: what a device wrote is not trusted (issue 18), so every
 * intent is checked before any other rule reads it.
 *
 * Invariants: an intent that does not decode under its key (`BookState.invalidIntents`), or a
 * logged activity dated more than the allowed clock skew in the future, ends `failed`
 * `INVALID_INTENT`; an edit of a field outside the allow-list of `model/fields.ts` (the shape's
 * editable fields and the configured extra ones, as far as the user's describe in `meta.org`
 * lists them as updateable) ends `FIELD_NOT_EDITABLE`, one with a value of the wrong type or range `INVALID_VALUE`; none of
 * them is ever written to Salesforce, whatever the device checked before writing it.
 */

import { quoteShort } from "../doc/book-decode.js";
import { byHlc } from "../doc/intent-state.js";
import { checkFieldValue, type FieldCatalog, isEditableField } from "../model/fields.js";
import type { Intent } from "../model/schemas.js";
import { isFinalStatus } from "../model/schemas.js";
import type { PlanBuilder } from "./plan-builder.js";
import { NOTHING_WRITTEN, RECEIPT_CODES } from "./receipt-errors.js";
import type { BookState } from "./state.js";

/** How far a logged activity's `occurredAt` may lie ahead of the worker's clock by default. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

/** Why an open intent must not be sent (time and allow-list rules), or `null`. */
function refusalOf(
  intent: Intent,
  nowMs: number,
  skewMs: number,
  catalog: FieldCatalog | undefined,
): { code: string; message: string } | null {
  if (intent.kind === "logActivity") {
    if (Date.parse(intent.activity.occurredAt) > nowMs + skewMs) {
      return {
        code: RECEIPT_CODES.invalidIntent,
        message: `This activity cannot be logged: activity.occurredAt is in the future. ${NOTHING_WRITTEN}`,
      };
    }
  } else if (intent.kind === "editField") {
    if (!isEditableField(intent.sobject, intent.field, catalog)) {
      return {
        code: RECEIPT_CODES.fieldNotEditable,
        message: `${quoteShort(intent.field)} is not a field you may edit on an ${intent.sobject}. ${NOTHING_WRITTEN}`,
      };
    }
    const problem = checkFieldValue(intent.sobject, intent.field, intent.value, catalog);
    if (problem !== null) {
      return { code: RECEIPT_CODES.invalidValue, message: `${intent.field} ${problem}. ${NOTHING_WRITTEN}` };
    }
  }
  return null;
}

/**
 * Ends what cannot be trusted as `failed` in `b`, and returns the intents still open, in HLC
 * order, for the later steps.
 */
export function openIntents(b: PlanBuilder, state: BookState, nowMs: number, skewMs: number): Intent[] {
  for (const [key, problem] of state.invalidIntents) {
    b.transition(key, "failed", {
      error: {
        code: RECEIPT_CODES.invalidIntent,
        message: `This intent cannot be sent: ${problem}. ${NOTHING_WRITTEN}`,
      },
    });
  }
  const open: Intent[] = [];
  for (const intent of state.intents.values()) {
    if (isFinalStatus(b.statusOf(intent.id))) continue;
    const refusal = refusalOf(intent, nowMs, skewMs, state.meta.org?.fields);
    if (refusal !== null) b.transition(intent.id, "failed", { error: refusal });
    else open.push(intent);
  }
  open.sort(byHlc);
  return open;
}
