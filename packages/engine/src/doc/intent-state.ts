/**
 * Reading intents together with their receipts: the status an intent has now, and the value a
 * device shows for a field (mirror ⊕ its pending edits). Shared by the device API, the views
 * and the planner so all three agree on what "pending" means.
 *
 * Invariant: an intent without a receipt is `pending`; an edit overlays the mirror only while
 * its receipt is not final, and the latest pending edit (by HLC) of a field wins.
 */
import { fieldValue } from "../model/fields.js";
import type { EditableSObject, EditFieldIntent, Intent, Receipt, ReceiptStatus } from "../model/schemas.js";
import { isFinalStatus } from "../model/schemas.js";

/** A read-only keyed table: a Y.Map or a Map both fit. */
export interface Table<V> {
  /** The value under `key`, or undefined when there is none. */
  get(key: string): V | undefined;
  /** Whether the table holds `key`. */
  has(key: string): boolean;
  /** Every key. */
  keys(): IterableIterator<string>;
  /** Every value. */
  values(): IterableIterator<V>;
  /** Every `[key, value]` pair. */
  entries(): IterableIterator<[string, V]>;
  /** How many entries the table holds. */
  readonly size: number;
}

/** The status of an intent: its receipt's, or `pending` when it has none yet. */
export function receiptStatus(receipts: Table<Receipt>, intentId: string): ReceiptStatus {
  return receipts.get(intentId)?.status ?? "pending";
}

/** True when an intent is not final yet (no receipt, `pending` or `sending`). */
export function isOpenIntent(receipts: Table<Receipt>, intentId: string): boolean {
  return !isFinalStatus(receiptStatus(receipts, intentId));
}

/** Orders intents by HLC, then id. */
export function byHlc(a: Intent, b: Intent): number {
  return a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The latest open edit of each field of one record. */
export function openEditsOf(
  intents: Table<Intent>,
  receipts: Table<Receipt>,
  sobject: EditableSObject,
  recordId: string,
): Map<string, EditFieldIntent> {
  const out = new Map<string, EditFieldIntent>();
  for (const intent of intents.values()) {
    if (intent.kind !== "editField" || intent.sobject !== sobject || intent.recordId !== recordId) continue;
    if (!isOpenIntent(receipts, intent.id)) continue;
    const prev = out.get(intent.field);
    if (prev === undefined || byHlc(prev, intent) < 0) out.set(intent.field, intent);
  }
  return out;
}

/** The value a device shows for a field now: its latest open edit, or the mirror's. */
export function effectiveFieldValue(
  maps: {
    readonly intents: Table<Intent>;
    readonly receipts: Table<Receipt>;
    readonly opportunities: Table<object>;
    readonly contacts: Table<object>;
  },
  sobject: EditableSObject,
  recordId: string,
  field: string,
): unknown {
  const edit = openEditsOf(maps.intents, maps.receipts, sobject, recordId).get(field);
  if (edit !== undefined) return edit.value;
  const record = (sobject === "Opportunity" ? maps.opportunities : maps.contacts).get(recordId);
  return record === undefined ? null : fieldValue(sobject, record, field);
}
