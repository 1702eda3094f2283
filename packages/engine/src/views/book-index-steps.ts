/**
 * The book view's indexes (`book-indexes.ts`) built in steps, for `createBookViewInSteps`: the
 * records of each map indexed in the order {@link BookIndexes.build} takes them, with a pause
 * after every `perStep` records.
 *
 * Invariants: the indexes returned are those `BookIndexes.build` computes on the document as
 * it is when the last step ends. Should the document change between two steps (the indexes
 * follow no change yet), the build starts over; after {@link MAX_RESTARTS} restarts it indexes
 * the whole book in one step. An infinite `perStep` is `BookIndexes.build` itself. Nothing here
 * writes to the document.
 */
import type * as Y from "yjs";
import type { BookMaps } from "../doc/layout.js";
import { BookIndexes } from "./book-indexes.js";

/** Restarts of a stepped index build before the rest is indexed in one step. */
export const MAX_RESTARTS = 3;

/** Every record of `maps`, by index method, in the order `BookIndexes.build` indexes them. */
function* records(maps: BookMaps, ix: BookIndexes): Generator<void, void, void> {
  for (const [id, o] of maps.opportunities.entries()) yield ix.indexOpp(id, o, true);
  for (const [id, c] of maps.contacts.entries()) yield ix.indexContact(id, c, true);
  for (const [id, r] of maps.contactRoles.entries()) yield ix.indexRole(id, r, true);
  for (const [id, a] of maps.activities.entries()) yield ix.indexActivity(id, a, true);
  for (const [id, i] of maps.interactions.entries()) yield ix.indexInteraction(id, i, true);
  for (const [id, i] of maps.intents.entries()) yield ix.indexIntent(id, i, true);
  for (const r of maps.receipts.values()) yield ix.indexReceipt(r, true);
}

/**
 * Indexes the book in steps of `perStep` records; returns the indexes, complete and current at
 * the end of the last step (the caller starts following changes in that same step).
 *
 * @example
 * ```ts
 * const ix = yield* indexBookInSteps(doc, bookMaps(doc), 20_000);
 * ```
 */
export function* indexBookInSteps(doc: Y.Doc, maps: BookMaps, perStep: number): Generator<void, BookIndexes, void> {
  let changed = false;
  const onAfterTransaction = (): void => {
    changed = true;
  };
  doc.on("afterTransaction", onAfterTransaction);
  try {
    for (let attempt = 0; ; attempt++) {
      const ix = new BookIndexes();
      if (!Number.isFinite(perStep) || attempt >= MAX_RESTARTS) {
        ix.build(maps);
        return ix;
      }
      changed = false;
      let indexed = 0;
      for (const _ of records(maps, ix)) {
        if (++indexed % perStep !== 0) continue;
        yield;
        if (changed) break;
      }
      if (!changed) return ix;
    }
  } finally {
    doc.off("afterTransaction", onAfterTransaction);
  }
}
