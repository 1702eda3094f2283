import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createMemoryLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import { createMemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import type { Rebuild } from "./rebuild.js";
import type { Room, RoomPeer } from "./room.js";
import { RoomRegistry } from "./room-registry.js";
import { encodeStateAsPieces } from "./snapshot-pieces.mjs";

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

/** A peer that records the map keys of each message it is sent. */
function recordingPeer(): RoomPeer & { messages: string[][] } {
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

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await turn();
};

function edit(doc: Y.Doc, key: string, value = key): Uint8Array {
  let out: Uint8Array = new Uint8Array();
  const capture = (u: Uint8Array) => {
    out = u;
  };
  doc.on("update", capture);
  doc.getMap("m").set(key, value);
  doc.off("update", capture);
  return out;
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

/** A memory store that records the rooms it was asked to compact. */
function compactionSpy(): { store: Store; replaced: string[] } {
  const inner = createMemoryStore();
  const replaced: string[] = [];
  const store: Store = {
    ...inner,
    replaceRoom: async (room, snapshot) => {
      replaced.push(room);
      return inner.replaceRoom(room, snapshot);
    },
  };
  return { store, replaced };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits up to 0.5 s for every room of `registry` to unload, and checks that they did. */
async function unloaded(registry: RoomRegistry): Promise<void> {
  for (let i = 0; i < 50 && registry.size > 0; i++) await sleep(10);
  expect(registry.size).toBe(0);
}

/** Commits `n` edits to `room`, one record each, each followed by the compactions it queued. */
async function commitEdits(
  registry: RoomRegistry,
  room: Room,
  doc: Y.Doc,
  from: RoomPeer,
  n: number,
  value?: string,
): Promise<void> {
  for (let i = 0; i < n; i++) {
    registry.submit(room, edit(doc, `k${doc.getMap("m").size}`, value), from);
    await registry.flush();
    await turn();
  }
}

async function replayed(store: Store, room: string): Promise<{ records: number; state: unknown }> {
  const log = await store.loadRoom(room);
  const doc = new Y.Doc();
  for (const u of log.updates) Y.applyUpdate(doc, u);
  return { records: log.updates.length, state: doc.getMap("m").toJSON() };
}

/** What a rebuild worker does, in this thread. */
function rebuildHere(updates: readonly Uint8Array[], pieceBytes: number): Uint8Array[] {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return encodeStateAsPieces(doc, pieceBytes);
}

describe("compaction", () => {
  const name = "book:org:user";

  /**
   * A registry on a compaction spy, due after 4 records, holding `name` with a fresh writer.
   * Rooms are compacted from the live document unless `offThreadBytes` says otherwise.
   */
  async function dueAfterFour(options: {
    compactQuietMs: number;
    idleGraceMs?: number;
    offThreadBytes?: number;
    rebuild?: Rebuild;
  }) {
    const spy = compactionSpy();
    const metrics = new Metrics();
    const registry = new RoomRegistry({
      store: spy.store,
      metrics,
      logger: createMemoryLogger(),
      compactAfterRecords: 4,
      offThreadBytes: Number.POSITIVE_INFINITY,
      ...options,
    });
    return { spy, registry, metrics, room: await registry.acquire(name), peer: recordingPeer(), doc: new Y.Doc() };
  }

  /** A registry on `store`, due after 4 records, that compacts one room per turn (slices of 0 ms). */
  function oneCompactionPerTurn(store: Store, options: { compactQuietMs: number; idleGraceMs?: number }): RoomRegistry {
    return new RoomRegistry({
      store,
      metrics: new Metrics(),
      logger: createMemoryLogger(),
      compactAfterRecords: 4,
      offThreadBytes: Number.POSITIVE_INFINITY,
      compactSliceMs: 0,
      ...options,
    });
  }

  it("waits until a due room has gone quiet, then stores one snapshot of it", async () => {
    const { spy, registry, room, peer, doc, metrics } = await dueAfterFour({ compactQuietMs: 150 });
    await commitEdits(registry, room, doc, peer, 4);
    // Due, but commits keep coming less than 150 ms apart.
    for (let i = 0; i < 6; i++) {
      await sleep(50);
      await commitEdits(registry, room, doc, peer, 1);
    }
    expect(spy.replaced).toEqual([]);
    await sleep(300);
    expect(spy.replaced).toEqual([name]);
    expect(await replayed(spy.store, name)).toEqual({ records: 1, state: doc.getMap("m").toJSON() });
    expect(metrics.compactions.get("event_loop")).toBe(1);
    registry.release(room);
    await registry.close();
  });

  it("compacts a room that never goes quiet once its log has grown by its snapshot's size, or by 16 times the due count", async () => {
    const { spy, registry, room, peer, doc } = await dueAfterFour({ compactQuietMs: 60_000 });
    // Due after 4 records, but neither quiet nor grown enough.
    await commitEdits(registry, room, doc, peer, 63);
    expect(spy.replaced).toEqual([]);
    await commitEdits(registry, room, doc, peer, 1);
    expect(spy.replaced).toEqual([name]);
    expect(await replayed(spy.store, name)).toEqual({ records: 1, state: doc.getMap("m").toJSON() });
    // By bytes: 1.5 MiB in a few records is at least 1 MiB and the snapshot's size.
    const big = "x".repeat(512 * 1024);
    await commitEdits(registry, room, doc, peer, 1, big);
    await commitEdits(registry, room, doc, peer, 1, big);
    expect(spy.replaced).toHaveLength(1);
    await commitEdits(registry, room, doc, peer, 1, big);
    expect(spy.replaced).toHaveLength(2);
    // The snapshot now holds 1.5 MiB and 64 small entries, so three more big records are not enough.
    await commitEdits(registry, room, doc, peer, 3, big);
    expect(spy.replaced).toHaveLength(2);
    await commitEdits(registry, room, doc, peer, 1, big);
    expect(spy.replaced).toHaveLength(3);
    expect(await replayed(spy.store, name)).toEqual({ records: 1, state: doc.getMap("m").toJSON() });
    registry.release(room);
    await registry.close();
  });

  it("does not re-encode a large room for a few small edits, also after a reload", async () => {
    const { spy, registry, room, peer, doc } = await dueAfterFour({ compactQuietMs: 50, idleGraceMs: 0 });
    await commitEdits(registry, room, doc, peer, 1, "x".repeat(400 * 1024));
    await commitEdits(registry, room, doc, peer, 3);
    await sleep(200);
    expect(spy.replaced).toEqual([name]);
    // Due by count, but 400 KB would be re-encoded for a few hundred bytes: not when quiet...
    await commitEdits(registry, room, doc, peer, 4);
    await sleep(200);
    expect(spy.replaced).toHaveLength(1);
    // ...nor when it unloads...
    registry.release(room);
    await unloaded(registry);
    expect(spy.replaced).toHaveLength(1);
    // ...nor once reloaded, where the store tells which records are the snapshot...
    const again = await registry.acquire(name);
    await commitEdits(registry, again, doc, peer, 4);
    await sleep(200);
    expect(spy.replaced).toHaveLength(1);
    // ...until the log holds 16 times the due count.
    await commitEdits(registry, again, doc, peer, 4 * 16 - again.logRecords);
    expect(spy.replaced).toHaveLength(2);
    expect(await replayed(spy.store, name)).toEqual({ records: 1, state: doc.getMap("m").toJSON() });
    registry.release(again);
    await registry.close();
  });

  it("compacts a large room off the event loop, from its stored log into pieces, keeping what is committed meanwhile", async () => {
    const given: number[] = [];
    let pieces = 0;
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { spy, registry, room, peer, doc } = await dueAfterFour({
      compactQuietMs: 50,
      offThreadBytes: 1,
      rebuild: async (updates) => {
        given.push(updates.length);
        await gate;
        // Small pieces: a struct or two each.
        const built = rebuildHere(updates, 16);
        pieces = built.length;
        return built;
      },
    });
    await commitEdits(registry, room, doc, peer, 4);
    await sleep(200);
    expect(given).toEqual([4]);
    // Commits go on while the snapshot is built; they stay in the log after it.
    await commitEdits(registry, room, doc, peer, 2);
    release();
    for (let i = 0; i < 50 && room.logRecords !== pieces + 2; i++) await sleep(10);
    expect(pieces).toBeGreaterThan(1);
    expect(spy.replaced).toEqual([]);
    expect(room.logRecords).toBe(pieces + 2);
    expect(await replayed(spy.store, name)).toEqual({ records: pieces + 2, state: doc.getMap("m").toJSON() });
    expect((await spy.store.loadRoom(name)).snapshot).toBe(pieces);
    // Reloaded, the room applies the pieces (in slices) and knows they are its snapshot.
    const size = room.snapshotBytes;
    registry.release(room);
    await registry.close();
    const again = new RoomRegistry({ store: spy.store, metrics: new Metrics(), logger: createMemoryLogger() });
    const reloaded = await again.acquire(name);
    expect(reloaded.doc.getMap("m").toJSON()).toEqual(doc.getMap("m").toJSON());
    expect(reloaded.logRecords).toBe(pieces + 2);
    expect(reloaded.snapshotBytes).toBe(size);
    again.release(reloaded);
    await again.close();
  });

  it("runs one off-thread compaction at a time, and starts no queued one once closing", async () => {
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const { spy, registry, room, peer, doc, metrics } = await dueAfterFour({
      compactQuietMs: 50,
      offThreadBytes: 1,
      rebuild: async (updates) => {
        started.push(updates.length);
        await new Promise<void>((r) => gates.push(r));
        return rebuildHere(updates, Number.POSITIVE_INFINITY);
      },
    });
    const rooms = [room, await registry.acquire("book:org:second"), await registry.acquire("book:org:third")];
    const docs = [doc, new Y.Doc(), new Y.Doc()];
    for (let i = 0; i < 3; i++) await commitEdits(registry, rooms[i] as Room, docs[i] as Y.Doc, peer, 4 + i);
    // Polled, not a fixed wait: under a loaded test run the quiet-time timers fire late.
    for (let i = 0; i < 300 && started.length < 1; i++) await sleep(10);
    await sleep(200);
    // All three are due; one rebuild runs, the others wait for it.
    expect(started).toEqual([4]);
    gates[0]?.();
    for (let i = 0; i < 300 && started.length < 2; i++) await sleep(10);
    expect(started).toEqual([4, 5]);
    // Closing waits for the running rebuild and starts none of those still queued.
    const closing = registry.close();
    await sleep(50);
    gates[1]?.();
    await closing;
    expect(started).toEqual([4, 5]);
    expect(spy.replaced).toEqual([]);
    expect(metrics.compactions.get("worker")).toBe(2);
    expect(metrics.render()).toContain('tandem_compactions_total{outcome="worker"} 2');
    expect((await replayed(spy.store, name)).records).toBe(1);
    expect((await replayed(spy.store, "book:org:second")).records).toBe(1);
    expect((await replayed(spy.store, "book:org:third")).records).toBe(6);
  });

  it("rebuilds in a worker thread by default, and on unload", async () => {
    const { spy, registry, room, peer, doc } = await dueAfterFour({
      compactQuietMs: 60_000,
      idleGraceMs: 0,
      offThreadBytes: 1,
    });
    await commitEdits(registry, room, doc, peer, 5, "v".repeat(100_000));
    registry.release(room);
    await unloaded(registry);
    // close() waits for the rebuild to finish.
    await registry.close();
    expect(spy.replaced).toEqual([]);
    expect(await replayed(spy.store, name)).toEqual({ records: 1, state: doc.getMap("m").toJSON() });
  });

  it("spreads the compactions of rooms that fall due together over event-loop turns, and unloads each once compacted", async () => {
    const turnOf: number[] = [];
    let turnsSoFar = 0;
    const inner = compactionSpy();
    const store: Store = {
      ...inner.store,
      replaceRoom: (room, snapshot) => {
        turnOf.push(turnsSoFar);
        return inner.store.replaceRoom(room, snapshot);
      },
    };
    const registry = oneCompactionPerTurn(store, { compactQuietMs: 60_000, idleGraceMs: 0 });
    const peer = recordingPeer();
    const rooms: Room[] = [];
    const docs: Y.Doc[] = [];
    for (let i = 0; i < 8; i++) {
      rooms.push(await registry.acquire(`book:org:u${i}`));
      docs.push(new Y.Doc());
      await commitEdits(registry, rooms[i] as Room, docs[i] as Y.Doc, peer, 5);
    }
    expect(inner.replaced).toEqual([]);
    let counting = true;
    const spin = (): void => {
      turnsSoFar++;
      if (counting) setImmediate(spin);
    };
    setImmediate(spin);
    // Their idle timers fire together: every room is due as it unloads.
    for (const room of rooms) registry.release(room);
    await unloaded(registry);
    counting = false;
    expect([...inner.replaced].sort()).toEqual(rooms.map((r) => r.name).sort());
    expect(new Set(turnOf).size).toBe(rooms.length);
    for (let i = 0; i < rooms.length; i++)
      expect(await replayed(store, (rooms[i] as Room).name)).toEqual({
        records: 1,
        state: (docs[i] as Y.Doc).getMap("m").toJSON(),
      });
    await registry.close();
  });

  it("lets a room that went quiet but is busy again by its compaction's turn wait for its next quiet moment", async () => {
    const calls: string[] = [];
    const inner = compactionSpy();
    let wake = (): void => undefined;
    const store: Store = {
      ...inner.store,
      appendUpdates: (batch) => {
        for (const room of batch.keys()) calls.push(`append ${room}`);
        return inner.store.appendUpdates(batch);
      },
      replaceRoom: (room, snapshot) => {
        calls.push(`replace ${room}`);
        wake();
        return inner.store.replaceRoom(room, snapshot);
      },
    };
    const registry = oneCompactionPerTurn(store, { compactQuietMs: 100 });
    const peer = recordingPeer();
    const first = await registry.acquire("book:org:first");
    const second = await registry.acquire("book:org:second");
    const docs = [new Y.Doc(), new Y.Doc()];
    // Both due, committed together: their quiet timers fire in the same turn.
    for (let i = 0; i < 4; i++) {
      registry.submit(first, edit(docs[0] as Y.Doc, `k${i}`), peer);
      registry.submit(second, edit(docs[1] as Y.Doc, `k${i}`), peer);
      await registry.flush();
    }
    // As the first is compacted (one per turn), a device writes to the second.
    wake = () => {
      wake = () => undefined;
      registry.submit(second, edit(docs[1] as Y.Doc, "woke"), peer);
    };
    calls.length = 0;
    for (let i = 0; i < 100 && calls.filter((c) => c.startsWith("replace")).length < 2; i++) await sleep(10);
    expect(calls).toEqual(["replace book:org:first", "append book:org:second", "replace book:org:second"]);
    expect(await replayed(store, "book:org:second")).toEqual({
      records: 1,
      state: (docs[1] as Y.Doc).getMap("m").toJSON(),
    });
    registry.release(first);
    registry.release(second);
    await registry.close();
  });

  it("compacts a room still queued for compaction once, at once, when the registry closes", async () => {
    const { spy, registry, room, peer, doc } = await dueAfterFour({ compactQuietMs: 60_000 });
    await commitEdits(registry, room, doc, peer, 63);
    expect(spy.replaced).toEqual([]);
    // The 64th record forces a compaction, queued for the next turn; the registry closes first.
    registry.submit(room, edit(doc, "last"), peer);
    await registry.flush();
    registry.release(room);
    await registry.close();
    await turns(3);
    expect(spy.replaced).toEqual([name]);
    expect(await replayed(spy.store, name)).toEqual({ records: 1, state: doc.getMap("m").toJSON() });
  });

  it("compacts a due room when it unloads", async () => {
    const { spy, registry, room, peer, doc } = await dueAfterFour({ compactQuietMs: 60_000, idleGraceMs: 0 });
    await commitEdits(registry, room, doc, peer, 5);
    registry.release(room);
    await unloaded(registry);
    expect(spy.replaced).toEqual([name]);
    expect(await replayed(spy.store, name)).toEqual({ records: 1, state: doc.getMap("m").toJSON() });
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
