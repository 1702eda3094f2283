/**
 * Book leases on a real PostgreSQL: one holder at a time on the database's clock, the epoch up
 * by one at each change of holder, and writes fenced by it. A worker that paused past its
 * lease (here: its lease expired and another instance took it) wakes to find its late writes
 * refused in the same transaction, its room closed, and nothing of them stored.
 */
import { afterAll, expect, it } from "vitest";
import * as Y from "yjs";
import { createMemoryLogger } from "../src/obs/logger.js";
import { Metrics } from "../src/obs/metrics.js";
import { LeaseLostError, RoomRegistry } from "../src/relay/room-registry.js";
import { openPostgresStore, type PostgresStore } from "../src/store/pg-store.js";
import { StaleFenceError } from "../src/store/store.js";
import { describeWithBackends, type PostgresCluster, startPostgres } from "./backends.js";

let cluster: Promise<PostgresCluster> | undefined;
const stores: PostgresStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  await (await cluster)?.stop();
});

async function freshStores(n: number): Promise<PostgresStore[]> {
  cluster ??= startPostgres();
  const url = await (await cluster).createDatabase();
  const opened = await Promise.all(Array.from({ length: n }, () => openPostgresStore({ url })));
  stores.push(...opened);
  return opened;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BOOK = "book:00D000000000001AAA:005000000000001AAA";

function anUpdate(key: string): Uint8Array {
  const d = new Y.Doc();
  d.getMap("meta").set(key, true);
  return Y.encodeStateAsUpdate(d);
}

describeWithBackends("book leases on PostgreSQL", () => {
  it("admit one holder at a time, renew without a new epoch, and pass on after expiry or release", async () => {
    const [store] = await freshStores(1);
    const leases = (store as PostgresStore).leases;
    const first = await leases.acquire(BOOK, "one", 300);
    expect(first).toEqual({ owner: "one", epoch: 1 });
    expect(await leases.acquire(BOOK, "two", 300)).toBeUndefined();
    expect(await leases.acquire(BOOK, "one", 300)).toEqual({ owner: "one", epoch: 1 });
    expect(await leases.held("one")).toBe(1);
    await sleep(400);
    expect(await leases.acquire(BOOK, "two", 300)).toEqual({ owner: "two", epoch: 2 });
    expect(await leases.acquire(BOOK, "one", 300)).toBeUndefined();
    await leases.release(BOOK, { owner: "two", epoch: 2 });
    expect(await leases.acquire(BOOK, "one", 300)).toEqual({ owner: "one", epoch: 3 });
    // A release under a stale fence changes nothing.
    await leases.release(BOOK, { owner: "two", epoch: 2 });
    expect(await leases.acquire(BOOK, "two", 300)).toBeUndefined();
  });

  it("refuse a fenced append once the lease moved on, in the same transaction, writing nothing of the batch", async () => {
    const [store] = (await freshStores(1)) as [PostgresStore];
    const stale = (await store.leases.acquire(BOOK, "one", 100)) ?? { owner: "one", epoch: 0 };
    await sleep(150);
    const current = (await store.leases.acquire(BOOK, "two", 10_000)) ?? { owner: "two", epoch: 0 };
    const batch = new Map([
      [BOOK, [anUpdate("late")]],
      ["book:other", [anUpdate("device")]],
    ]);
    const refused = store.appendVersioned(batch, new Map([[BOOK, stale]]));
    await expect(refused).rejects.toBeInstanceOf(StaleFenceError);
    await expect(refused).rejects.toMatchObject({ rooms: [BOOK] });
    expect((await store.loadRoom(BOOK)).updates).toEqual([]);
    expect((await store.loadRoom("book:other")).updates).toEqual([]);
    await store.appendVersioned(new Map([[BOOK, [anUpdate("current")]]]), new Map([[BOOK, current]]));
    expect((await store.loadRoom(BOOK)).updates).toHaveLength(1);
  });

  it("a worker that wakes after losing its lease can change nothing: its room refuses, closes, and stores none of it", async () => {
    const [a, b] = (await freshStores(2)) as [PostgresStore, PostgresStore];
    const registry = (store: PostgresStore) =>
      new RoomRegistry({ store, metrics: new Metrics(), logger: createMemoryLogger(), idleGraceMs: 0 });
    const [one, two] = [registry(a), registry(b)];
    // Instance one's worker holds the lease and writes under it.
    const fence1 = (await a.leases.acquire(BOOK, "one", 150)) ?? { owner: "one", epoch: 0 };
    const lease1 = await one.lease(BOOK, fence1);
    lease1.doc.transact(() => lease1.doc.getMap("meta").set("by-one", 1), "salesforce");
    await lease1.committed();
    // It pauses past its lease; instance two's worker takes the book over.
    await sleep(200);
    const fence2 = (await b.leases.acquire(BOOK, "two", 10_000)) ?? { owner: "two", epoch: 0 };
    expect(fence2.epoch).toBe(fence1.epoch + 1);
    const lease2 = await two.lease(BOOK, fence2);
    lease2.doc.transact(() => lease2.doc.getMap("meta").set("by-two", 2), "salesforce");
    await lease2.committed();
    // One wakes and writes: refused, and the worker is told before anything reaches Salesforce.
    const closed: number[] = [];
    const room = one.get(BOOK);
    room?.peers.add({ deliver: () => undefined, evict: (code) => closed.push(code) });
    lease1.doc.transact(() => lease1.doc.getMap("meta").set("late-from-one", 3), "salesforce");
    await expect(lease1.committed()).rejects.toBeInstanceOf(LeaseLostError);
    expect(closed).toEqual([4500]);
    expect(room?.failed).toBe(true);
    const stored = new Y.Doc();
    for (const u of (await a.loadRoom(BOOK)).updates) Y.applyUpdate(stored, u);
    expect(stored.getMap("meta").toJSON()).toEqual({ "by-one": 1, "by-two": 2 });
    lease1.release();
    lease2.release();
    await Promise.all([one.close(), two.close()]);
  });
});
