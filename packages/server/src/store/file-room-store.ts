/**
 * The room-log half of the file store ({@link RoomStore}): the room files of `room-files.ts`
 * behind the write-ahead log of `wal.ts`.
 *
 * Invariants:
 * - Every write goes through one serial queue, so room operations apply in call order and a
 *   compaction never races an append.
 * - `appendUpdates` writes the whole batch to the WAL with one fdatasync before it resolves
 *   (group commit: the relay calls it once per event-loop tick, for every dirty room at once).
 *   The batch is also kept in memory (the WAL tail, with its segment) until a checkpoint appends
 *   it to the room files and fsyncs them; `loadRoom` returns room file + WAL tail. A checkpoint
 *   starts when the current segment holds `checkpointBytes`: appends go to a new segment at
 *   once, and the old one is drained in the background, 16 rooms per turn of the serial queue
 *   (appends go on in between), then deleted; one drain at a time. `close` moves everything.
 *   `evictRoom` moves one unloaded room's updates at once (the segments keep their records until
 *   drained), so the memory held per room lasts as long as the room is loaded, not until the
 *   WAL fills.
 * - `replaceRoom` writes the snapshot to its own temporary file and fsyncs it outside the serial
 *   queue, so a compaction never holds up the group commit; then, in the queue, renames it over
 *   the log and fsyncs the directory: a crash leaves either the old log or the new one, whole
 *   (leftover temporary files are deleted on open). The snapshot supersedes the WAL-only
 *   updates of appends issued before the `replaceRoom` call, not those issued after it: every
 *   call takes an issue number, and the WAL tail remembers it per append. A checkpoint or
 *   eviction that reaches a room first installs the room's pending snapshots.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ByteSlicer, readFrames } from "./record-frame.js";
import {
  appendBytes,
  appendRecords,
  ConcurrencyLimit,
  copyYielding,
  fsyncDirAsync,
  LARGE_RECORD,
  loadRecords,
  openIfExists,
  readFrom,
  readRange,
  roomFilePath,
  roomUpdates,
  writeSnapshotFile,
} from "./room-files.js";
import { type PendingSnapshot, RoomSnapshots } from "./room-snapshots.js";
import type { RoomLog, RoomStore } from "./store.js";
import { StoreError } from "./store.js";
import { Wal } from "./wal.js";

/** Options of {@link openFileRoomStore}. */
export interface FileRoomStoreOptions {
  /** The data directory; created if missing. */
  readonly dir: string;
  /** WAL size that triggers a checkpoint (WAL-only updates moved to room files, WAL emptied). Default 16 MiB. */
  readonly checkpointBytes?: number | undefined;
  /** Called with the duration of every fsync'd write, for metrics. */
  readonly onWrite?: ((seconds: number) => void) | undefined;
}

/**
 * Opens (or creates) the room logs of a data directory, replaying its WAL first.
 * @example
 * const rooms = await openFileRoomStore({ dir: "/var/lib/tandem/data" });
 */
export async function openFileRoomStore(options: FileRoomStoreOptions): Promise<RoomStore> {
  const roomsDir = join(options.dir, "rooms");
  mkdirSync(roomsDir, { recursive: true, mode: 0o700 });
  // Snapshot files a crash left before their rename: the logs they were for are intact.
  for (const name of readdirSync(roomsDir)) if (name.endsWith(".tmp")) rmSync(join(roomsDir, name), { force: true });
  const store = new FileRoomStore(roomsDir, options);
  await store.recover(options.dir);
  return store;
}

/** Updates one `appendUpdates` call wrote to the WAL for one room, with its issue number and WAL segment. */
interface TailBatch {
  readonly issue: number;
  readonly segment: number;
  readonly updates: Uint8Array[];
}

/** What a rebuild read of a room's log, at its place in the order. */
interface RebuildRead {
  readonly records: readonly Uint8Array[];
  readonly fileLength: number;
  readonly tail: Uint8Array[];
  readonly generation: number;
}

/** Rooms whose WAL-only updates a drain moves in one turn of the serial queue. */
const DRAIN_ROOMS = 16;
/** Room files a checkpoint or an eviction appends to side by side. */
const PARALLEL_FILES = 64;
/** Snapshot files written side by side (their fsyncs share libuv's threads with the WAL's). */
const PARALLEL_SNAPSHOT_WRITES = 2;

