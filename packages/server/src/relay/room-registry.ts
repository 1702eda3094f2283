/**
 * The room registry: loads rooms from the store, keeps one Y.Doc per room, runs the group
 * commit, broadcasts, compacts and unloads idle rooms.
 *
 * Group commit: a client update is applied to the room's document at once (so Yjs' own
 * refusal closes only the sender) and queued with server-side writes; once per event-loop
 * tick (setImmediate, after one more poll pass) every dirty room's queue is appended to the
 * store, all rooms in ONE durable write, and only then is it broadcast, merged into one update.
 * A room's queue of up to `MERGE_WHILE_WRITING_MAX` updates is stored as it came and merged for
 * its peers (if it has any) while the disk works: the merge is off the path from an edit to
 * the other devices. A longer queue is merged before the write, so that the log stays compact.
 * Sync step-1 answers (which read the document) wait while the room holds anything not yet
 * durable. So an update is durable before the server forwards it or answers with it, and a
 * 500-client room costs one merge, one write and one encode per tick, not per message.
 * Commits are pipelined: when a write completes, what arrived meanwhile starts its write
 * before the completed batch is broadcast, so the disk and the sockets work at the same time;
 * the store completes writes in order, so batches still go out in order.
 *
 * Compaction (re-encoding the live document as one snapshot, `Store.replaceRoom`) stalls the
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
 * of `snapshotPieceBytes`; a room loads in slices of about 10 ms between event-loop turns, so
 * a large book loads a piece at a time while every other room goes on.
 *
 * Lifecycle: `acquire` counts a holder; when the count drops to zero the room unloads after
 * `idleGraceMs`: its document is destroyed, the registry forgets it and the store is told to
 * drop what it keeps in memory for it (`evictRoom`). Injected, never global.
 */
import { shareRecordStringsInSteps } from "@tandem/engine";
import * as Y from "yjs";
import type { Logger } from "../obs/logger.js";
import type { Metrics } from "../obs/metrics.js";
import type { Store } from "../store/store.js";
import { CloseCode } from "./close-codes.js";
import {
  type AwarenessEntry,
  answerSyncStep1,
  encodeAwarenessMessage,
  SyncType,
  updateMessageHeader,
} from "./protocol.js";
import { type Rebuild, rebuildInWorker } from "./rebuild.js";
import { Room, type RoomPeer } from "./room.js";
import { encodeBinaryFrame } from "./ws-frame.js";

/** A room that failed (an encode, merge or compaction threw) and is unloading; retry later. */
export class RoomFailedError extends Error {
  override readonly name = "RoomFailedError";
  constructor(readonly room: string) {
    super("room failed and is unloading");
  }
}

/** A room that failed to load, or failed again after a reload: it is not loaded again. */
export class RoomQuarantinedError extends Error {
  override readonly name = "RoomQuarantinedError";
  constructor(readonly room: string) {
    super("room is quarantined");
  }
}

/** Failures of one room, counting its loads, after which it is quarantined. */
const QUARANTINE_AFTER_FAILURES = 2;

/** A log-safe label of an error: its name, never its message (which may quote content). */
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/**
 * Drops what a document holds pending (structs or deletions whose predecessors it lacks);
 * returns whether there was any. The relay's write check keeps device updates from leaving
 * any; a stored log written before it existed may.
 */
export function dropPending(doc: Y.Doc): boolean {
  const store = doc.store;
  if (store.pendingStructs === null && store.pendingDs === null) return false;
  store.pendingStructs = null;
  store.pendingDs = null;
  return true;
}

/** Whether a state vector names no client: its sender has nothing. */
function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return Y.decodeStateVector(stateVector).size === 0;
}

/** Log growth after which a room that never goes quiet is compacted anyway (at the least). */
const FORCE_COMPACT_BYTES = 1024 * 1024;

/** How long loading a room applies stored updates before it lets the event loop turn (ms). */
const LOAD_SLICE_MS = 10;

