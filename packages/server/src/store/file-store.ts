/**
 * The embedded default {@link Store}: a log-structured file store under a data directory.
 *
 * Layout: `rooms/<base64url(room)>.log` holds one room's Yjs updates as length + CRC32
 * framed records (see `record-frame.ts`), after a compaction first a mark record saying how
 * many of the records after it are the snapshot (one update, or the pieces of a large one);
 * `wal.<n>.log` is the shared write-ahead log of room updates, in numbered segments (records
 * `[u16 room length][room][update]`, same framing); `kv.log` logs every session/ticket/token
 * mutation as a framed JSON record and is replayed into memory on open.
 *
 * Invariants:
 * - Every write goes through one serial queue, so room operations apply in call order and a
 *   compaction never races an append.
 * - `appendUpdates` writes the whole batch to the WAL and makes it durable with ONE
 *   `fdatasync` before it resolves (group commit: the relay calls it once per event-loop tick,
 *   for every dirty room at once). The batch is also kept in memory (`walTail`, with its
 *   segment) until a checkpoint appends it to the room files and fsyncs them; `loadRoom`
 *   returns room file + WAL tail. A checkpoint starts when the current segment holds
 *   `checkpointBytes`: appends go to a new segment at once, and the old one is drained in the
 *   background, 16 rooms per turn of the serial queue (appends go on in between), then deleted;
 *   one drain at a time. `close` moves everything. `evictRoom` moves one unloaded room's updates
 *   at once (the segments keep their records until drained), so the memory held per room lasts
 *   as long as the room is loaded, not until the WAL fills. On open, the segments are replayed
 *   into the room files in order (duplicates are harmless: Yjs updates are idempotent) before
 *   anything.
 * - A torn tail (crash mid-append) is ignored on load and truncated away before the next append.
 * - `replaceRoom` writes the snapshot to its own temporary file and fsyncs it outside the serial
 *   queue, so a compaction never holds up the group commit; then, in the queue, renames it over
 *   the log and fsyncs the directory: a crash leaves either the old log or the new one, whole
 *   (leftover temporary files are deleted on open). The snapshot supersedes the WAL-only
 *   updates of appends issued before the `replaceRoom` call, not those issued after it: every
 *   call takes an issue number, and the WAL tail remembers it per append. A checkpoint or
 *   eviction that reaches a room first installs the room's pending snapshots.
 * - Kv ops of one tick are written and fdatasync'd together before any of their promises
 *   resolves; the kv log is rewritten from the live tables when it holds far more ops than
 *   live rows.
 */
import {
  closeSync as closeFd,
  closeSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync as openFd,
  openSync,
  readdirSync,
  rmSync,
  writev,
  writevSync,
} from "node:fs";
import { type FileHandle, open, readFile, rename, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type KvOp, KvTables, pruneWhenIdle, tokenKey, tokenOwners } from "./kv-tables.js";
import {
  BYTE_SLICE,
  ByteSlicer,
  frameEachYielding,
  frameJoined,
  framePartsYielding,
  frameRecord,
  readFrames,
} from "./record-frame.js";
import type { RoomLog, Store, TicketTake } from "./store.js";
import { StoreError } from "./store.js";

/** Options of {@link openFileStore}. */
export interface FileStoreOptions {
  /** The data directory; created if missing. */
  readonly dir: string;
  /**
   * How long a ticket (used or not) is remembered after its expiry (ms). Default 0: the
   * ticket value carries its expiry, so nothing needs remembering once it has passed.
   */
  readonly ticketGraceMs?: number | undefined;
  /** WAL size that triggers a checkpoint (WAL-only updates moved to room files, WAL emptied). Default 16 MiB. */
  readonly checkpointBytes?: number | undefined;
  /** Called with the duration of every fsync'd write, for metrics. */
  readonly onWrite?: ((seconds: number) => void) | undefined;
}

/**
 * Opens (or creates) a file store.
 * @example
 * const store = await openFileStore({ dir: "/var/lib/tandem/data" });
 */
