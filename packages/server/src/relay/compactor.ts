/**
 * Compaction of room logs: when a room is due, and how its snapshot is made (re-encoding the
 * live document on the event loop, or rebuilding it from the stored log in a worker).
 *
 * Compaction (re-encoding the live document as one snapshot, `RoomStore.replaceRoom`) stalls the
 * event loop for the encode, which grows with the document, so it waits until it pays and for a
 * quiet moment. A room is due once its log holds `compactAfterRecords` records and has grown by
 * a quarter of its last snapshot's size (a large book is not re-encoded for a few small edits);
 * a due room is compacted after `compactQuietMs` without a commit, or when it unloads. A room is
 * compacted anyway once its log has grown by the size of its last snapshot (and by at least
 * 1 MiB) or holds 16 times `compactAfterRecords` records: that bounds the log. Each compaction
 * but the count-forced ones follows at least a quarter of its own size in new bytes, so
 * re-encoding costs O(1) per byte stored. Record counts include the pieces of a snapshot; a
 * loaded room learns its last snapshot's size from the store (`RoomLog.snapshot`).
 *
 * Compactions on the event loop run from a queue, for about `compactSliceMs` per turn
 * of the event loop: many rooms that fall due together (their quiet timers fire together, or
 * their last devices left together) do not stall every room for all their encodes at once. A
 * due room that unloads is compacted from the queue first. A room queued because it went quiet
 * that is busy again by its turn waits for its next quiet moment.
 *
 * Large rooms are compacted off the event loop (`offThreadBytes`), into a snapshot in pieces
 * of `snapshotPieceBytes`, one at a time.
 *
 * The compactor works on the counters a {@link Room} keeps and tells its owner (the registry)
 * through callbacks: a room that must unload once compacted, a room whose encode failed. It
 * never compacts a failed room.
 */
import * as Y from "yjs";
import type { Logger } from "../obs/logger.js";
import type { Metrics } from "../obs/metrics.js";
import type { RoomStore } from "../store/store.js";
import { type Rebuild, rebuildInWorker } from "./rebuild.js";
import type { Room } from "./room.js";

/** Log growth after which a room that never goes quiet is compacted anyway (at the least). */
const FORCE_COMPACT_BYTES = 1024 * 1024;

/** When and how rooms compact: options of the registry (`RoomRegistryOptions`) and the compactor. */
export interface CompactionOptions {
  /** A room's log is due for compaction once it holds this many records. Default 256. */
  readonly compactAfterRecords?: number | undefined;
  /** How long a room due for compaction must go without a commit before it is compacted (ms). Default 1 000. */
  readonly compactQuietMs?: number | undefined;
  /**
   * Rooms whose log holds at least this many bytes are compacted off the event loop, through
   * `rebuild` and `RoomStore.rebuildRoom`. Default 8 MiB: the encode of a live document that size
   * stalls the event loop for about 130 ms; below it, the encode costs less than a rebuild,
   * which applies up to 4,096 log records in a worker before it encodes.
   */
  readonly offThreadBytes?: number | undefined;
  /**
   * How long compactions on the event loop run before they let it turn (ms); at least one runs
   * per turn. Default 5: rooms that fall due together then hold up the others that long at a time.
   */
  readonly compactSliceMs?: number | undefined;
  /** How off-thread compactions build their snapshot. Default: in a worker thread. */
  readonly rebuild?: Rebuild | undefined;
  /**
   * Size of the pieces an off-thread compaction cuts its snapshot into. Default 1 MiB: applying
   * a piece of a book takes about 50 ms, the longest the room's load then holds the event loop.
   */
  readonly snapshotPieceBytes?: number | undefined;
}

/** Options of {@link Compactor}: the compaction options and the registry's callbacks. */
export interface CompactorOptions extends CompactionOptions {
  readonly store: RoomStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Whether `room` is the loaded room of its name (an unloaded one's counters are not updated). */
  isLoaded(room: Room): boolean;
  /** A queued compaction of a room marked `unloadWhenCompacted` is done: the room may unload. */
  unloadAfterCompaction(room: Room): void;
  /** Encoding the room's document threw: the room must go (see `RoomRegistry`). */
  fail(room: Room, stage: string, err: unknown): void;
}

/** Decides when rooms compact and compacts them. See the file header. */
export class Compactor {
  /** Rooms whose log holds at least this many bytes are compacted off the event loop. */
  readonly offThreadBytes: number;
  private readonly compactAfter: number;
  private readonly compactQuietMs: number;
  private readonly compactSliceMs: number;
  private readonly snapshotPieceBytes: number;
  /** Rooms waiting for an off-thread compaction, and the one running (`settled` waits for it). */
  private readonly rebuildQueue: { name: string; room: WeakRef<Room> }[] = [];
  private rebuilding: Promise<void> | undefined;
  /** Rooms due for a compaction on the event loop, drained in slices (`drain`). */
  private readonly queue = new Set<Room>();
  private scheduled = false;
  private stopped = false;

