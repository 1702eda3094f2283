/**
 * The room-log half of the store on PostgreSQL ({@link RoomStore}): one row per stored update in
 * `tandem_room_updates (room, seq, snapshot, data)`, a compaction's snapshot pieces flagged
 * `snapshot`.
 *
 * Invariants:
 * - Room operations of this process go through one serial queue, so they apply in call order:
 *   an append issued after a `replaceRoom` lands after the snapshot. `appendUpdates` is one
 *   transaction for the whole batch (the relay's group commit), committed (synchronous commit)
 *   before it resolves.
 * - A log loads snapshot pieces first, in order, then every other row by `seq`. Yjs updates
 *   commute, so rows another instance committed out of `seq` order change no state.
 * - `rebuildRoom` replaces exactly the rows it read: it deletes them by `seq` and changes
 *   nothing when any of them is gone (a `replaceRoom`, or another instance's compaction, got
 *   there first). Rows appended meanwhile, by any instance, stay. Compactions of one room take
 *   a per-room advisory lock, so two instances never interleave theirs.
 * - `replaceRoom` swaps everything stored for the room for the snapshot, which is right when
 *   this process is the room's only writer. With instances sharing rooms, the relay compacts by
 *   `rebuildRoom` only (a live document may lack an update another instance just stored).
 */
import type { Pool } from "pg";
import { lockFor, transaction } from "./pg-client.js";
import type { RoomLog, RoomStore } from "./store.js";
import { StoreError } from "./store.js";

/** Options of {@link createPostgresRoomStore}. */
export interface PostgresRoomStoreOptions {
  /** The pool, migrated (`migrate`); the caller ends it. */
  readonly pool: Pool;
  /** Called with the duration of every committed write, for metrics. */
  readonly onWrite?: ((seconds: number) => void) | undefined;
}

interface Row {
  readonly seq: string;
  readonly snapshot: boolean;
  readonly data: Buffer;
}

const LOAD = "SELECT seq, snapshot, data FROM tandem_room_updates WHERE room = $1 ORDER BY snapshot DESC, seq";
const INSERT = `INSERT INTO tandem_room_updates (room, snapshot, data)
  SELECT r, s, d FROM unnest($1::text[], $2::boolean[], $3::bytea[]) WITH ORDINALITY AS t(r, s, d, i) ORDER BY i`;

/**
 * Room logs in PostgreSQL.
 * @example
 * const rooms = createPostgresRoomStore({ pool });
 */
export function createPostgresRoomStore(options: PostgresRoomStoreOptions): RoomStore {
  const { pool } = options;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreError("store is closed"));
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await fn();
    options.onWrite?.((performance.now() - started) / 1000);
    return result;
  };
  return {
    shared: true,
    appendUpdates(batch) {
      const rooms: string[] = [];
      const data: Uint8Array[] = [];
      for (const [room, updates] of batch) {
        for (const u of updates) {
          rooms.push(room);
          // Copied now: the caller may reuse its arrays once this returns.
          data.push(Buffer.from(u));
        }
      }
      return serial(async () => {
        if (rooms.length === 0) return;
        const flags = rooms.map(() => false);
        await timed(() => pool.query(INSERT, [rooms, flags, data]));
      });
    },
    async loadRoom(room) {
      const rows = await serial(() => pool.query<Row>(LOAD, [room]));
      return toLog(rows.rows);
    },
    replaceRoom(room, snapshot) {
      return serial(() =>
        timed(() =>
          transaction(pool, async (client) => {
            await lockFor(client, `room:${room}`);
            await client.query("DELETE FROM tandem_room_updates WHERE room = $1", [room]);
            await client.query(INSERT, [[room], [true], [asBuffer(snapshot)]]);
          }),
        ),
      );
    },
    async rebuildRoom(room, build) {
      const read = await serial(() => pool.query<Row>(LOAD, [room]));
      if (read.rows.length === 0) return false;
      const seqs = read.rows.map((r) => r.seq);
      const pieces = await build(read.rows.map((r) => new Uint8Array(r.data)));
      return serial(() =>
        timed(() =>
          transaction(pool, async (client) => {
            await lockFor(client, `room:${room}`);
            const gone = await client.query(
              "DELETE FROM tandem_room_updates WHERE room = $1 AND seq = ANY($2::bigint[])",
              [room, seqs],
            );
            // Some row read is gone: a later snapshot replaced it. Roll back, change nothing.
            if (gone.rowCount !== seqs.length) throw new Superseded();
            await client.query(INSERT, [pieces.map(() => room), pieces.map(() => true), pieces.map(asBuffer)]);
            return true;
          }),
        ).catch((err: unknown) => {
          if (err instanceof Superseded) return false;
          throw err;
        }),
      );
    },
    async evictRoom() {
      // Nothing of a room is kept in memory here.
      if (closed) throw new StoreError("store is closed");
    },
    async close() {
      if (closed) return;
      await serial(async () => undefined);
      closed = true;
    },
  };
}

/** A rebuild whose read rows are no longer all there. */
class Superseded extends Error {}

function toLog(rows: readonly Row[]): RoomLog {
  const updates: Uint8Array[] = [];
  let bytes = 0;
  let snapshot = 0;
  for (const r of rows) {
    // A copy per row: `pg` may slice small buffers from one shared pool.
    updates.push(new Uint8Array(r.data));
    bytes += r.data.length;
    if (r.snapshot) snapshot++;
  }
  return { updates, bytes, snapshot };
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