export async function openFileStore(options: FileStoreOptions): Promise<Store> {
  const dir = options.dir;
  const roomsDir = join(dir, "rooms");
  mkdirSync(roomsDir, { recursive: true, mode: 0o700 });
  const grace = options.ticketGraceMs ?? 0;
  const kv = new KvTables();
  const idlePruner = pruneWhenIdle(kv, grace);
  const kvPath = join(dir, "kv.log");

  // Replay the kv log, truncating any torn tail.
  let kvOps = 0;
  const existing = await readFile(kvPath).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (existing) {
    const { records, validLength } = await readFrames(existing);
    for (const r of records) {
      kv.apply(JSON.parse(Buffer.from(r).toString("utf8")) as KvOp);
      kvOps++;
    }
    if (validLength !== existing.length) await truncate(kvPath, validLength);
  }
  let kvHandle = await open(kvPath, "a", 0o600);

  const checkpointBytes = options.checkpointBytes ?? 16 * 1024 * 1024;
  /** The WAL segment appends go to; older segments are being drained into room files. */
  let segment = 0;
  /** The drain of older segments under way, if any (one at a time). */
  let draining: Promise<void> | undefined;
  let closing = false;
  /** Committed updates that so far are durable only in the WAL (room files lag), per room, by append. */
  const walTail = new Map<string, TailBatch[]>();
  /** Snapshots being written or waiting to be renamed over their room's log, per room, in issue order. */
  const pendingSnapshots = new Map<string, PendingSnapshot[]>();
  /** Issue number of the latest `appendUpdates` or `replaceRoom` call. */
  let issued = 0;
  let walBytes = 0;
  /** Rooms whose file was checked for a torn tail since open (forgotten again on eviction). */
  const repaired = new Set<string>();
  /** Issue number of the latest snapshot installed over each room's log (older ones are dropped). */
  const installedIssue = new Map<string, number>();
  /** Counts renames over each room's log, so a rebuild can tell whether its read is still the file's start. */
  const fileGeneration = new Map<string, number>();
  /** Rebuilds of each room between their call and their end. */
  const rebuildsInFlight = new Map<string, number>();
  /** Rooms `evictRoom` was called for that no eviction has handled yet. */
  const evicting = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  let takes = 0;

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreError("store is closed"));
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const roomPath = (room: string): string => join(roomsDir, `${Buffer.from(room, "utf8").toString("base64url")}.log`);

  /**
   * Runs snapshot file writes two at a time. Their fsyncs share libuv's four threads with the
   * WAL's fdatasync: 500 rooms compacted together queued every group commit behind hundreds
   * of fsyncs.
   */
  let snapshotWriting = 0;
  const snapshotWaiting: (() => void)[] = [];
  const snapshotWrites = async <T>(write: () => Promise<T>): Promise<T> => {
    if (snapshotWriting >= 2) await new Promise<void>((r) => snapshotWaiting.push(r));
    snapshotWriting++;
    try {
      return await write();
    } finally {
      snapshotWriting--;
      snapshotWaiting.shift()?.();
    }
  };

  // Snapshot files a crash left before their rename: the logs they were for are intact.
  for (const name of readdirSync(roomsDir)) if (name.endsWith(".tmp")) rmSync(join(roomsDir, name), { force: true });

  /**
   * Renames the written snapshots of `room` (issue ≤ `upTo`) over its log, in issue order; with
   * `settledOnly`, only up to the first one still being written, without waiting for it.
   * Returns the issue of the last one renamed. Runs in the serial queue; the caller fsyncs the
   * directory and then calls `installed`.
   */
  const renameSnapshots = async (room: string, upTo: number, settledOnly: boolean): Promise<number | undefined> => {
    const list = pendingSnapshots.get(room) ?? [];
    let since: number | undefined;
    for (let next = list[0]; next !== undefined && next.issue <= upTo; next = list[0]) {
      if (settledOnly && !next.settled) break;
      list.shift();
      // A snapshot whose write failed is skipped: its replaceRoom call reports the failure.
      if (
        !(await next.written.then(
          () => true,
          () => false,
        ))
      )
        continue;
      if (next.issue < (installedIssue.get(room) ?? 0)) {
        // A later rebuild is already installed: this snapshot is older than the log.
        await rm(next.tmp, { force: true });
        continue;
      }
      await rename(next.tmp, roomPath(room));
      since = next.issue;
      installedIssue.set(room, next.issue);
      fileGeneration.set(room, (fileGeneration.get(room) ?? 0) + 1);
    }
    if (list.length === 0) pendingSnapshots.delete(room);
    return since;
  };

  /** Drops the WAL-only updates a snapshot of issue `since`, renamed and fsync'd, supersedes. */
  const installed = (room: string, since: number): void => {
    const tail = walTail.get(room)?.filter((b) => b.issue > since) ?? [];
    if (tail.length > 0) walTail.set(room, tail);
    else walTail.delete(room);
    repaired.add(room);
  };

  /**
   * Renames the written snapshots of `room` (issue ≤ `upTo`, all by default) over its log, in
   * issue order, and drops the WAL-only updates they supersede. Runs in the serial queue.
   */
  const installSnapshots = async (room: string, upTo = Number.POSITIVE_INFINITY): Promise<void> => {
    const since = await renameSnapshots(room, upTo, false);
    if (since === undefined) return;
    await fsyncDirAsync(roomsDir);
    installed(room, since);
  };

  /**
   * Installs every snapshot, of any room, whose file is written, with one directory fsync for
   * all their renames: 500 rooms compacted together cost one fsync, not 500 in a row, each
   * holding up the group commit. The rooms' renames run side by side (a room's own in issue
   * order): one after another, each waited for a turn of the event loop while the group commit
   * waited behind them all. Runs in the serial queue.
   */
  const installSettled = async (): Promise<void> => {
    const renamed: [string, number][] = [];
    await Promise.all(
      [...pendingSnapshots.keys()].map(async (room) => {
        const since = await renameSnapshots(room, Number.POSITIVE_INFINITY, true);
        if (since !== undefined) renamed.push([room, since]);
      }),
    );
    if (renamed.length === 0) return;
    await fsyncDirAsync(roomsDir);
    for (const [room, since] of renamed) installed(room, since);
  };

  /** Appends records to a room file and fsyncs it (checkpoints and WAL replay only). */
  const appendToRoomFile = async (room: string, updates: readonly Uint8Array[]): Promise<void> => {
    const path = roomPath(room);
    if (!repaired.has(room)) {
      // Drop a torn tail before appending after it.
      await loadRecords(path, true);
      repaired.add(room);
    }
    const records: Uint8Array[] = [];
    let bytes = 0;
    for (const u of updates) {
      records.push(...(await frame([u])));
      bytes += u.length;
    }
    const fd = openFd(path, "a", 0o600);
    try {
      // A large batch (a first sync's update moved at a checkpoint) is written off the event loop.
      if (bytes >= LARGE_RECORD) await writevAsync(fd, records);
      else writevSync(fd, records);
      await datasync(fd);
    } finally {
      closeFd(fd);
    }
  };

  /**
   * Moves the WAL-only updates of `rooms` that are in segments up to `upTo` (all by default)
   * into their room files durably, 64 files at a time. Runs in the serial queue.
   */
  const moveTails = async (rooms: readonly string[], upTo = Number.POSITIVE_INFINITY): Promise<void> => {
    for (let i = 0; i < rooms.length; i += 64) {
      await Promise.all(
        rooms.slice(i, i + 64).map(async (room) => {
          await installSnapshots(room);
          const moving = walTail.get(room)?.filter((b) => b.segment <= upTo) ?? [];
          if (moving.length === 0) return;
          await appendToRoomFile(
            room,
            moving.flatMap((b) => b.updates),
          );
          const rest = walTail.get(room)?.filter((b) => b.segment > upTo) ?? [];
          if (rest.length > 0) walTail.set(room, rest);
          else walTail.delete(room);
        }),
      );
    }
  };

  /** Deletes the WAL segments up to `upTo` once none of their updates is WAL-only any more. */
  const removeSegments = async (upTo: number): Promise<void> => {
    for (const list of walTail.values()) if (list.some((b) => b.segment <= upTo)) return;
    for (const n of walSegments(dir)) if (n <= upTo) await rm(segmentPath(dir, n), { force: true });
  };

  /**
   * Starts a new WAL segment once the current one holds `checkpointBytes`, and drains the old
   * one in the background. Runs in the serial queue, at the end of an append.
   */
  const rotate = async (): Promise<void> => {
    const old = segment;
    const oldHandle = walHandle;
    const next = await open(segmentPath(dir, old + 1), "a", 0o600);
    // The new segment's name is durable before any append relies on it.
    await fsyncDirAsync(dir);
    segment = old + 1;
    walHandle = next;
    walBytes = 0;
    await oldHandle.close();
    draining = drain(old).finally(() => {
      draining = undefined;
    });
  };

  /**
   * Moves the updates of segments up to `old` into their room files, a few rooms per turn of
   * the serial queue so that appends go on in between, then deletes those segments. Moving
   * them all in one turn held up every append for as long as 500 rooms' fsyncs take (261 ms
   * measured in the relay bench). A drain that fails leaves its segment: its updates stay in
   * memory and are replayed on the next open.
   */
  const drain = async (old: number): Promise<void> => {
    const rooms = [...new Set([...walTail.keys(), ...pendingSnapshots.keys()])];
    try {
      for (let i = 0; i < rooms.length && !closing; i += DRAIN_ROOMS) {
        await serial(() => moveTails(rooms.slice(i, i + DRAIN_ROOMS), old));
      }
      if (!closing) await serial(() => removeSegments(old));
    } catch {
      // Everything stays as it was: WAL-only updates in memory and in their segment.
    }
  };

  /** Moves every WAL-only update into its room file durably, then empties the WAL (close). */
  const checkpoint = async (): Promise<void> => {
    await moveTails([...new Set([...walTail.keys(), ...pendingSnapshots.keys()])]);
    await removeSegments(segment - 1);
    await walHandle.truncate(0);
    await walHandle.datasync();
    walBytes = 0;
  };

  /** A room file's records; `fileLength` is the length of its valid part. */
  const loadRecords = async (path: string, repair: boolean): Promise<RoomLog & { fileLength: number }> => {
    const buf = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (!buf) return { updates: [], bytes: 0, snapshot: 0, fileLength: 0 };
    const { records, validLength } = await readFrames(buf);
    if (repair && validLength !== buf.length) await truncate(path, validLength);
    const { updates, snapshot } = roomUpdates(records);
    let bytes = 0;
    for (const r of updates) bytes += r.length;
    return { updates, bytes, snapshot, fileLength: validLength };
  };

  // Kv ops of one event-loop tick share one write and one fdatasync (group commit).
  let kvPending: { ops: readonly KvOp[]; done: () => void; fail: (e: unknown) => void }[] = [];
  const logKv = (ops: readonly KvOp[]): Promise<void> =>
    new Promise<void>((done, fail) => {
      kvPending.push({ ops, done, fail });
      if (kvPending.length === 1) setImmediate(flushKv);
    });
  const flushKv = (): void => {
    const group = kvPending;
    kvPending = [];
    serial(async () => {
      const started = performance.now();
      const bufs = group.flatMap((g) => g.ops.map((op) => frameRecord(Buffer.from(JSON.stringify(op), "utf8"))));
      await kvHandle.writev(bufs);
      await kvHandle.datasync();
      options.onWrite?.((performance.now() - started) / 1000);
      kvOps += bufs.length;
      const live = kv.sessions.size + kv.tickets.size + kv.usedTickets.size + kv.tokens.size;
      if (kvOps > 1000 && kvOps > live * 4) await compactKv();
    }).then(
      () => {
        for (const g of group) g.done();
      },
      (e: unknown) => {
        for (const g of group) g.fail(e);
      },
    );
  };

  const compactKv = async (): Promise<void> => {
    const tmp = `${kvPath}.tmp`;
    const h = await open(tmp, "w", 0o600);
    const ops = [...kv.snapshot()];
    await h.writev(ops.map((op) => frameRecord(Buffer.from(JSON.stringify(op), "utf8"))));
    await h.sync();
    await h.close();
    await kvHandle.close();
    await rename(tmp, kvPath);
    fsyncDir(dir);
    kvHandle = await open(kvPath, "a", 0o600);
    kvOps = ops.length;
  };

  // Recovery: replay the WAL segments, oldest first (`wal.log` of earlier versions before
  // them), into the room files (Yjs updates are idempotent, so records the files already hold
  // are harmless duplicates), make them durable, then start an empty segment and delete them.
  const legacyWal = join(dir, "wal.log");
  const replayed = [legacyWal, ...walSegments(dir).map((n) => segmentPath(dir, n))];
  for (const path of replayed) {
    const walBuf = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (!walBuf || walBuf.length === 0) continue;
    const byRoom = new Map<string, Uint8Array[]>();
    for (const rec of (await readFrames(walBuf)).records) {
      const { room, update } = readWalPayload(rec);
      const list = byRoom.get(room) ?? [];
      list.push(update);
      byRoom.set(room, list);
    }
    for (const [room, updates] of byRoom) await appendToRoomFile(room, updates);
  }
  segment = (walSegments(dir).at(-1) ?? -1) + 1;
  let walHandle = await open(segmentPath(dir, segment), "a", 0o600);
  fsyncDir(dir);
  for (const path of replayed) rmSync(path, { force: true });

  /** `Store.rebuildRoom`, counted in `rebuildsInFlight` by its caller. */
  const rebuildOnce = async (
    room: string,
    build: (updates: Uint8Array[]) => Promise<readonly Uint8Array[]>,
  ): Promise<boolean> => {
    if (closed) throw new StoreError("store is closed");
    const issue = ++issued;
    const path = roomPath(room);
    // The log at this call's place in the order: the room file's length and the WAL tail
    // (copied for `build`). A large file is read after the queue has moved on: appends only
    // add after that length, and a rename leaves the open handle on the file that was read.
    const read = await serial(async () => {
      const tail = walTail.get(room)?.flatMap((b) => b.updates.map((u) => new Uint8Array(u))) ?? [];
      const generation = fileGeneration.get(room) ?? 0;
      if (!repaired.has(room)) {
        const log = await loadRecords(path, true);
        repaired.add(room);
        return { records: log.updates, handle: undefined, fileLength: log.fileLength, tail, generation };
      }
      const handle = await openIfExists(path);
      const fileLength = handle ? (await handle.stat()).size : 0;
      return { records: [], handle, fileLength, tail, generation };
    });
    let records = read.records;
    if (read.handle) {
      try {
        records = roomUpdates((await readFrames(await readRange(read.handle, 0, read.fileLength))).records).updates;
      } finally {
        await read.handle.close();
      }
    }
    if (records.length === 0 && read.tail.length === 0) return false;
    const started = performance.now();
    const pieces = await build([...records, ...read.tail]);
    const tmp = `${path}.${issue}.tmp`;
    try {
      await writeSnapshotFile(tmp, pieces);
      const installed = await serial(async () => {
        if ((installedIssue.get(room) ?? 0) > issue) return false;
        // Snapshots issued before this one go first (installs keep issue order).
        await installSnapshots(room, issue);
        // Records the room file gained since the read (a checkpoint or an eviction moved WAL
        // records into it) follow the snapshot: those issued after this call must stay, and
        // those before it are duplicates, which Yjs ignores. The whole file when it was
        // replaced meanwhile.
        const sameFile = (fileGeneration.get(room) ?? 0) === read.generation;
        const gained = await readFrom(path, sameFile ? read.fileLength : 0);
        if (gained.length > 0) {
          const h = await open(tmp, "a", 0o600);
          try {
            await h.write(gained);
            await h.datasync();
          } finally {
            await h.close();
          }
        }
        await rename(tmp, path);
        await fsyncDirAsync(roomsDir);
        installedIssue.set(room, issue);
        fileGeneration.set(room, (fileGeneration.get(room) ?? 0) + 1);
        const tail = walTail.get(room)?.filter((b) => b.issue > issue) ?? [];
        if (tail.length > 0) walTail.set(room, tail);
        else walTail.delete(room);
        repaired.add(room);
        return true;
      });
      if (!installed) await rm(tmp, { force: true });
      else options.onWrite?.((performance.now() - started) / 1000);
      return installed;
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  };

  /**
   * Forgets what the store remembers of `room` across operations (the issue of its installed
   * snapshot, the generation of its file) once no snapshot or rebuild of it is in flight: both
   * only order operations in flight, and every later one has a higher issue and reads the
   * generation anew. Without this, every room ever compacted kept two entries for the life of
   * the process.
   */
  const forgetIfIdle = (room: string): void => {
    if (pendingSnapshots.has(room) || (rebuildsInFlight.get(room) ?? 0) > 0) return;
    installedIssue.delete(room);
    fileGeneration.delete(room);
  };

  return {
    appendUpdates(batch) {
      const issue = ++issued;
      return serial(async () => {
        const started = performance.now();
        const wal: Uint8Array[] = [];
        for (const [room, updates] of batch) {
          const prefix = walPrefix(room);
          for (const u of updates) {
            // Most records are small: framed at once, without a turn of the microtask queue.
            if (u.length < LARGE_RECORD) wal.push(frameJoined([prefix, u]));
            else wal.push(...(await framePartsYielding([prefix, u])));
          }
        }
        if (wal.length === 0) return;
        // The group commit: one write and one fdatasync make the whole batch durable. A batch
        // under 1 MiB is written at once (into the page cache, microseconds) rather than in a
        // second round trip through libuv's threads, which a busy event loop picks up late.
        let bytes = 0;
        for (const b of wal) bytes += b.length;
        if (bytes < SYNC_WAL_WRITE_BYTES) writevSync(walHandle.fd, wal);
        else await walHandle.writev(wal);
        await datasync(walHandle.fd);
        options.onWrite?.((performance.now() - started) / 1000);
        for (const [room, updates] of batch) {
          if (updates.length === 0) continue;
          const kept: Uint8Array[] = [];
          for (const u of updates) kept.push(u.length >= LARGE_RECORD ? await copyYielding(u) : u.slice());
          const list = walTail.get(room) ?? [];
          list.push({ issue, segment, updates: kept });
          walTail.set(room, list);
        }
        walBytes += bytes;
        // One drain at a time: meanwhile the current segment grows past the threshold.
        if (walBytes >= checkpointBytes && draining === undefined) await rotate();
      });
    },
    async loadRoom(room) {
      const { log, tail } = await serial(async () => {
        const log = await loadRecords(roomPath(room), true);
        repaired.add(room);
        return { log, tail: walTail.get(room)?.flatMap((b) => b.updates) ?? [] };
      });
      let bytes = log.bytes;
      for (const u of tail) bytes += u.length;
      // Copies of the records, a large one in slices after the queue has moved on: Yjs keeps
      // views into an update's bytes for binary content, and a view into the file's buffer
      // would keep the whole file alive.
      const updates: Uint8Array[] = [];
      const slicer = new ByteSlicer();
      for (const u of log.updates) updates.push(await copyYielding(u, slicer));
      return { updates: [...updates, ...tail], bytes, snapshot: log.snapshot };
    },
    replaceRoom(room, snapshot) {
      if (closed) return Promise.reject(new StoreError("store is closed"));
      const started = performance.now();
      const issue = ++issued;
      const tmp = `${roomPath(room)}.${issue}.tmp`;
      // Written and fsync'd outside the serial queue: appends go on meanwhile.
      const written = snapshotWrites(() => writeSnapshotFile(tmp, [snapshot]));
      const entry: PendingSnapshot = { issue, tmp, written, settled: false };
      // Registered first, so it runs before the install below.
      const settle = (): void => {
        entry.settled = true;
      };
      written.then(settle, settle);
      const list = pendingSnapshots.get(room) ?? [];
      list.push(entry);
      pendingSnapshots.set(room, list);
      return written.then(
        async () => {
          // Installed here unless a checkpoint, an eviction or close got to it first. After a
          // crash, the WAL records it superseded replay after it as duplicates, which Yjs ignores.
          // With those of other rooms written meanwhile (see installSettled); behind an earlier
          // snapshot of this room still being written, once that one is done.
          if (pendingSnapshots.get(room)?.includes(entry)) {
            await serial(async () => {
              await installSettled();
              if (pendingSnapshots.get(room)?.includes(entry)) await installSnapshots(room, issue);
            });
          }
          options.onWrite?.((performance.now() - started) / 1000);
        },
        async (err: unknown) => {
          await rm(tmp, { force: true }).catch(() => undefined);
          throw err;
        },
      );
    },
    async rebuildRoom(room, build) {
      rebuildsInFlight.set(room, (rebuildsInFlight.get(room) ?? 0) + 1);
      try {
        return await rebuildOnce(room, build);
      } finally {
        const left = (rebuildsInFlight.get(room) ?? 1) - 1;
        if (left > 0) rebuildsInFlight.set(room, left);
        else rebuildsInFlight.delete(room);
      }
    },
    evictRoom(room) {
      if (!closed) evicting.add(room);
      return serial(async () => {
        // The first of a burst of evictions handles every room requested so far, so 500 rooms
        // unloading together cost 64-way parallel fsyncs, not 500 sequential ones.
        const rooms = [...evicting];
        evicting.clear();
        await moveTails(rooms);
        for (const r of rooms) {
          repaired.delete(r);
          forgetIfIdle(r);
        }
      });
    },
    async putSession(session) {
      kv.apply({ t: "session", v: session });
      await logKv([{ t: "session", v: session }]);
    },
    async getSession(id, now) {
      const s = kv.sessions.get(id);
      return s && s.expiresAt > now ? s : undefined;
    },
    async deleteSession(id) {
      kv.apply({ t: "session-del", id });
      await logKv([{ t: "session-del", id }]);
    },
    async deleteUserSessions(orgId, userId) {
      const op: KvOp = { t: "user-sessions-del", orgId, userId };
      const n = kv.apply(op);
      await logKv([op]);
      return n;
    },
    async putTicket(ticket, limit) {
      // Count and apply synchronously, so racing puts cannot overshoot the limit.
      if (limit && kv.liveTickets(ticket.orgId, ticket.userId, limit.now) >= limit.maxLive) return false;
      kv.apply({ t: "ticket", v: ticket });
      await logKv([{ t: "ticket", v: ticket }]);
      return true;
    },
    async takeTicket(id, now): Promise<TicketTake> {
      kv.prune(now, grace, ++takes % 256 === 0);
      // Decide and mark synchronously so two concurrent takes cannot both succeed.
      const { result, op } = kv.decideTake(id, now);
      if (op) kv.apply(op);
      idlePruner.took(now);
      if (op) await logKv([op]);
      return result;
    },
    async putToken(orgId, userId, sealed) {
      const op: KvOp = { t: "token", orgId, userId, sealed };
      kv.apply(op);
      await logKv([op]);
    },
    async getToken(orgId, userId) {
      return kv.tokens.get(tokenKey(orgId, userId));
    },
    async deleteToken(orgId, userId) {
      const op: KvOp = { t: "token-del", orgId, userId };
      kv.apply(op);
      await logKv([op]);
    },
    async listTokenOwners() {
      return tokenOwners(kv.tokens);
    },
    async close() {
      if (closed) return;
      closing = true;
      idlePruner.stop();
      await draining;
      await serial(async () => {
        await checkpoint();
        await walHandle.close();
        await kvHandle.close();
      });
      closed = true;
    },
  };
}