  constructor(private readonly o: CompactorOptions) {
    this.compactAfter = o.compactAfterRecords ?? 256;
    this.compactQuietMs = o.compactQuietMs ?? 1_000;
    // A shared store's rooms compact from the stored log only (see `RoomStore.shared`).
    this.offThreadBytes = o.store.shared ? 0 : (o.offThreadBytes ?? 8 * 1024 * 1024);
    this.compactSliceMs = o.compactSliceMs ?? 5;
    this.snapshotPieceBytes = o.snapshotPieceBytes ?? 1024 * 1024;
  }

  /** Whether `room` is due for compaction at its next quiet moment (see the file header). */
  isDue(room: Room): boolean {
    return room.logRecords >= this.compactAfter && room.logBytes - room.snapshotBytes >= room.snapshotBytes / 4;
  }

  /** Whether `room` is compacted by encoding its live document, not off the event loop. */
  onEventLoop(room: Room): boolean {
    return room.logBytes < this.offThreadBytes && !room.rebuilding;
  }

  /** Whether `room` waits in the event-loop queue. */
  isQueued(room: Room): boolean {
    return this.queue.has(room);
  }

  /** Compacts `room` now, or arms its quiet-time compaction (see the file header). */
  consider(room: Room): void {
    if (room.failed || room.logRecords < this.compactAfter) return;
    const grown = room.logBytes - room.snapshotBytes;
    if (grown >= Math.max(room.snapshotBytes, FORCE_COMPACT_BYTES) || room.logRecords >= 16 * this.compactAfter) {
      this.compact(room);
    } else if (room.compactTimer === undefined && this.isDue(room)) this.arm(room, this.compactQuietMs);
  }

  /** Takes `room` out of the queue and disarms its timer; returns whether it was queued. */
  cancel(room: Room): boolean {
    if (room.compactTimer) {
      clearTimeout(room.compactTimer);
      room.compactTimer = undefined;
    }
    return this.queue.delete(room);
  }