/** Transaction origin of updates the relay applies from clients. */
export const REMOTE_ORIGIN: unique symbol = Symbol("tandem-relay-remote");

/** Options of {@link RoomRegistry}. */
export interface RoomRegistryOptions {
  readonly store: Store;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** How long a room with no holders stays loaded (ms). Default 30 000. */
  readonly idleGraceMs?: number | undefined;
  /** A room's log is due for compaction once it holds this many records. Default 256. */
  readonly compactAfterRecords?: number | undefined;
  /** How long a room due for compaction must go without a commit before it is compacted (ms). Default 1 000. */
  readonly compactQuietMs?: number | undefined;
  /**
   * Rooms whose log holds at least this many bytes are compacted off the event loop, through
   * `rebuild` and `Store.rebuildRoom`. Default 8 MiB: the encode of a live document that size
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
  /** Most awareness client ids one connection may own. Default 8. */
  readonly maxAwarenessPerPeer?: number | undefined;
  /** Removed awareness ids remembered per room. Default 1024. */
  readonly maxAwarenessTombstones?: number | undefined;
}

/**
 * A hold on a loaded room for server-side code (e.g. a sync worker).
 * @remarks Write to a room's document only while holding a lease: the lease's listener is
 * what captures, persists and broadcasts server-side writes.
 */
export interface RoomLease {
  readonly room: string;
  /** The live document. Write with `doc.transact(fn, origin)`; writes are persisted and broadcast. */
  readonly doc: Y.Doc;
  /** Releases the hold; the room may unload after the grace period. Idempotent. */
  release(): void;
}

/** Room lifecycle listeners. */
export interface RoomListeners {
  onLoaded?: ((room: string, doc: Y.Doc) => void) | undefined;
  onUnloaded?: ((room: string) => void) | undefined;
}

/**
 * A room's batch of at most this many updates is stored unmerged and merged for its peers while
 * the store writes (see the file header).
 */
const MERGE_WHILE_WRITING_MAX = 16;

/** One room's part of a group commit. */
interface CommitWork {
  readonly room: Room;
  /** The room's queued updates, in order. */
  readonly updates: Uint8Array[];
  /** Their merge, once made (before the write for one update or many, during it for a few). */
  merged: Uint8Array | undefined;
  readonly origin: RoomPeer | null | undefined;
  /** The bytes the commit appends to the room's log. */
  readonly storedBytes: number;
}

function mergeAll(updates: Uint8Array[]): Uint8Array {
  return updates.length === 1 && updates[0] !== undefined ? updates[0] : Y.mergeUpdates(updates);
}

function ignore(): void {}