const datasync = promisify(fdatasync);

/** WAL batches smaller than this are written synchronously before their fdatasync. */
const SYNC_WAL_WRITE_BYTES = 1024 * 1024;
const writevAsync = promisify(writev);

/** Records at least this large are checksummed in slices between event-loop turns. */
const LARGE_RECORD = BYTE_SLICE;

/**
 * Opens the record a compaction writes first in a room file: `[0xff 0x01]` "TANDEM-SNAPSHOT",
 * then the number of records after it that are the snapshot (u32 LE), 21 bytes in all. No
 * stored update can look like it: a Yjs update starting with these bytes names 255 clients,
 * which take at least 3 bytes each, and every stored update decoded whole before it was stored.
 */
const SNAPSHOT_MARK = Buffer.from([0xff, 0x01, ...Buffer.from("TANDEM-SNAPSHOT", "ascii")]);
const SNAPSHOT_MARK_BYTES = SNAPSHOT_MARK.length + 4;

/** The mark record of a snapshot of `pieces` records. */
function snapshotMark(pieces: number): Buffer {
  const out = Buffer.alloc(SNAPSHOT_MARK_BYTES);
  SNAPSHOT_MARK.copy(out, 0);
  out.writeUInt32LE(pieces, SNAPSHOT_MARK.length);
  return out;
}

