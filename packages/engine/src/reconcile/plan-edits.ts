/**
 * The planner's edit step (docs/architecture.md, "Merge rules", three-way merges): open
 * `editField` intents grouped by field, each group planned as one three-way merge against
 * the mirror as the pull step leaves it.
 *
 * Invariants:
 * - same-field edits are ordered by HLC: the latest open one supersedes the earlier open
 *   ones, and an applied edit later than it supersedes it too;
 * - only a Salesforce value that is neither a base nor a value the user produced (in an open
 *   or applied edit of the field) is a conflict;
 * - while an edit of the field is `sending`, only that attempt is resolved (when not in
 *   flight); later edits wait for the next cycle;
 * - an edit whose record left the scope ends `failed` `OUT_OF_SCOPE` with a readable reason.
 */

import { byHlc } from "../doc/intent-state.js";
import { jsonEqual } from "../doc/json-equal.js";
import { fieldValue } from "../model/fields.js";
import type { EditFieldIntent, Intent } from "../model/schemas.js";
import { isFinalStatus } from "../model/schemas.js";
import type { UpdateFieldWrite } from "../port/salesforce-port.js";
import type { IntentContext } from "./plan-intents.js";
import { RECEIPT_CODES } from "./receipt-errors.js";

const fieldKey = (e: EditFieldIntent) => `${e.sobject}|${e.recordId}|${e.field}`;

/** Appends `value` to the list under `key`. */
function appendTo<V>(groups: Map<string, V[]>, key: string, value: V): void {
  const list = groups.get(key) ?? [];
  list.push(value);
  groups.set(key, list);
}

/** Step 2: edits grouped by field; the latest open edit supersedes earlier open ones. */
export function planEdits(ctx: IntentContext, open: ReadonlyArray<Intent>): void {
  const { b, state, inFlight } = ctx;
  const groups = new Map<string, EditFieldIntent[]>();
  for (const intent of open) {
    if (intent.kind !== "editField" || isFinalStatus(b.statusOf(intent.id))) continue;
    appendTo(groups, fieldKey(intent), intent);
  }
  // The user's own applied edits of the same fields: their values are "mine", not "theirs",
  // and an applied edit later (by HLC) than an open one makes the open one stale.
  const applied = new Map<string, EditFieldIntent[]>();
  if (groups.size > 0) {
    for (const intent of state.intents.values()) {
      if (intent.kind !== "editField" || !groups.has(fieldKey(intent))) continue;
      if (state.receipts.get(intent.id)?.status !== "applied") continue;
      appendTo(applied, fieldKey(intent), intent);
    }
  }
  for (const [key, edits] of groups) {
    const sending = edits.filter((e) => b.statusOf(e.id) === "sending");
    const latest = edits[edits.length - 1];
    if (latest === undefined) continue;
    const done = applied.get(key) ?? [];
    const acceptable: unknown[] = [];
    for (const e of [...edits, ...done]) acceptable.push(e.base, e.value);
    if (sending.length > 0) {
      // Resolve attempts in flight first; later edits wait for the next cycle.
      for (const e of sending) if (!inFlight(e.id)) planEdit(ctx, e, acceptable);
      continue;
    }
    const newerApplied = done.some((a) => byHlc(a, latest) > 0);
    for (const e of edits) if (e !== latest || newerApplied) b.transition(e.id, "superseded");
    if (!newerApplied) planEdit(ctx, latest, acceptable);
  }
}

/** One three-way merge: `acceptable` holds every value the user produced or started from. */
function planEdit({ b, recordAfter }: IntentContext, e: EditFieldIntent, acceptable: ReadonlyArray<unknown>): void {
  const record = recordAfter(e.sobject, e.recordId);
  if (record === undefined) {
    b.transition(e.id, "failed", {
      error: {
        code: RECEIPT_CODES.outOfScope,
        message: `This ${e.sobject === "Opportunity" ? "opportunity" : "contact"} left your book (closed, reassigned or deleted) before the edit of ${e.field} was sent; nothing was written.`,
      },
    });
    return;
  }
  const theirs = fieldValue(e.sobject, record, e.field);
  if (jsonEqual(theirs, e.value)) {
    b.transition(e.id, "applied", { salesforceId: e.recordId });
    return;
  }
  if (!acceptable.some((v) => jsonEqual(v ?? null, theirs))) {
    b.transition(e.id, "conflict", { conflict: { base: e.base, mine: e.value, theirs } });
    return;
  }
  const write: UpdateFieldWrite = {
    kind: "updateField",
    intentId: e.id,
    sobject: e.sobject,
    recordId: e.recordId,
    field: e.field,
    base: theirs,
    value: e.value,
  };
  b.writes.push(write);
  b.transition(e.id, "sending");
}