/** Loads, commits, broadcasts and unloads rooms. See the file header. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly dirty = new Set<Room>();
  private readonly awarenessDirty = new Set<Room>();
  private readonly listeners = new Set<RoomListeners>();
  /** Failures per room name (see {@link RoomRegistry.failRoom}); quarantined at the threshold. */
  private readonly failures = new Map<string, number>();
  /** Rooms waiting for an off-thread compaction, and the one running (`close` waits for it). */
  private readonly rebuildQueue: { name: string; room: WeakRef<Room> }[] = [];
  private rebuilding: Promise<void> | undefined;
  /** Rooms due for a compaction on the event loop, drained in slices (`drainCompactions`). */
  private readonly compactQueue = new Set<Room>();
  private compactScheduled = false;
  private scheduled = false;
  private awarenessScheduled = false;
  /** The latest commit; the store completes commits in the order they were issued. */
  private committing: Promise<void> | undefined;
  /** Commits in flight: one, or two while one broadcasts as the next one's write starts. */
  private commits = 0;
  private closed = false;
  private readonly idleGraceMs: number;
  private readonly compactAfter: number;
  private readonly compactQuietMs: number;
  private readonly offThreadBytes: number;
  private readonly compactSliceMs: number;
  private readonly snapshotPieceBytes: number;

  constructor(private readonly options: RoomRegistryOptions) {
    this.idleGraceMs = options.idleGraceMs ?? 30_000;
    this.compactAfter = options.compactAfterRecords ?? 256;
    this.compactQuietMs = options.compactQuietMs ?? 1_000;
    this.offThreadBytes = options.offThreadBytes ?? 8 * 1024 * 1024;
    this.compactSliceMs = options.compactSliceMs ?? 5;
    this.snapshotPieceBytes = options.snapshotPieceBytes ?? 1024 * 1024;
  }

  /** Number of loaded rooms. */
  get size(): number {
    return this.rooms.size;
  }

  /** Names of the loaded rooms. */
  loadedRooms(): string[] {
    return [...this.rooms.keys()];
  }

  /** The loaded room, if any (does not load). */
  get(name: string): Room | undefined {
    return this.rooms.get(name);
  }

  /** Subscribes to room lifecycle events; returns an unsubscribe function. */
  listen(listeners: RoomListeners): () => void {
    this.listeners.add(listeners);
    return () => this.listeners.delete(listeners);
  }

  /**
   * Holds `name` and loads it from the store if needed.
   * @remarks Every successful `acquire` must be paired with one {@link release}.
   */
  async acquire(name: string): Promise<Room> {
    if (this.closed) throw new Error("room registry is closed");
    if ((this.failures.get(name) ?? 0) >= QUARANTINE_AFTER_FAILURES) throw new RoomQuarantinedError(name);
    const loaded = this.rooms.get(name);
    if (loaded?.failed) throw new RoomFailedError(name);
    if (loaded) {
      this.hold(loaded);
      return loaded;
    }
    let promise = this.loading.get(name);
    if (!promise) {
      promise = this.load(name);
      this.loading.set(name, promise);
      promise.then(
        () => this.loading.delete(name),
        () => this.loading.delete(name),
      );
    }
    const room = await promise;
    this.hold(room);
    return room;
  }

  /** Releases one hold taken by {@link acquire}. */
  release(room: Room): void {
    room.refs--;
    if (room.refs <= 0 && this.rooms.get(room.name) === room) {
      if (room.failed) this.tryUnload(room);
      else this.scheduleIdle(room);
    }
  }

  /** Whether the room `name` is quarantined (failed to load, or failed again after a reload). */
  isQuarantined(name: string): boolean {
    return (this.failures.get(name) ?? 0) >= QUARANTINE_AFTER_FAILURES;
  }

  /** Names of the quarantined rooms. */
  quarantinedRooms(): string[] {
    return [...this.failures].filter(([, n]) => n >= QUARANTINE_AFTER_FAILURES).map(([name]) => name);
  }

  /**
   * Contains a failure of one room's encode, merge or compaction: logs it (the error's name,
   * never content), closes the room's peers with 4500 and unloads the room once its leases are
   * released and what it queued is durable. A room that fails again after a reload is
   * quarantined. Other rooms and the process carry on.
   */
  private failRoom(room: Room, stage: string, err: unknown): void {
    const o = this.options;
    o.metrics.roomFailed(stage);
    o.logger.log("error", "room.failed", { room: room.name, stage, error: errorName(err) });
    if (room.failed) return;
    room.failed = true;
    this.failures.set(room.name, (this.failures.get(room.name) ?? 0) + 1);
    room.deferred = [];
    this.compactQueue.delete(room);
    if (room.compactTimer) {
      clearTimeout(room.compactTimer);
      room.compactTimer = undefined;
    }
    for (const p of [...room.peers]) p.evict(CloseCode.roomFailure, "room failure");
    if (room.refs <= 0) this.tryUnload(room);
  }

  /**
   * Leases a room's live document for server-side code.
   * @example
   * const lease = await registry.lease("book:00D…:005…");
   * lease.doc.transact(() => lease.doc.getMap("meta").set("schemaVersion", 1), "salesforce");
   * lease.release();
   */
  async lease(name: string): Promise<RoomLease> {
    const room = await this.acquire(name);
    // Server-side writes are captured only while a lease is held: an "update" listener makes
    // Yjs encode every applied client update again, which the relay itself never needs.
    if (room.leases++ === 0) {
      room.onLocalUpdate = (update: Uint8Array, origin: unknown) => {
        if (origin === REMOTE_ORIGIN) return;
        room.guard.noteServerClient(room.doc.clientID);
        room.local.push(update);
        this.markDirty(room);
      };
      room.doc.on("update", room.onLocalUpdate);
    }
    let released = false;
    return {
      room: name,
      doc: room.doc,
      release: () => {
        if (released) return;
        released = true;
        if (--room.leases === 0 && room.onLocalUpdate) {
          room.doc.off("update", room.onLocalUpdate);
          room.onLocalUpdate = undefined;
        }
        this.release(room);
      },
    };
  }

  /**
   * Applies a validated client update to the room's document and queues it for the next
   * group commit. Returns false (and queues nothing) when Yjs refuses the update.
   */
  submit(room: Room, update: Uint8Array, from: RoomPeer): boolean {
    try {
      Y.applyUpdate(room.doc, update, REMOTE_ORIGIN);
    } catch {
      return false;
    }
    room.pending.push(update);
    room.pendingOrigin = room.pendingOrigin === undefined || room.pendingOrigin === from ? from : null;
    this.markDirty(room);
    return true;
  }

  /** Answers a client's sync step 1 once everything in the document is durable. */
  answerStep1(room: Room, stateVector: Uint8Array, peer: RoomPeer): void {
    if (room.logBytes >= this.offThreadBytes && isEmptyStateVector(stateVector)) this.answerFromLog(room, peer);
    else this.answerFromDoc(room, stateVector, peer);
  }

  private answerFromDoc(room: Room, stateVector: Uint8Array, peer: RoomPeer): void {
    const answer = (): void => {
      if (!room.peers.has(peer) || room.failed) return;
      let bytes: Uint8Array;
      try {
        bytes = answerSyncStep1(room.doc, stateVector);
      } catch (err) {
        this.failRoom(room, "encode", err);
        return;
      }
      peer.deliver(bytes);
    };
    if (room.pending.length > 0 || room.local.length > 0 || room.inFlight > 0) room.deferred.push(answer);
    else answer();
  }

  /**
   * Answers a device that has nothing in a large room with the room's stored log instead of
   * an encode of the live document, which would stall every room (about 3 s for a large
   * book): step 2 carries the log's first record (after a compaction, the snapshot or its
   * first piece), update messages the rest, each written to the socket uncopied. The log holds only what is
   * durable, as an answer must; what is committed after the store reads it reaches the device
   * as broadcasts, possibly before this answer (Yjs holds such updates until their
   * dependencies arrive).
   */
  private answerFromLog(room: Room, peer: RoomPeer): void {
    const o = this.options;
    o.store.loadRoom(room.name).then(
      (log) => {
        if (!room.peers.has(peer)) return;
        let sub: number = SyncType.step2;
        for (const u of log.updates) {
          const head = updateMessageHeader(u.length, sub);
          if (peer.deliverParts) peer.deliverParts(head, u);
          else peer.deliver(Buffer.concat([head, u]));
          sub = SyncType.update;
        }
        // Nothing stored yet: the usual answer, from the document once it is durable.
        if (sub === SyncType.step2) this.answerFromDoc(room, new Uint8Array([0]), peer);
      },
      (err: unknown) => {
        o.logger.log("error", "store.load_failed", { room: room.name, error: String(err) });
        peer.evict(CloseCode.storeFailure, "store failure");
      },
    );
  }

  /** Queues changed awareness entries for broadcast at the end of this tick. */
  queueAwareness(room: Room, entries: readonly AwarenessEntry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) room.awarenessOut.set(e.clientId, e);
    this.awarenessDirty.add(room);
    if (!this.awarenessScheduled) {
      this.awarenessScheduled = true;
      setImmediate(() => this.flushAwareness());
    }
  }

  /** Waits for every queued update to be committed. */
  async flush(): Promise<void> {
    while (this.committing !== undefined || this.dirty.size > 0) {
      const running = this.committing;
      if (running !== undefined) await running;
      else await this.commit();
    }
  }

  /** Commits what is queued, destroys every document and refuses further use. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const room of this.rooms.values()) {
      if (room.idleTimer) clearTimeout(room.idleTimer);
      this.destroy(room);
    }
    // A running rebuild holds a copy of a large room's log; finishing it keeps its work.
    await this.rebuilding;
  }

  private hold(room: Room): void {
    room.refs++;
    if (room.idleTimer) {
      clearTimeout(room.idleTimer);
      room.idleTimer = undefined;
    }
  }

  private async load(name: string): Promise<Room> {
    const o = this.options;
    const log = await o.store.loadRoom(name);
    const room = new Room(name, o.maxAwarenessPerPeer ?? 8, o.maxAwarenessTombstones ?? 1024);
    // Stored updates were checked before they were stored. They are applied in slices with
    // event-loop turns between them (a large book's snapshot comes in pieces): nobody sees the
    // room before it is whole. One that throws quarantines the room: its log stays as it is,
    // for inspection, and is not replayed again by this process.
    const updates = log.updates;
    try {
      for (let next = 0; next < updates.length; ) {
        if (next > 0) await new Promise<void>((r) => setImmediate(r));
        const started = performance.now();
        room.doc.transact(() => {
          do Y.applyUpdate(room.doc, updates[next] as Uint8Array, REMOTE_ORIGIN);
          while (++next < updates.length && performance.now() - started < LOAD_SLICE_MS);
        }, REMOTE_ORIGIN);
      }
      // Decoding gives each book record its own copy of every id: share them (ADR 0003).
      const sharing = shareRecordStringsInSteps(room.doc);
      for (let started = performance.now(); !sharing.next().done; ) {
        if (performance.now() - started < LOAD_SLICE_MS) continue;
        await new Promise<void>((r) => setImmediate(r));
        started = performance.now();
      }
      // Left pending, they would be merged again with every later update and never integrate.
      if (dropPending(room.doc)) o.logger.log("error", "room.pending_dropped", { room: name, stage: "load" });
    } catch (err) {
      room.doc.destroy();
      this.failures.set(name, QUARANTINE_AFTER_FAILURES);
      o.metrics.roomFailed("load");
      o.logger.log("error", "room.quarantined", { room: name, stage: "load", error: errorName(err) });
      throw new RoomQuarantinedError(name);
    }
    if (this.closed) {
      room.doc.destroy();
      throw new Error("room registry is closed");
    }
    room.logRecords = updates.length;
    room.logBytes = log.bytes;
    for (let i = 0; i < log.snapshot; i++) room.snapshotBytes += updates[i]?.length ?? 0;
    this.rooms.set(name, room);
    o.metrics.roomsLoaded = this.rooms.size;
    this.considerCompaction(room);
    for (const l of this.listeners) l.onLoaded?.(name, room.doc);
    // A loader that gave up before the load finished leaves refs at 0.
    queueMicrotask(() => {
      if (room.refs <= 0) this.scheduleIdle(room);
    });
    return room;
  }

  private scheduleIdle(room: Room): void {
    if (room.idleTimer || this.closed) return;
    room.idleTimer = setTimeout(() => {
      room.idleTimer = undefined;
      this.tryUnload(room);
    }, this.idleGraceMs);
    room.idleTimer.unref?.();
  }

  private tryUnload(room: Room): void {
    if (room.refs > 0 || this.rooms.get(room.name) !== room) return;
    if (
      room.pending.length > 0 ||
      room.local.length > 0 ||
      room.inFlight > 0 ||
      this.dirty.has(room) ||
      this.committing !== undefined
    ) {
      // Unload only once its queued updates are durable.
      void this.flush().then(() => this.tryUnload(room));
      return;
    }
    if (!room.failed && (this.compactQueue.has(room) || (this.isDue(room) && this.onEventLoop(room)))) {
      // Compacted in its turn with the other queued rooms, then unloaded.
      room.unloadWhenCompacted = true;
      this.compact(room);
      return;
    }
    this.destroy(room);
  }

  private destroy(room: Room): void {
    // Called only once everything in the document is durable; compact what was due first
    // (at close, rooms still queued for compaction are compacted here, at once).
    if ((this.compactQueue.delete(room) || this.isDue(room)) && !room.failed) {
      if (this.onEventLoop(room)) this.compactNow(room);
      else this.compact(room);
    }
    if (room.compactTimer) clearTimeout(room.compactTimer);
    this.rooms.delete(room.name);
    this.dirty.delete(room);
    this.awarenessDirty.delete(room);
    room.doc.destroy();
    this.options.metrics.roomsLoaded = this.rooms.size;
    this.options.store.evictRoom(room.name).catch((err: unknown) => {
      // Eviction only frees memory: a failed one loses nothing stored and changes no load.
      this.options.logger.log("error", "store.evict_failed", { room: room.name, error: String(err) });
    });
    for (const l of this.listeners) l.onUnloaded?.(room.name);
  }

  private markDirty(room: Room): void {
    this.dirty.add(room);
    if (!this.scheduled) this.scheduleCommit();
  }

  /**
   * Commits after one more pass of the event loop's poll phase, so that the rest of a burst
   * of messages (a client's edits sent together arrive over several reads) joins the batch.
   */
  private scheduleCommit(): void {
    this.scheduled = true;
    setImmediate(() =>
      setImmediate(() => {
        this.scheduled = false;
        // With a commit in flight, the dirty rooms go with the next commit it starts.
        if (this.commits === 0) void this.commit();
      }),
    );
  }

  private commit(): Promise<void> {
    this.commits++;
    const run = this.runCommit().finally(() => {
      this.commits--;
      if (this.committing === run) this.committing = undefined;
      if (this.dirty.size > 0 && !this.scheduled && this.commits === 0) this.scheduleCommit();
    });
    this.committing = run;
    return run;
  }

  private async runCommit(): Promise<void> {
    const o = this.options;
    const work: CommitWork[] = [];
    const batch = new Map<string, Uint8Array[]>();
    let mergeLater = false;
    for (const room of this.dirty) {
      const all = room.local.length === 0 ? room.pending : room.pending.concat(room.local);
      const origin = room.local.length === 0 ? room.pendingOrigin : null;
      room.pending = [];
      room.pendingOrigin = undefined;
      room.local = [];
      if (all.length === 0) continue;
      room.inFlight++;
      // A few updates are stored as they came and merged for the peers while the store
      // writes; more are merged first, so that the log stays compact (see the file header).
      let merged: Uint8Array | undefined;
      if (all.length > MERGE_WHILE_WRITING_MAX) {
        try {
          merged = mergeAll(all);
        } catch (err) {
          // Each update applied on its own: store them as they came, and let the room go.
          this.failRoom(room, "merge", err);
        }
      } else if (all.length === 1) merged = all[0];
      mergeLater ||= merged === undefined && !room.failed;
      const stored = merged === undefined ? all : [merged];
      let storedBytes = 0;
      for (const u of stored) storedBytes += u.length;
      batch.set(room.name, stored);
      work.push({ room, updates: all, merged, origin, storedBytes });
    }
    this.dirty.clear();
    if (work.length === 0) return;
    const started = performance.now();
    try {
      const appended = o.store.appendUpdates(batch);
      if (mergeLater) {
        // The store has issued its write by the next turn; the merges run while the disk works.
        appended.catch(ignore);
        await new Promise<void>((r) => setImmediate(r));
        for (const w of work) {
          if (w.merged !== undefined || w.room.failed || !w.room.hasRecipients(w.origin)) continue;
          try {
            w.merged = mergeAll(w.updates);
          } catch (err) {
            this.failRoom(w.room, "merge", err);
          }
        }
      }
      await appended;
    } catch (err) {
      o.logger.log("error", "store.append_failed", { rooms: work.length, error: String(err) });
      for (const { room } of work) {
        // The document now holds updates that are not durable: drop every peer so the room
        // unloads and reloads from what the store really has.
        room.inFlight--;
        room.deferred = [];
        for (const p of [...room.peers]) p.evict(CloseCode.storeFailure, "store failure");
      }
      return;
    }
    o.metrics.observeWrite((performance.now() - started) / 1000);
    // Pipelining: what arrived during this write starts its own write now, before this batch
    // is broadcast, so the store is not idle while this process writes to hundreds of sockets.
    if (this.dirty.size > 0) void this.commit();
    for (const { room, updates, merged: early, origin, storedBytes } of work) {
      o.metrics.updatesCommitted += updates.length;
      room.inFlight--;
      if (room.doc.isDestroyed) continue;
      if (room.failed) {
        room.logRecords++;
        room.logBytes += storedBytes;
        if (room.refs <= 0) this.tryUnload(room);
        continue;
      }
      if (room.hasRecipients(origin)) {
        // A peer may have joined since the merges ran.
        let merged: Uint8Array;
        try {
          merged = early ?? mergeAll(updates);
        } catch (err) {
          this.failRoom(room, "merge", err);
          continue;
        }
        // Framed in one copy of the update: a first sync's update can be tens of MiB.
        const header = updateMessageHeader(merged.length);
        const n = room.broadcastFrame(encodeBinaryFrame(merged, header), origin);
        o.metrics.messagesOut += n;
        o.metrics.bytesOut += n * (header.length + merged.length);
      }
      // A few updates stored unmerged count as one record: they cost a load what their merge would.
      room.logRecords++;
      room.logBytes += storedBytes;
      if (room.pending.length === 0 && room.local.length === 0 && room.inFlight === 0 && room.deferred.length > 0) {
        const answers = room.deferred;
        room.deferred = [];
        for (const a of answers) a();
      }
      room.lastCommitAt = performance.now();
      this.considerCompaction(room);
    }
  }

  /** Whether `room` is due for compaction at its next quiet moment (see the file header). */
  private isDue(room: Room): boolean {
    return room.logRecords >= this.compactAfter && room.logBytes - room.snapshotBytes >= room.snapshotBytes / 4;
  }

  /** Compacts `room` now, or arms its quiet-time compaction (see the file header). */
  private considerCompaction(room: Room): void {
    if (room.failed) return;
    if (room.logRecords < this.compactAfter) return;
    const grown = room.logBytes - room.snapshotBytes;
    if (grown >= Math.max(room.snapshotBytes, FORCE_COMPACT_BYTES) || room.logRecords >= 16 * this.compactAfter) {
      this.compact(room);
    } else if (room.compactTimer === undefined && this.isDue(room)) this.armCompaction(room, this.compactQuietMs);
  }

  private armCompaction(room: Room, ms: number): void {
    room.compactTimer = setTimeout(() => {
      room.compactTimer = undefined;
      // compact() and destroy() clear this timer, so the room is still loaded and due.
      const quietFor = performance.now() - room.lastCommitAt;
      if (quietFor < this.compactQuietMs) this.armCompaction(room, this.compactQuietMs - quietFor);
      else this.compact(room, true);
    }, ms);
    room.compactTimer.unref?.();
  }

  /** Whether `room` has gone `compactQuietMs` without a commit and holds nothing to commit. */
  private isQuiet(room: Room): boolean {
    if (room.pending.length > 0 || room.local.length > 0 || room.inFlight > 0) return false;
    return performance.now() - room.lastCommitAt >= this.compactQuietMs;
  }

  /** Whether `room` is compacted by encoding its live document, not off the event loop. */
  private onEventLoop(room: Room): boolean {
    return room.logBytes < this.offThreadBytes && !room.rebuilding;
  }

  /**
   * Queues `room`'s compaction: on the event loop in a later slice, or off the event loop.
   * `whenQuiet`: a quiet-time compaction, which waits for the next quiet moment instead if the
   * room is busy again by its turn (a forced one or one at unload does not).
   */
  private compact(room: Room, whenQuiet = false): void {
    if (room.compactTimer) {
      clearTimeout(room.compactTimer);
      room.compactTimer = undefined;
    }
    if (room.rebuilding) return;
    if (room.logBytes >= this.offThreadBytes) {
      this.compactOffThread(room);
      return;
    }
    room.compactWhenQuiet = whenQuiet && (room.compactWhenQuiet || !this.compactQueue.has(room));
    this.compactQueue.add(room);
    if (!this.compactScheduled) {
      this.compactScheduled = true;
      setImmediate(() => this.drainCompactions());
    }
  }

  /** Compacts queued rooms for about `compactSliceMs` (at least one), then lets the event loop turn. */
  private drainCompactions(): void {
    this.compactScheduled = false;
    const started = performance.now();
    for (const room of this.compactQueue) {
      this.compactQueue.delete(room);
      if (room.compactWhenQuiet && !this.isQuiet(room)) {
        // Commits resumed while it waited for its turn (rooms that went quiet together often
        // wake together): its encode would stall them, so it waits for its next quiet moment.
        room.compactWhenQuiet = false;
        this.considerCompaction(room);
        continue;
      }
      // destroy() takes a room out of the queue, so a queued room is loaded.
      if (this.onEventLoop(room)) this.compactNow(room);
      else this.compact(room);
      if (room.unloadWhenCompacted) {
        room.unloadWhenCompacted = false;
        // Held again meanwhile, it stays loaded: its next release schedules the unload anew.
        this.tryUnload(room);
      }
      if (this.compactQueue.size > 0 && performance.now() - started >= this.compactSliceMs) {
        this.compactScheduled = true;
        setImmediate(() => this.drainCompactions());
        return;
      }
    }
  }

  /** Compacts `room` now by encoding its live document (`Store.replaceRoom`). */
  private compactNow(room: Room): void {
    if (room.failed) return;
    let snapshot: Uint8Array;
    try {
      snapshot = Y.encodeStateAsUpdate(room.doc);
    } catch (err) {
      // The stored log stays as it is; the room unloads.
      this.failRoom(room, "compact", err);
      return;
    }
    room.logRecords = 1;
    room.logBytes = snapshot.length;
    room.snapshotBytes = snapshot.length;
    // The store orders this after every append already issued and before any later one.
    const o = this.options;
    o.store.replaceRoom(room.name, snapshot).then(
      () => o.metrics.compacted("event_loop"),
      (err: unknown) => {
        o.metrics.compacted("failed");
        o.logger.log("error", "store.compact_failed", { room: room.name, error: String(err) });
      },
    );
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
    // Once closing, queued rooms are left as they are: they compact after their next load.
    if (this.rebuilding !== undefined || this.closed) return;
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
    const o = this.options;
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
          if (room === undefined || this.rooms.get(name) !== room) return;
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

  private flushAwareness(): void {
    this.awarenessScheduled = false;
    const m = this.options.metrics;
    for (const room of this.awarenessDirty) {
      if (room.awarenessOut.size === 0) continue;
      const msg = encodeAwarenessMessage(room.awarenessOut.values());
      room.awarenessOut.clear();
      const n = room.broadcast(msg);
      m.messagesOut += n;
      m.bytesOut += n * msg.length;
    }
    this.awarenessDirty.clear();
  }
}