/** The piece count of a mark record; undefined for any other record. */
function readSnapshotMark(record: Uint8Array): number | undefined {
  if (record.length !== SNAPSHOT_MARK_BYTES) return undefined;
  const b = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  if (!b.subarray(0, SNAPSHOT_MARK.length).equals(SNAPSHOT_MARK)) return undefined;
  return b.readUInt32LE(SNAPSHOT_MARK.length);
}

/**
 * A room file's updates and how many of the leading ones are its snapshot. Files written
 * before the mark existed, and files no compaction wrote, have none. A mark after the first
 * record belongs to an older snapshot file a rebuild kept behind its own (duplicates).
 */
function roomUpdates(records: readonly Uint8Array[]): { updates: Uint8Array[]; snapshot: number } {
  const mark = records[0] === undefined ? undefined : readSnapshotMark(records[0]);
  const updates = records.slice(mark === undefined ? 0 : 1).filter((r) => readSnapshotMark(r) === undefined);
  return { updates, snapshot: Math.min(mark ?? 0, updates.length) };
}

/** Writes a snapshot (its mark, then its pieces) as a new file `path` and fsyncs it. */
async function writeSnapshotFile(path: string, pieces: readonly Uint8Array[]): Promise<void> {
  // Uncopied: the pieces of a large book add up to tens of MiB.
  const records = [frameRecord(snapshotMark(pieces.length)), ...(await frameEachYielding(pieces))];
  const h = await open(path, "w", 0o600);
  try {
    await h.writev(records);
    await h.sync();
  } finally {
    await h.close();
  }
}