class FileRoomStore implements RoomStore {
  private wal!: Wal;
  private readonly checkpointBytes: number;
  /** The drain of older segments under way, if any (one at a time). */
  private draining: Promise<void> | undefined;
  private closing = false;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** Issue number of the latest `appendUpdates`, `replaceRoom` or `rebuildRoom` call. */
  private issued = 0;
  /** Committed updates that so far are durable only in the WAL (room files lag), per room, by append. */
  private readonly walTail = new Map<string, TailBatch[]>();
  private readonly snapshots = new RoomSnapshots();
  /** Rooms whose file was checked for a torn tail since open (forgotten again on eviction). */
  private readonly repaired = new Set<string>();
  /** Rooms `evictRoom` was called for that no eviction has handled yet. */
  private readonly evicting = new Set<string>();
  /**
   * Runs snapshot file writes two at a time. Their fsyncs share libuv's four threads with the
   * WAL's fdatasync: 500 rooms compacted together queued every group commit behind hundreds
   * of fsyncs.
   */
  private readonly snapshotWrites = new ConcurrencyLimit(PARALLEL_SNAPSHOT_WRITES);

  constructor(
    private readonly roomsDir: string,
    private readonly options: FileRoomStoreOptions,
  ) {
    this.checkpointBytes = options.checkpointBytes ?? 16 * 1024 * 1024;
  }

  /** Replays the WAL left in `dir` into the room files and starts an empty segment. */
  async recover(dir: string): Promise<void> {
    this.wal = await Wal.open(dir, (room, updates) => this.appendToRoomFile(room, updates));
  }

  appendUpdates(batch: ReadonlyMap<string, readonly Uint8Array[]>): Promise<void> {
    const issue = ++this.issued;
    return this.serial(async () => {
      const started = performance.now();
      if ((await this.wal.append(batch)) === 0) return;
      this.options.onWrite?.((performance.now() - started) / 1000);
      const segment = this.wal.segment;
      for (const [room, updates] of batch) {
        if (updates.length === 0) continue;
        const kept: Uint8Array[] = [];
        for (const u of updates) kept.push(u.length >= LARGE_RECORD ? await copyYielding(u) : u.slice());
        const list = this.walTail.get(room) ?? [];
        list.push({ issue, segment, updates: kept });
        this.walTail.set(room, list);
      }
      // One drain at a time: meanwhile the current segment grows past the threshold.
      if (this.wal.bytes >= this.checkpointBytes && this.draining === undefined) await this.rotate();
    });
  }