  /**
   * Queues `room`'s compaction: on the event loop in a later slice, or off the event loop.
   * `whenQuiet`: a quiet-time compaction, which waits for the next quiet moment instead if the
   * room is busy again by its turn (a forced one or one at unload does not).
   */
  compact(room: Room, whenQuiet = false): void {
    if (room.compactTimer) {
      clearTimeout(room.compactTimer);
      room.compactTimer = undefined;
    }
    if (room.rebuilding || room.failed) return;
    if (room.logBytes >= this.offThreadBytes) {
      this.compactOffThread(room);
      return;
    }
    room.compactWhenQuiet = whenQuiet && (room.compactWhenQuiet || !this.queue.has(room));
    this.queue.add(room);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Compacts `room` now by encoding its live document (`RoomStore.replaceRoom`). */
  compactNow(room: Room): void {
    if (room.failed) return;
    let snapshot: Uint8Array;
    try {
      snapshot = Y.encodeStateAsUpdate(room.doc);
    } catch (err) {
      // The stored log stays as it is; the room goes.
      this.o.fail(room, "compact", err);
      return;
    }
    room.logRecords = 1;
    room.logBytes = snapshot.length;
    room.snapshotBytes = snapshot.length;
    // The store orders this after every append already issued and before any later one.
    const o = this.o;
    o.store.replaceRoom(room.name, snapshot).then(
      () => o.metrics.compacted("event_loop"),
      (err: unknown) => {
        o.metrics.compacted("failed");
        o.logger.log("error", "store.compact_failed", { room: room.name, error: String(err) });
      },
    );
  }

  /** Starts no further off-thread compaction (queued rooms compact after their next load). */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once the running off-thread compaction, if any, is done. */
  async settled(): Promise<void> {
    await this.rebuilding;
  }

  private arm(room: Room, ms: number): void {
    const lastCommit = room.lastCommitAt;
    room.compactTimer = setTimeout(() => {
      room.compactTimer = undefined;
      // compact() and cancel() clear this timer, so the room is still loaded and due. Only a
      // commit since the timer was armed makes it wait longer: a timer counts from the event
      // loop's cached time, so it may fire a little before `ms` by performance.now().
      const quietFor = performance.now() - room.lastCommitAt;
      if (room.lastCommitAt !== lastCommit && quietFor < this.compactQuietMs)
        this.arm(room, this.compactQuietMs - quietFor);
      else this.compact(room, true);
    }, ms);
    room.compactTimer.unref?.();
  }

  /** Whether `room` has gone `compactQuietMs` without a commit and holds nothing to commit. */
  private isQuiet(room: Room): boolean {
    if (room.hasUncommitted()) return false;
    return performance.now() - room.lastCommitAt >= this.compactQuietMs;
  }

  /** Compacts queued rooms for about `compactSliceMs` (at least one), then lets the event loop turn. */
  private drain(): void {
    this.scheduled = false;
    const started = performance.now();
    for (const room of this.queue) {
      this.queue.delete(room);
      if (room.compactWhenQuiet && !this.isQuiet(room)) {
        // Commits resumed while it waited for its turn (rooms that went quiet together often
        // wake together): its encode would stall them, so it waits for its next quiet moment.
        room.compactWhenQuiet = false;
        this.consider(room);
        continue;
      }
      // The registry cancels a room's compaction as it unloads, so a queued room is loaded.
      if (this.onEventLoop(room)) this.compactNow(room);
      else this.compact(room);
      if (room.unloadWhenCompacted) {
        room.unloadWhenCompacted = false;
        // Held again meanwhile, it stays loaded: its next release schedules the unload anew.
        this.o.unloadAfterCompaction(room);
      }
      if (this.queue.size > 0 && performance.now() - started >= this.compactSliceMs) {
        this.scheduled = true;
        setImmediate(() => this.drain());
        return;
      }
    }
  }

  /**
   * Queues `room` for compaction from its stored log in a worker. One runs at a time: each holds
   * a second copy of a large document, so rooms that fall due together (at shutdown, or many
   * books after a deploy) must not multiply that memory.
   */
  private compactOffThread(room: Room): void {
    room.rebuilding = true;
    // Held weakly: a room that unloads meanwhile (its document destroyed, not yet collected)
    // must not stay in memory for its compaction, which works from the store by name.
    this.rebuildQueue.push({ name: room.name, room: new WeakRef(room) });
    this.startRebuild();
  }

  private startRebuild(): void {
    // Once stopped, queued rooms are left as they are: they compact after their next load.
    if (this.rebuilding !== undefined || this.stopped) return;
    const next = this.rebuildQueue.shift();
    if (next === undefined) return;
    this.rebuilding = this.rebuildNow(next.name, next.room).finally(() => {
      this.rebuilding = undefined;
      this.startRebuild();
    });
  }

  /**
   * Compacts room `name` from its stored log in a worker: the store hands the log as of now to
   * the worker and puts the snapshot in its place, keeping the records committed meanwhile.
   * The room's counters are updated if it is still loaded.
   */
  private rebuildNow(name: string, ref: WeakRef<Room>): Promise<void> {
    const o = this.o;
    const rebuild = o.rebuild ?? rebuildInWorker;
    const before = ref.deref();
    const records = before?.logRecords ?? 0;
    const bytes = before?.logBytes ?? 0;
    let size = 0;
    const started = performance.now();
    let pieces = 0;
    return o.store
      .rebuildRoom(name, async (updates) => {
        const snapshot = await rebuild(updates, this.snapshotPieceBytes);
        pieces = snapshot.length;
        for (const p of snapshot) size += p.length;
        return snapshot;
      })
      .then(
        (installed) => {
          const room = ref.deref();
          if (room) room.rebuilding = false;
          o.metrics.compacted(installed ? "worker" : "skipped");
          if (!installed) return;
          o.logger.log("info", "room.compacted", {
            room: name,
            bytes: size,
            pieces,
            ms: Math.round(performance.now() - started),
          });
          if (room === undefined || !o.isLoaded(room)) return;
          // What was committed since the log was read stays in the log after the snapshot.
          room.logRecords = pieces + room.logRecords - records;
          room.logBytes = size + room.logBytes - bytes;
          room.snapshotBytes = size;
        },
        (err: unknown) => {
          const room = ref.deref();
          if (room) room.rebuilding = false;
          o.metrics.compacted("failed");
          o.logger.log("error", "store.compact_failed", { room: name, error: String(err) });
        },
      );
  }
}