/** A copy of `data`, made in slices between event-loop turns (see {@link ByteSlicer}). */
async function copyYielding(data: Uint8Array, slicer = new ByteSlicer()): Promise<Uint8Array> {
  const out = new Uint8Array(data.length);
  for (let at = 0; at < data.length; at += BYTE_SLICE) {
    const slice = data.subarray(at, at + BYTE_SLICE);
    const turn = slicer.next(slice.length);
    if (turn) await turn;
    out.set(slice, at);
  }
  return out;
}

/**
 * Frames the record that is `parts`: a small one as one buffer, a large one without copying
 * it, yielding to the event loop while it is checksummed.
 */
function frame(parts: readonly Uint8Array[]): Uint8Array[] | Promise<Uint8Array[]> {
  let bytes = 0;
  for (const p of parts) bytes += p.length;
  return bytes >= LARGE_RECORD ? framePartsYielding(parts) : [frameJoined(parts)];
}

/** What precedes an update in its WAL record: `[u16 room length][room]`. */
function walPrefix(room: string): Buffer {
  const name = Buffer.from(room, "utf8");
  const out = Buffer.allocUnsafe(2 + name.length);
  out.writeUInt16LE(name.length, 0);
  name.copy(out, 2);
  return out;
}

/**
 * The bytes of a room file from `start` on (its records are whole: the file was repaired
 * before anything was appended to it); empty when the file does not exist.
 */
