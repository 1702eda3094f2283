/**
 * How the mirror's records are held in Yjs, for a fast load and a small heap (issue 4's goal:
 * loading a book within 3× of `JSON.parse` of the same records, its heap within 2×).
 *
 * Records are written as Yjs JSON content (`ContentJSON`, content ref 2, part of the Yjs
 * update format since v13) instead of the `ContentAny` that `Y.Map#set` writes. A reader sees
 * the same plain value through `Y.Map#get`; the difference is the decoding: Yjs parses JSON
 * content with the native `JSON.parse`, which makes compact objects and shares short strings,
 * where `ContentAny` builds each object a property at a time from lib0's encoding.
 * See docs/adr/0003-record-content.md.
 *
 * Invariants: {@link setRecord} makes exactly the Yjs item `Y.Map#set` would make (same id,
 * origin and parent) apart from its content type; {@link shareRecordStrings} only replaces a
 * string in a record by an equal string, which no reader can observe.
 */
import * as Y from "yjs";
import { MIRROR_MAP_NAMES } from "./layout.js";

/**
 * Sets `map[key] = value` as Yjs JSON content, inside `transaction`.
 *
 * @remarks This is `Y.Map#set` (Yjs' `typeMapSet`) with `ContentJSON` in place of `ContentAny`,
 * through the item API Yjs exports. Use it for plain JSON values only.
 * @example
 * ```ts
 * doc.transact((tr) => setRecord(tr, bookMaps(doc).accounts, account.Id, account));
 * ```
 */
export function setRecord<T>(transaction: Y.Transaction, map: Y.Map<T>, key: string, value: T): void {
  const doc = transaction.doc;
  const left = map._map.get(key) ?? null;
  const id = Y.createID(doc.clientID, Y.getState(doc.store, doc.clientID));
  new Y.Item(id, left, left?.lastId ?? null, null, null, map, key, new Y.ContentJSON([value])).integrate(
    transaction,
    0,
  );
}

/** Record fields that hold an id shared by many records (the owner, the account, the contact). */
const SHARED_ID_FIELDS = ["OwnerId", "AccountId", "WhoId", "WhatId", "OpportunityId", "ContactId"] as const;

/**
 * Makes the records of `doc` share equal strings: a record's `Id` becomes the map key's string
 * and each id in `SHARED_ID_FIELDS` one string per distinct id. Returns how many strings
 * it replaced.
 *
 * @remarks Decoding gives every record its own copy of each string; a book repeats its owner,
 * account and contact ids in thousands of records. Run it once after loading a doc. Frozen
 * records are left as they are.
 * @example
 * ```ts
 * Y.applyUpdate(doc, stored);
 * shareRecordStrings(doc);
 * ```
 */
export function shareRecordStrings(doc: Y.Doc): number {
  const steps = shareRecordStringsInSteps(doc);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * {@link shareRecordStrings} in steps: the generator pauses after every `every` records and
 * returns how many strings it replaced, so that a server can spread the pass over a large book
 * (300,000 records: about 0.2 s) across event-loop turns. The doc must not change meanwhile.
 *
 * @example
 * ```ts
 * const steps = shareRecordStringsInSteps(doc);
 * while (!steps.next().done) await new Promise((r) => setImmediate(r));
 * ```
 */
export function* shareRecordStringsInSteps(doc: Y.Doc, every = 2000): Generator<void, number, void> {
  const pool = new Map<string, string>();
  let replaced = 0;
  let seen = 0;
  for (const name of MIRROR_MAP_NAMES) {
    for (const [key, item] of doc.getMap<Record<string, unknown>>(name)._map) {
      if (item.deleted) continue;
      // What `Y.Map#get` returns: the item's last value.
      const record = item.content.getContent()[item.length - 1] as Record<string, unknown> | null;
      if (++seen % every === 0) yield;
      if (typeof record !== "object" || record === null || Object.isFrozen(record)) continue;
      if (record.Id === key) {
        record.Id = key;
        replaced++;
      }
      for (const field of SHARED_ID_FIELDS) {
        const value = record[field];
        if (typeof value !== "string") continue;
        const shared = pool.get(value);
        if (shared === undefined) pool.set(value, value);
        else {
          record[field] = shared;
          replaced++;
        }
      }
    }
  }
  return replaced;
}

/**
 * Loads an encoded book (a Yjs update, format v1) into `doc` and shares its records' strings.
 *
 * @example
 * ```ts
 * const doc = new Y.Doc();
 * loadBook(doc, await store.read(room));
 * ```
 */
export function loadBook(doc: Y.Doc, update: Uint8Array, origin?: unknown): void {
  Y.applyUpdate(doc, update, origin);
  shareRecordStrings(doc);
}
