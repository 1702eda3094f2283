/**
 * The room registry's compaction: when a due room is compacted (once quiet; once its log has
 * grown by its snapshot's size or by 16 times the due count when it never goes quiet; not for
 * a few small edits to a large room, also after a reload; on unload; at close if queued), how
 * (from the live document, or off the event loop from the stored log into pieces, one rebuild
 * at a time, keeping what is committed meanwhile), and how the compactions of rooms due
 * together are spread over event-loop turns.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { edit, rebuildHere, recordingPeer, replayed, turn, turns } from "../../test/room-registry-fixtures.js";
import { createMemoryLogger } from "../obs/logger.js";
import { Metrics } from "../obs/metrics.js";
import { createMemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import type { Rebuild } from "./rebuild.js";
import type { Room, RoomPeer } from "./room.js";
import { RoomRegistry } from "./room-registry.js";

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

  it("compacts a room of a shared store (instances on one database) only from its stored log", async () => {
    const spy = compactionSpy();
    const store: Store = { ...spy.store, shared: true };
    const metrics = new Metrics();
    const registry = new RoomRegistry({
      store,
      metrics,
      logger: createMemoryLogger(),
      compactAfterRecords: 4,
      compactQuietMs: 0,
      rebuild: async (updates, pieceBytes) => rebuildHere(updates, pieceBytes),
    });
    const room = await registry.acquire(name);
    const doc = new Y.Doc();
    // Another instance's update, stored but never seen by this room's live document.
    const other = new Y.Doc();
    other.getMap("m").set("elsewhere", true);
    await store.appendUpdates(new Map([[name, [Y.encodeStateAsUpdate(other)]]]));
    await commitEdits(registry, room, doc, recordingPeer(), 4);
    for (let waited = 0; (metrics.compactions.get("worker") ?? 0) === 0 && waited < 5000; waited += 20) await sleep(20);
    expect(spy.replaced).toEqual([]);
    expect(metrics.compactions.get("worker")).toBe(1);
    const stored = await replayed(store, name);
    expect(stored.records).toBe(1);
    expect(stored.state).toEqual({ ...doc.getMap("m").toJSON(), elsewhere: true });
    registry.release(room);
    await registry.close();
  });

  it("waits until a due room has gone quiet, then stores one snapshot of it", async () => {
    // A quiet time far above the 50 ms between commits, so that a loaded machine (2 cores, six
    // test files at once) cannot stretch a gap into a quiet moment.
    const { spy, registry, room, peer, doc, metrics } = await dueAfterFour({ compactQuietMs: 1000 });
    await commitEdits(registry, room, doc, peer, 4);
    // Due, but commits keep coming less than a quiet time apart.
    for (let i = 0; i < 6; i++) {
      await sleep(50);
      await commitEdits(registry, room, doc, peer, 1);
    }
    const lastCommit = performance.now();
    expect(spy.replaced).toEqual([]);
    for (let waited = 0; spy.replaced.length === 0 && waited < 10_000; waited += 50) await sleep(50);
    expect(spy.replaced).toEqual([name]);
    expect(performance.now() - lastCommit).toBeGreaterThanOrEqual(900);
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
    // Next the second (5 records) or the third (6): which fell due first depends on the timers
    // (a quiet-time compaction whose room was busy at its turn waits for the next quiet moment).
    expect(started).toHaveLength(2);
    expect([5, 6]).toContain(started[1]);
    const second = started[1] === 5 ? "book:org:second" : "book:org:third";
    const left =
      second === "book:org:second" ? { name: "book:org:third", records: 6 } : { name: "book:org:second", records: 5 };
    // Closing waits for the running rebuild and starts none of those still queued.
    const closing = registry.close();
    await sleep(50);
    gates[1]?.();
    await closing;
    expect(started).toHaveLength(2);
    expect(spy.replaced).toEqual([]);
    expect(metrics.compactions.get("worker")).toBe(2);
    expect(metrics.render()).toContain('tandem_compactions_total{outcome="worker"} 2');
    expect((await replayed(spy.store, name)).records).toBe(1);
    expect((await replayed(spy.store, second)).records).toBe(1);
    expect((await replayed(spy.store, left.name)).records).toBe(left.records);
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
