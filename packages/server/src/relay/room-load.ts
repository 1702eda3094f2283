/**
 * Loading a room's document from its stored log without stalling the event loop: the log is
 * applied in slices of about 10 ms between event-loop turns (a large book's snapshot comes in
 * pieces), then the book's record strings are shared, also in steps.
 */
import { shareRecordStringsInSteps } from "@tandem/engine";
import * as Y from "yjs";

/** Transaction origin of updates the relay applies from clients, its store and other instances. */
export const REMOTE_ORIGIN: unique symbol = Symbol("tandem-relay-remote");

/** How long loading a room applies stored updates before it lets the event loop turn (ms). */
const LOAD_SLICE_MS = 10;

/**
 * Drops what a document holds pending (structs or deletions whose predecessors it lacks);
 * returns whether there was any. The relay's write check keeps device updates from leaving
 * any; a stored log written before it existed may.
 */
export function dropPending(doc: Y.Doc): boolean {
  const store = doc.store;
  if (store.pendingStructs === null && store.pendingDs === null) return false;
  store.pendingStructs = null;
  store.pendingDs = null;
  return true;
}

/**
 * Applies a room's stored log to its fresh document, a slice at a time; resolves to whether
 * anything was left pending and dropped. Throws what Yjs throws on a broken log.
 */
export async function applyStoredLog(doc: Y.Doc, updates: readonly Uint8Array[]): Promise<boolean> {
  for (let next = 0; next < updates.length; ) {
    if (next > 0) await new Promise<void>((r) => setImmediate(r));
    const started = performance.now();
    doc.transact(() => {
      do Y.applyUpdate(doc, updates[next] as Uint8Array, REMOTE_ORIGIN);
      while (++next < updates.length && performance.now() - started < LOAD_SLICE_MS);
    }, REMOTE_ORIGIN);
  }
  // Decoding gives each book record its own copy of every id: share them (ADR 0003).
  const sharing = shareRecordStringsInSteps(doc);
  for (let started = performance.now(); !sharing.next().done; ) {
    if (performance.now() - started < LOAD_SLICE_MS) continue;
    await new Promise<void>((r) => setImmediate(r));
    started = performance.now();
  }
  // Left pending, they would be merged again with every later update and never integrate.
  return dropPending(doc);
}
