/**
 * The room registry's group commit (the next write starts as one completes; each batch is
 * broadcast once durable, in order, and a newcomer's sync step 1 is answered after it; a few
 * updates are stored as they came, many merged) and its loading (a large log is applied in
 * slices, letting the event loop turn; a load still running at close is refused). Compaction
 * is in room-registry-compaction.test.ts, containment of a failing room in
 * room-containment.test.ts.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { edit, rebuildHere, recordingPeer, replayed, turns } from "../../test/room-registry-fixtures.js";
import { createMemoryLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import { createMemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import { RoomRegistry } from "./room-registry.js";

/** A store whose appends each wait until the test releases them, in order. */
function gatedStore(): { store: Store; appends: () => number; release: () => void } {
  const inner = createMemoryStore();
  const waiting: (() => void)[] = [];
  let appends = 0;
  const store: Store = {
    ...inner,
    appendUpdates: async (batch) => {
      appends++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return inner.appendUpdates(batch);
    },
  };
  return { store, appends: () => appends, release: () => waiting.shift()?.() };
}

describe("group commit", () => {
  it("starts the next write as one completes, broadcasts each batch only once it is durable, in order", async () => {
    const gated = gatedStore();
    const registry = new RoomRegistry({ store: gated.store, metrics: new Metrics(), logger: createMemoryLogger() });
    const room = await registry.acquire("book:org:user");
    const writer = recordingPeer();
    const reader = recordingPeer();
    room.peers.add(writer);
    room.peers.add(reader);
    const doc = new Y.Doc();

    registry.submit(room, edit(doc, "a"), writer);
    await turns(3);
    expect(gated.appends()).toBe(1);
    registry.submit(room, edit(doc, "b"), writer);
    await turns(3);
    // "b" waits for the write in flight; nothing is sent before it is durable.
    expect(gated.appends()).toBe(1);
    expect(reader.messages).toEqual([]);

    // A newcomer's sync step 1, asked now, is answered only once "b" is durable too.
    const newcomer = recordingPeer();
    registry.answerStep1(room, Y.encodeStateVector(new Y.Doc()), newcomer);
    room.peers.add(newcomer);

    gated.release();
    await turns(1);
    // The write of "b" started as soon as "a" was durable, and "a" went out.
    expect(gated.appends()).toBe(2);
    expect(reader.messages).toEqual([["a"]]);
    await turns(2);
    // The broadcast of "a" only: no answer yet.
    expect(newcomer.messages).toEqual([["a"]]);

    gated.release();
    await registry.flush();
    expect(reader.messages).toEqual([["a"], ["b"]]);
    // The broadcasts, then the answer, which holds both.
    expect(newcomer.messages.map((m) => [...m].sort())).toEqual([["a"], ["b"], ["a", "b"]]);
    expect(writer.messages).toEqual([]);
    expect(room.inFlight).toBe(0);
    const closing = registry.close();
    gated.release();
    await closing;
  });

  it("stores a few updates as they came and many merged, and sends each batch as one merged update", async () => {
    const gated = gatedStore();
    const batches: number[] = [];
    const store: Store = {
      ...gated.store,
      appendUpdates: (batch) => {
        for (const updates of batch.values()) batches.push(updates.length);
        return gated.store.appendUpdates(batch);
      },
    };
    const registry = new RoomRegistry({ store, metrics: new Metrics(), logger: createMemoryLogger() });
    const room = await registry.acquire("book:org:user");
    const writer = recordingPeer();
    room.peers.add(writer);
    const doc = new Y.Doc();

    for (const k of ["a", "b", "c"]) registry.submit(room, edit(doc, k), writer);
    await turns(3);
    expect(batches).toEqual([3]);
    // A reader that joins while the batch is written (its merge, skipped without a reader, is
    // made for it) receives the batch as one update once it is durable.
    const reader = recordingPeer();
    room.peers.add(reader);
    expect(reader.messages).toEqual([]);
    gated.release();
    await turns(2);
    expect(reader.messages).toEqual([["a", "b", "c"]]);

    const many = Array.from({ length: 17 }, (_, i) => `m${i}`);
    for (const k of many) registry.submit(room, edit(doc, k), writer);
    await turns(3);
    expect(batches).toEqual([3, 1]);
    gated.release();
    await registry.flush();
    expect(reader.messages).toEqual([["a", "b", "c"], many]);
    expect(writer.messages).toEqual([]);

    // The stored log replays to the document.
    const stored = await replayed(gated.store, room.name);
    expect(stored.records).toBe(4);
    expect(stored.state).toEqual(doc.getMap("m").toJSON());
    await registry.close();
  });
});

describe("loading", () => {
  const name = "book:org:large";

  /** A memory store holding a document of `entries` map entries as a snapshot in pieces. */
  async function storedInPieces(entries: number): Promise<{ store: Store; doc: Y.Doc; pieces: number }> {
    const doc = new Y.Doc();
    doc.transact(() => {
      for (let i = 0; i < entries; i++) doc.getMap("m").set(`k${i}`, { i, note: `record ${i}` });
    });
    const store = createMemoryStore();
    await store.appendUpdates(new Map([[name, [Y.encodeStateAsUpdate(doc)]]]));
    let pieces = 0;
    await store.rebuildRoom(name, async (log) => {
      const built = rebuildHere(log, 16 * 1024);
      pieces = built.length;
      return built;
    });
    return { store, doc, pieces };
  }

  it("applies a large room's log in slices, letting the event loop turn between them", async () => {
    const { store, doc, pieces } = await storedInPieces(60_000);
    expect(pieces).toBeGreaterThan(50);
    const registry = new RoomRegistry({ store, metrics: new Metrics(), logger: createMemoryLogger() });
    let turns = 0;
    let loading = true;
    const spin = (): void => {
      turns++;
      if (loading) setImmediate(spin);
    };
    setImmediate(spin);
    const room = await registry.acquire(name);
    loading = false;
    // Applying 60,000 records takes far more than one slice (10 ms) on any machine.
    expect(turns).toBeGreaterThan(2);
    expect(room.doc.getMap("m").toJSON()).toEqual(doc.getMap("m").toJSON());
    expect(room.logRecords).toBe(pieces);
    expect(room.snapshotBytes).toBe((await store.loadRoom(name)).bytes);
    registry.release(room);
    await registry.close();
  });

  it("refuses a room whose load was still running when the registry closed, and keeps none loaded", async () => {
    const { store } = await storedInPieces(60_000);
    const registry = new RoomRegistry({ store, metrics: new Metrics(), logger: createMemoryLogger() });
    const acquired = registry.acquire(name);
    await new Promise<void>((r) => setImmediate(r));
    await registry.close();
    await expect(acquired).rejects.toThrow("closed");
    expect(registry.size).toBe(0);
  });
});
