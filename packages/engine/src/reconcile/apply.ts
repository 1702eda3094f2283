/**
 * Applying a plan to a book document: the engine's one mutation of the mirror, receipts and
 * meta, in ONE transaction with origin `salesforce` (docs/architecture.md, "The sync cycle", step 5).
 *
 * Invariants: records are written as Yjs JSON content (see record-content.ts); values
 * deep-equal to the current ones are not written (zero Yjs updates for an
 * unchanged snapshot); a receipt is written only if it moves forward from the doc's current
 * receipt, so a late or racing plan can never move a receipt back; a current value that is not a
 * receipt of its key (a device wrote it) does not block the worker's receipt.
 */
import type * as Y from "yjs";
import { readReceiptEntry } from "../doc/book-decode.js";
import { jsonEqual } from "../doc/json-equal.js";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import { setRecord } from "../doc/record-content.js";
import { canTransition } from "../model/schemas.js";
import type { Plan } from "./plan-builder.js";

/** What {@link applyPlan} wrote. */
export interface ApplyReport {
  readonly upserts: number;
  readonly deletes: number;
  readonly receipts: number;
  readonly meta: number;
}

/**
 * Applies `plan` to `doc` in one transaction with origin `salesforce`.
 *
 * @remarks Writes and lookups in the plan are the runner's business; this applies the data.
 * @example
 * ```ts
 * applyPlan(doc, plan(readBookState(doc), pulled, now));
 * ```
 */
export function applyPlan(doc: Y.Doc, plan: Plan): ApplyReport {
  const maps = bookMaps(doc);
  let upserts = 0;
  let deletes = 0;
  let receipts = 0;
  let meta = 0;
  if (plan.upserts.length + plan.deletes.length + plan.receipts.length + plan.meta.length === 0) {
    return { upserts, deletes, receipts, meta };
  }
  doc.transact((transaction) => {
    for (const d of plan.deletes) {
      const map = maps[d.map] as Y.Map<unknown>;
      if (map.has(d.id)) {
        map.delete(d.id);
        deletes++;
      }
    }
    for (const u of plan.upserts) {
      const map = maps[u.map] as Y.Map<unknown>;
      if (jsonEqual(map.get(u.id), u.value)) continue;
      setRecord(transaction, map, u.id, u.value);
      upserts++;
    }
    for (const r of plan.receipts) {
      const raw = maps.receipts.get(r.intentId);
      const current = readReceiptEntry(r.intentId, raw);
      if (current !== null && !canTransition(current.status, r.status)) continue;
      if (jsonEqual(raw, r)) continue;
      maps.receipts.set(r.intentId, r);
      receipts++;
    }
    for (const m of plan.meta) {
      if (jsonEqual(maps.meta.get(m.key), m.value)) continue;
      maps.meta.set(m.key, m.value);
      meta++;
    }
  }, SALESFORCE_ORIGIN);
  return { upserts, deletes, receipts, meta };
}
