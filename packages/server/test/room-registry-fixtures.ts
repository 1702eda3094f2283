/**
 * Test support shared by the room registry's tests (`room-registry*.test.ts`); nothing in the
 * server imports it. A peer that records what it is sent, a way to wait out event-loop turns,
 * an edit as the update a device would send, a stored log replayed, and what the rebuild
 * worker does, done in this thread.
 */
import * as decoding from "lib0/decoding";
import { expect } from "vitest";
import * as Y from "yjs";
import type { RoomPeer } from "../src/relay/room.js";
import { encodeStateAsPieces } from "../src/relay/snapshot-pieces.mjs";
import type { Store } from "../src/store/store.js";

/** A peer that records the map keys of each message it is sent. */
export function recordingPeer(): RoomPeer & { messages: string[][] } {
  const messages: string[][] = [];
  return {
    messages,
    deliver(bytes) {
      const d = decoding.createDecoder(bytes);
      expect(decoding.readVarUint(d)).toBe(0);
      decoding.readVarUint(d); // step 2 or update: both carry an update
      const keys = Y.decodeUpdate(decoding.readVarUint8Array(d)).structs.flatMap((s) =>
        s instanceof Y.Item && typeof s.parentSub === "string" ? [s.parentSub] : [],
      );
      messages.push(keys);
    },
    evict() {},
  };
}

/** Resolves after one turn of the event loop (`setImmediate`). */
export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Resolves after `n` turns of the event loop. */
export const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await turn();
};

/** Sets `key` in `doc`'s map `m` and returns the update that wrote it. */
export function edit(doc: Y.Doc, key: string, value = key): Uint8Array {
  let out: Uint8Array = new Uint8Array();
  const capture = (u: Uint8Array) => {
    out = u;
  };
  doc.on("update", capture);
  doc.getMap("m").set(key, value);
  doc.off("update", capture);
  return out;
}

/** The stored log of `room`: how many records it holds, and the map `m` it replays to. */
export async function replayed(store: Store, room: string): Promise<{ records: number; state: unknown }> {
  const log = await store.loadRoom(room);
  const doc = new Y.Doc();
  for (const u of log.updates) Y.applyUpdate(doc, u);
  return { records: log.updates.length, state: doc.getMap("m").toJSON() };
}

/** What a rebuild worker does, in this thread. */
export function rebuildHere(updates: readonly Uint8Array[], pieceBytes: number): Uint8Array[] {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return encodeStateAsPieces(doc, pieceBytes);
}
