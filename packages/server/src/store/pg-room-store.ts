/**
 * The room-log half of the store on PostgreSQL ({@link SharedRoomStore}): one row per stored
 * update in `tandem_room_updates (room, seq, version, snapshot, data)`, a compaction's snapshot
 * pieces flagged `snapshot`, and each room's version in `tandem_room_heads`.
 *
 * Invariants:
 * - Room operations of this process go through one serial queue, so they apply in call order:
 *   an append issued after a `replaceRoom` lands after the snapshot. `appendUpdates` is one
 *   transaction for the whole batch (the relay's group commit), committed (synchronous commit)
 *   before it resolves.
 * - Each append bumps the version of every room it writes, in the same transaction, and its
 *   rows carry that version. The head row stays locked until commit, so versions follow commit
 *   order and a read sees every row up to the head version it reads (one statement, one
 *   snapshot). Rooms are locked in name order, so instances never deadlock on a batch.
 * - A log loads snapshot pieces first, in order, then every other row by version. Yjs updates
 *   commute, so the order of rows changes no state.
 * - `rebuildRoom` replaces exactly the rows it read: it deletes them by `seq` and changes
 *   nothing when any of them is gone (a `replaceRoom`, or another instance's compaction, got
 *   there first). Rows appended meanwhile, by any instance, stay. The snapshot's rows take the
 *   highest version among those they replace. Compactions of one room take a per-room
 *   advisory lock, so two instances never interleave theirs.
 * - `replaceRoom` swaps everything stored for the room for the snapshot, which is right only
 *   when this process is the room's only writer: the store is `shared`, so the relay compacts
 *   its rooms by `rebuildRoom` only (a live document may lack an update another instance just
 *   stored).
 */
import type { Pool, PoolClient } from "pg";
import { lockFor, transaction } from "./pg-client.js";
import type { Fence, RoomLog, SharedRoomStore } from "./store.js";
import { StaleFenceError, StoreError } from "./store.js";

/** Options of {@link createPostgresRoomStore}. */
export interface PostgresRoomStoreOptions {
  /** The pool, migrated (`migrate`); the caller ends it. */
  readonly pool: Pool;
  /** Called with the duration of every committed write, for metrics. */
  readonly onWrite?: ((seconds: number) => void) | undefined;
}

interface Row {
  readonly seq: string;
  readonly version: string;
  readonly snapshot: boolean;
  readonly data: Buffer;
  /** The room's head version, on every row (one read, one snapshot). */
  readonly head: string | null;
}

const ROWS = `SELECT seq, version, snapshot, data, (SELECT version FROM tandem_room_heads WHERE room = $1) AS head
  FROM tandem_room_updates WHERE room = $1 AND version > $2 ORDER BY snapshot DESC, version, seq`;
const HEAD = "SELECT version FROM tandem_room_heads WHERE room = $1";
const INSERT = `INSERT INTO tandem_room_updates (room, version, snapshot, data)
  SELECT r, v, s, d FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::bytea[]) WITH ORDINALITY AS t(r, v, s, d, i)
  ORDER BY i`;
/** Bumps the versions of a batch's rooms, locking their head rows in name order. */
const BUMP = `INSERT INTO tandem_room_heads (room, version) SELECT r, 1 FROM unnest($1::text[]) AS t(r) ORDER BY r
  ON CONFLICT (room) DO UPDATE SET version = tandem_room_heads.version + 1 RETURNING room, version`;

/**
 * Room logs in PostgreSQL.
 * @example
 * const rooms = createPostgresRoomStore({ pool });
 */