async function readFrom(path: string, start: number): Promise<Uint8Array> {
  const h = await openIfExists(path);
  if (!h) return new Uint8Array(0);
  try {
    return await readRange(h, start, (await h.stat()).size);
  } finally {
    await h.close();
  }
}

/** Opens `path` for reading; undefined when it does not exist. */
async function openIfExists(path: string): Promise<FileHandle | undefined> {
  return open(path, "r").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
}

/** Bytes `start` to `end` of an open file (fewer if it is shorter). */
async function readRange(h: FileHandle, start: number, end: number): Promise<Uint8Array> {
  const out = Buffer.allocUnsafe(Math.max(0, end - start));
  let done = 0;
  while (done < out.length) {
    const { bytesRead } = await h.read(out, done, out.length - done, start + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return out.subarray(0, done);
}

function readWalPayload(rec: Uint8Array): { room: string; update: Uint8Array } {
  const b = Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength);
  const len = b.readUInt16LE(0);
  return { room: b.subarray(2, 2 + len).toString("utf8"), update: new Uint8Array(b.subarray(2 + len)) };
}

/** Updates one `appendUpdates` call wrote to the WAL for one room, with its issue number and WAL segment. */
interface TailBatch {
  readonly issue: number;
  readonly segment: number;
  readonly updates: Uint8Array[];
}

/** Rooms whose WAL-only updates a drain moves in one turn of the serial queue. */
const DRAIN_ROOMS = 16;

/** The path of WAL segment `n`. */
function segmentPath(dir: string, n: number): string {
  return join(dir, `wal.${n}.log`);
}

/** The numbers of the WAL segments in `dir`, ascending. */
function walSegments(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^wal\.(\d+)\.log$/.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** A `replaceRoom` snapshot: its temporary file, being written or waiting for its rename. */
interface PendingSnapshot {
  readonly issue: number;
  readonly tmp: string;
  readonly written: Promise<void>;
  /** Whether `written` has settled (either way). */
  settled: boolean;
}

/** {@link fsyncDir} without blocking the event loop. */
async function fsyncDirAsync(path: string): Promise<void> {
  try {
    const h = await open(path, "r");
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // As in fsyncDir: the rename is still atomic where directory fsync is unsupported.
  }
}

function fsyncDir(path: string): void {
  // Directory fsync makes a rename durable; not supported on every platform.
  try {
    const fd = openSync(path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // EISDIR/EPERM on platforms without directory fsync: the rename is still atomic.
  }
}