  async loadRoom(room: string): Promise<RoomLog> {
    const { log, tail } = await this.serial(async () => {
      const log = await loadRecords(this.roomPath(room), true);
      this.repaired.add(room);
      return { log, tail: this.walTail.get(room)?.flatMap((b) => b.updates) ?? [] };
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
  }

  replaceRoom(room: string, snapshot: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError("store is closed"));
    const started = performance.now();
    const issue = ++this.issued;
    const tmp = `${this.roomPath(room)}.${issue}.tmp`;
    // Written and fsync'd outside the serial queue: appends go on meanwhile.
    const written = this.snapshotWrites.run(() => writeSnapshotFile(tmp, [snapshot]));
    const entry: PendingSnapshot = { issue, tmp, written, settled: false };
    // Registered first, so it runs before the install below.
    const settle = (): void => {
      entry.settled = true;
    };
    written.then(settle, settle);
    this.snapshots.add(room, entry);
    return written.then(
      async () => {
        // Installed here unless a checkpoint, an eviction or close got to it first. After a
        // crash, the WAL records it superseded replay after it as duplicates, which Yjs ignores.
        // With those of other rooms written meanwhile (see installSettled); behind an earlier
        // snapshot of this room still being written, once that one is done.
        if (this.snapshots.isPending(room, entry)) {
          await this.serial(async () => {
            await this.installSettled();
            if (this.snapshots.isPending(room, entry)) await this.installSnapshots(room, issue);
          });
        }
        this.options.onWrite?.((performance.now() - started) / 1000);
      },
      async (err: unknown) => {
        await rm(tmp, { force: true }).catch(() => undefined);
        throw err;
      },
    );
  }

  async rebuildRoom(room: string, build: (updates: Uint8Array[]) => Promise<readonly Uint8Array[]>): Promise<boolean> {
    this.snapshots.rebuildStarted(room);
    try {
      return await this.rebuildOnce(room, build);
    } finally {
      this.snapshots.rebuildEnded(room);
    }
  }

  evictRoom(room: string): Promise<void> {
    if (!this.closed) this.evicting.add(room);
    return this.serial(async () => {
      // The first of a burst of evictions handles every room requested so far, so 500 rooms
      // unloading together cost 64-way parallel fsyncs, not 500 sequential ones.
      const rooms = [...this.evicting];
      this.evicting.clear();
      await this.moveTails(rooms);
      for (const r of rooms) {
        this.repaired.delete(r);
        this.snapshots.forgetIfIdle(r);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    await this.draining;
    await this.serial(async () => {
      // Every WAL-only update into its room file durably, then an empty WAL.
      await this.moveTails(this.roomsWithWork());
      await this.removeSegments(this.wal.segment - 1);
      await this.wal.empty();
      await this.wal.close();
    });
    this.closed = true;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError("store is closed"));
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private roomPath(room: string): string {
    return roomFilePath(this.roomsDir, room);
  }

  /** Rooms with WAL-only updates or snapshots not yet installed. */
  private roomsWithWork(): string[] {
    return [...new Set([...this.walTail.keys(), ...this.snapshots.rooms()])];
  }

  /** Keeps the WAL-only updates of `room` that `keep` accepts. */
  private keepTail(room: string, keep: (b: TailBatch) => boolean): void {
    const tail = this.walTail.get(room)?.filter(keep) ?? [];
    if (tail.length > 0) this.walTail.set(room, tail);
    else this.walTail.delete(room);
  }

  /** Drops the WAL-only updates a snapshot of issue `since`, renamed and fsync'd, supersedes. */
  private installed(room: string, since: number): void {
    this.keepTail(room, (b) => b.issue > since);
    this.repaired.add(room);
  }

  /**
   * Renames the written snapshots of `room` (issue ≤ `upTo`, all by default) over its log, in
   * issue order, and drops the WAL-only updates they supersede. Runs in the serial queue.
   */
  private async installSnapshots(room: string, upTo = Number.POSITIVE_INFINITY): Promise<void> {
    const since = await this.snapshots.rename(room, this.roomPath(room), upTo, false);
    if (since === undefined) return;
    await fsyncDirAsync(this.roomsDir);
    this.installed(room, since);
  }

  /**
   * Installs every snapshot, of any room, whose file is written, with one directory fsync for
   * all their renames: 500 rooms compacted together cost one fsync, not 500 in a row, each
   * holding up the group commit. The rooms' renames run side by side (a room's own in issue
   * order): one after another, each waited for a turn of the event loop while the group commit
   * waited behind them all. Runs in the serial queue.
   */
  private async installSettled(): Promise<void> {
    const renamed: [string, number][] = [];
    await Promise.all(
      [...this.snapshots.rooms()].map(async (room) => {
        const since = await this.snapshots.rename(room, this.roomPath(room), Number.POSITIVE_INFINITY, true);
        if (since !== undefined) renamed.push([room, since]);
      }),
    );
    if (renamed.length === 0) return;
    await fsyncDirAsync(this.roomsDir);
    for (const [room, since] of renamed) this.installed(room, since);
  }

  /** Appends records to a room file and fsyncs it (checkpoints and WAL replay only). */
  private async appendToRoomFile(room: string, updates: readonly Uint8Array[]): Promise<void> {
    const path = this.roomPath(room);
    if (!this.repaired.has(room)) {
      // Drop a torn tail before appending after it.
      await loadRecords(path, true);
      this.repaired.add(room);
    }
    await appendRecords(path, updates);
  }

  /**
   * Moves the WAL-only updates of `rooms` that are in segments up to `upTo` (all by default)
   * into their room files durably, 64 files at a time. Runs in the serial queue.
   */
  private async moveTails(rooms: readonly string[], upTo = Number.POSITIVE_INFINITY): Promise<void> {
    for (let i = 0; i < rooms.length; i += PARALLEL_FILES) {
      await Promise.all(
        rooms.slice(i, i + PARALLEL_FILES).map(async (room) => {
          await this.installSnapshots(room);
          const moving = this.walTail.get(room)?.filter((b) => b.segment <= upTo) ?? [];
          if (moving.length === 0) return;
          await this.appendToRoomFile(
            room,
            moving.flatMap((b) => b.updates),
          );
          this.keepTail(room, (b) => b.segment > upTo);
        }),
      );
    }
  }

  /** Deletes the WAL segments up to `upTo` once none of their updates is WAL-only any more. */
  private async removeSegments(upTo: number): Promise<void> {
    for (const list of this.walTail.values()) if (list.some((b) => b.segment <= upTo)) return;
    await this.wal.removeUpTo(upTo);
  }

  /**
   * Starts a new WAL segment once the current one holds `checkpointBytes`, and drains the old
   * one in the background. Runs in the serial queue, at the end of an append.
   */
  private async rotate(): Promise<void> {
    const old = await this.wal.rotate();
    this.draining = this.drain(old).finally(() => {
      this.draining = undefined;
    });
  }

  /**
   * Moves the updates of segments up to `old` into their room files, a few rooms per turn of
   * the serial queue so that appends go on in between, then deletes those segments. Moving
   * them all in one turn held up every append for as long as 500 rooms' fsyncs take (261 ms
   * measured in the relay bench). A drain that fails leaves its segment: its updates stay in
   * memory and are replayed on the next open.
   */
  private async drain(old: number): Promise<void> {
    const rooms = this.roomsWithWork();
    try {
      for (let i = 0; i < rooms.length && !this.closing; i += DRAIN_ROOMS) {
        await this.serial(() => this.moveTails(rooms.slice(i, i + DRAIN_ROOMS), old));
      }
      if (!this.closing) await this.serial(() => this.removeSegments(old));
    } catch {
      // Everything stays as it was: WAL-only updates in memory and in their segment.
    }
  }

  /** `rebuildRoom`, counted in the snapshot bookkeeping by its caller. */
  private async rebuildOnce(
    room: string,
    build: (updates: Uint8Array[]) => Promise<readonly Uint8Array[]>,
  ): Promise<boolean> {
    if (this.closed) throw new StoreError("store is closed");
    const issue = ++this.issued;
    const read = await this.readForRebuild(room);
    if (read.records.length === 0 && read.tail.length === 0) return false;
    const started = performance.now();
    const pieces = await build([...read.records, ...read.tail]);
    const tmp = `${this.roomPath(room)}.${issue}.tmp`;
    try {
      await writeSnapshotFile(tmp, pieces);
      const installed = await this.serial(() => this.installRebuilt(room, issue, tmp, read));
      if (!installed) await rm(tmp, { force: true });
      else this.options.onWrite?.((performance.now() - started) / 1000);
      return installed;
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The log at a rebuild's place in the order: the room file's records up to its length then,
   * and the WAL tail (copied for `build`). A large file is read after the queue has moved on:
   * appends only add after that length, and a rename leaves the open handle on the file that
   * was read.
   */
  private async readForRebuild(room: string): Promise<RebuildRead> {
    const path = this.roomPath(room);
    const read = await this.serial(async () => {
      const tail = this.walTail.get(room)?.flatMap((b) => b.updates.map((u) => new Uint8Array(u))) ?? [];
      const generation = this.snapshots.generation(room);
      if (!this.repaired.has(room)) {
        const log = await loadRecords(path, true);
        this.repaired.add(room);
        return { records: log.updates, handle: undefined, fileLength: log.fileLength, tail, generation };
      }
      const handle = await openIfExists(path);
      const fileLength = handle ? (await handle.stat()).size : 0;
      return { records: [], handle, fileLength, tail, generation };
    });
    if (!read.handle) return read;
    try {
      const records = roomUpdates((await readFrames(await readRange(read.handle, 0, read.fileLength))).records).updates;
      return { ...read, records };
    } finally {
      await read.handle.close();
    }
  }

  /**
   * Renames a rebuild's written snapshot `tmp` over the room's log, unless a later snapshot is
   * installed already; resolves to whether it did. Runs in the serial queue.
   */
  private async installRebuilt(room: string, issue: number, tmp: string, read: RebuildRead): Promise<boolean> {
    if (this.snapshots.installedIssue(room) > issue) return false;
    // Snapshots issued before this one go first (installs keep issue order).
    await this.installSnapshots(room, issue);
    // Records the room file gained since the read (a checkpoint or an eviction moved WAL
    // records into it) follow the snapshot: those issued after this call must stay, and
    // those before it are duplicates, which Yjs ignores. The whole file when it was
    // replaced meanwhile.
    const path = this.roomPath(room);
    const sameFile = this.snapshots.generation(room) === read.generation;
    const gained = await readFrom(path, sameFile ? read.fileLength : 0);
    if (gained.length > 0) await appendBytes(tmp, gained);
    await rename(tmp, path);
    await fsyncDirAsync(this.roomsDir);
    this.snapshots.renamed(room, issue);
    this.keepTail(room, (b) => b.issue > issue);
    this.repaired.add(room);
    return true;
  }
}