export function createPostgresRoomStore(options: PostgresRoomStoreOptions): SharedRoomStore {
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
  const readRows = async (room: string, after: number): Promise<Row[]> =>
    (await serial(() => pool.query<Row>(ROWS, [room, after]))).rows;
  const headOf = async (client: PoolClient | Pool, room: string): Promise<number> =>
    Number((await client.query<{ version: string }>(HEAD, [room])).rows[0]?.version ?? 0);

  const appendVersioned: SharedRoomStore["appendVersioned"] = (batch, fences) => {
    const rooms: string[] = [];
    const data: Buffer[] = [];
    for (const [room, updates] of batch) {
      for (const u of updates) {
        rooms.push(room);
        // Copied now: the caller may reuse its arrays once this returns.
        data.push(Buffer.from(u));
      }
    }
    return serial(async () => {
      if (rooms.length === 0) return new Map<string, number>();
      return timed(() =>
        transaction(pool, async (client) => {
          if (fences && fences.size > 0) await checkFences(client, fences);
          const bumped = await client.query<{ room: string; version: string }>(BUMP, [[...new Set(rooms)]]);
          const versions = new Map(bumped.rows.map((r) => [r.room, Number(r.version)]));
          const rowVersions = rooms.map((r) => versions.get(r) ?? 0);
          await client.query(INSERT, [rooms, rowVersions, rooms.map(() => false), data]);
          return versions;
        }),
      );
    });
  };

  return {
    shared: true,
    appendVersioned,
    async appendUpdates(batch) {
      await appendVersioned(batch);
    },
    async loadRoom(room) {
      return toLog(await readRows(room, -1));
    },
    async loadVersioned(room) {
      const rows = await readRows(room, -1);
      const version = rows[0]?.head ?? (await serial(() => headOf(pool, room)));
      return { ...toLog(rows), version: Number(version) };
    },
    async loadSince(room, version) {
      const rows = await readRows(room, version);
      const head = rows[0]?.head ?? (await serial(() => headOf(pool, room)));
      return { updates: toLog(rows).updates, version: Number(head) };
    },
    async versions(rooms) {
      if (closed) throw new StoreError("store is closed");
      const r = await pool.query<{ room: string; version: string }>(
        "SELECT room, version FROM tandem_room_heads WHERE room = ANY($1::text[])",
        [rooms],
      );
      const out = new Map(rooms.map((room) => [room, 0]));
      for (const row of r.rows) out.set(row.room, Number(row.version));
      return out;
    },
    replaceRoom(room, snapshot) {
      return serial(() =>
        timed(() =>
          transaction(pool, async (client) => {
            await lockFor(client, `room:${room}`);
            await client.query("DELETE FROM tandem_room_updates WHERE room = $1", [room]);
            await client.query(INSERT, [[room], [await headOf(client, room)], [true], [Buffer.from(snapshot)]]);
          }),
        ),
      );
    },
    async rebuildRoom(room, build) {
      const read = await readRows(room, -1);
      if (read.length === 0) return false;
      const pieces = await build(read.map((r) => new Uint8Array(r.data)));
      const version = Math.max(...read.map((r) => Number(r.version)));
      return serial(() =>
        timed(() => installRebuilt(pool, room, read, pieces, version)).catch((err: unknown) => {
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

/** Swaps the rows a rebuild read for its snapshot; throws {@link Superseded} when any of them is gone. */
function installRebuilt(
  pool: Pool,
  room: string,
  read: readonly Row[],
  pieces: readonly Uint8Array[],
  version: number,
): Promise<boolean> {
  const seqs = read.map((r) => r.seq);
  return transaction(pool, async (client) => {
    await lockFor(client, `room:${room}`);
    const gone = await client.query("DELETE FROM tandem_room_updates WHERE room = $1 AND seq = ANY($2::bigint[])", [
      room,
      seqs,
    ]);
    // Some row read is gone: a later snapshot replaced it. Roll back, change nothing.
    if (gone.rowCount !== seqs.length) throw new Superseded();
    await client.query(INSERT, [
      pieces.map(() => room),
      pieces.map(() => version),
      pieces.map(() => true),
      pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)),
    ]);
    return true;
  });
}

/**
 * Throws {@link StaleFenceError} unless every fence's lease holds now, and keeps the held ones
 * share-locked to the commit: a worker taking a lease over waits for this write, then sees it.
 */
async function checkFences(client: PoolClient, fences: ReadonlyMap<string, Fence>): Promise<void> {
  const books = [...fences.keys()];
  const held = await client.query<{ book: string }>(
    `SELECT l.book FROM tandem_book_leases l
     JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS f(book, owner, epoch)
       ON l.book = f.book AND l.owner = f.owner AND l.epoch = f.epoch
     WHERE l.expires_at > now() FOR SHARE OF l`,
    [books, books.map((b) => fences.get(b)?.owner ?? ""), books.map((b) => fences.get(b)?.epoch ?? 0)],
  );
  const ok = new Set(held.rows.map((r) => r.book));
  const stale = books.filter((b) => !ok.has(b));
  if (stale.length > 0) throw new StaleFenceError(stale);
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
