/**
 * The in-memory {@link Store}: for tests, benchmarks and embedders that persist elsewhere.
 *
 * Nothing survives the process; otherwise it keeps the full store contract (ordering,
 * single-use tickets), which the contract suite checks.
 */
import { createKvAuthStore } from "./kv-auth-store.js";
import type { RoomLog, RoomStore, Store } from "./store.js";
import { combineStores, StoreError } from "./store.js";

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How long a ticket (used or not) is remembered after its expiry (ms). Default 0: the
   * ticket value carries its expiry, so nothing needs remembering once it has passed.
   */
  readonly ticketGraceMs?: number | undefined;
}

/**
 * Creates an in-memory store.
 * @example
 * const store = createMemoryStore();
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  return combineStores(createMemoryRoomStore(), createKvAuthStore({ ticketGraceMs: options.ticketGraceMs }));
}

/**
 * Creates in-memory room logs.
 * @example
 * const rooms = createMemoryRoomStore();
 */
export function createMemoryRoomStore(): RoomStore {
  const rooms = new Map<string, { updates: Uint8Array[]; bytes: number; snapshot: number }>();
  let closed = false;
  const check = (): void => {
    if (closed) throw new StoreError("store is closed");
  };
  return {
    async appendUpdates(batch) {
      check();
      for (const [room, updates] of batch) {
        let log = rooms.get(room);
        if (!log) {
          log = { updates: [], bytes: 0, snapshot: 0 };
          rooms.set(room, log);
        }
        for (const u of updates) {
          log.updates.push(u.slice());
          log.bytes += u.length;
        }
      }
    },
    async loadRoom(room): Promise<RoomLog> {
      check();
      const log = rooms.get(room);
      return log
        ? { updates: [...log.updates], bytes: log.bytes, snapshot: log.snapshot }
        : { updates: [], bytes: 0, snapshot: 0 };
    },
    async replaceRoom(room, snapshot) {
      check();
      rooms.set(room, { updates: [snapshot.slice()], bytes: snapshot.length, snapshot: 1 });
    },
    async rebuildRoom(room, build) {
      check();
      const log = rooms.get(room);
      if (!log || log.updates.length === 0) return false;
      const taken = log.updates.length;
      const pieces = (await build(log.updates.map((u) => new Uint8Array(u)))).map((p) => p.slice());
      check();
      // replaceRoom swaps the log object: a snapshot installed meanwhile supersedes this one.
      if (rooms.get(room) !== log) return false;
      const updates = [...pieces, ...log.updates.slice(taken)];
      let bytes = 0;
      for (const u of updates) bytes += u.length;
      rooms.set(room, { updates, bytes, snapshot: pieces.length });
      return true;
    },
    async evictRoom() {
      // The room's log is this store's only copy of it: nothing to drop.
      check();
    },
    async close() {
      closed = true;
    },
  };
}
