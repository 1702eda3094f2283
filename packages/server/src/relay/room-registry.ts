/**
 * The room registry: loads rooms from the store, keeps one Y.Doc per room, answers sync
 * requests, leases rooms to server-side code, contains failing rooms and unloads idle ones.
 * What rooms write goes through the {@link GroupCommit} (one durable write per tick, then the
 * broadcast); when they compact is the {@link Compactor}'s business.
 *
 * Loading applies the stored log in slices of about 10 ms between event-loop turns, so a
 * large book loads a piece at a time while every other room goes on.
 *
 * Lifecycle: `acquire` counts a holder; when the count drops to zero the room unloads after
 * `idleGraceMs` (once what it queued is durable, and compacted first when due): its document
 * is destroyed, the registry forgets it and the store is told to drop what it keeps in memory
 * for it (`evictRoom`).
 *
 * Containment: an encode, merge or compaction of a room that throws fails that room only: its
 * peers are closed (4500), nobody joins it, and it unloads once its leases are released and
 * what it queued is durable. A room that fails to load, or fails again after a reload, is
 * quarantined for the life of the registry; its log is kept as it is. Injected, never global.
 */
import * as Y from "yjs";
import type { Logger } from "../obs/logger.js";
import type { Metrics } from "../obs/metrics.js";
import { type Fence, isSharedRoomStore, type RoomStore } from "../store/store.js";
import { CloseCode } from "./close-codes.js";
import { type CompactionOptions, Compactor } from "./compactor.js";
import { GroupCommit } from "./group-commit.js";
import { InstanceLink, type PeerInstances } from "./instance-link.js";

export type { PeerInstances } from "./instance-link.js";

import { AwarenessOut } from "./awareness-out.js";
import { type AwarenessEntry, updateMessageHeader } from "./protocol.js";
import { Room, type RoomPeer } from "./room.js";
import type { BookSignal } from "./room-bus.js";
import { LeaseLostError, type RoomLease } from "./room-lease.js";
import { applyStoredLog, REMOTE_ORIGIN } from "./room-load.js";

export { LeaseLostError, type RoomLease } from "./room-lease.js";

import { answerFromDoc, answerFromLog } from "./sync-answers.js";
import { encodeBinaryFrame } from "./ws-frame.js";

export { dropPending, REMOTE_ORIGIN } from "./room-load.js";

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

/** Whether a state vector names no client: its sender has nothing. */
function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return Y.decodeStateVector(stateVector).size === 0;
}

/** Options of {@link RoomRegistry}. */
export interface RoomRegistryOptions extends CompactionOptions {
  readonly store: RoomStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** How long a room with no holders stays loaded (ms). Default 30 000. */
  readonly idleGraceMs?: number | undefined;
  /** Most awareness client ids one connection may own. Default 8. */
  readonly maxAwarenessPerPeer?: number | undefined;
  /** Removed awareness ids remembered per room. Default 1024. */
  readonly maxAwarenessTombstones?: number | undefined;
  /**
   * Other instances serving the same rooms (scale-out): their commits arrive over `bus` and are
   * caught up from the store, which must then be a `SharedRoomStore` (see `instance-link.ts`).
   */
  readonly peers?: PeerInstances | undefined;
}

/** Room lifecycle listeners. */
export interface RoomListeners {
  onLoaded?: ((room: string, doc: Y.Doc) => void) | undefined;
  onUnloaded?: ((room: string) => void) | undefined;
  /** Another instance signalled something about the room's book (scale-out). */
  onSignal?: ((room: string, signal: BookSignal) => void) | undefined;
}

/** Loads, commits, broadcasts and unloads rooms. See the file header. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly awareness: AwarenessOut;
  private readonly listeners = new Set<RoomListeners>();
  /** Failures per room name (see {@link RoomRegistry.failRoom}); quarantined at the threshold. */
  private readonly failures = new Map<string, number>();
  private readonly commits: GroupCommit;
  private readonly compactor: Compactor;
  private closed = false;
  private readonly idleGraceMs: number;
  /** Contains a failure of one room (see {@link RoomRegistry.failRoom}). */
  private readonly failer = (room: Room, stage: string, err: unknown): void => this.failRoom(room, stage, err);
  /** The link to other instances serving the same rooms, when scaled out. */
  private readonly link: InstanceLink | undefined;

  constructor(private readonly options: RoomRegistryOptions) {
    this.idleGraceMs = options.idleGraceMs ?? 30_000;
    const fail = this.failer;
    const store = options.store;
    if (options.peers && !isSharedRoomStore(store)) throw new Error("peer instances need a shared room store");
    const shared = isSharedRoomStore(store) ? store : undefined;
    this.link =
      options.peers && shared
        ? new InstanceLink(
            { ...options.peers, store: shared, logger: options.logger },
            {
              applyRemote: (room, update) => this.applyRemote(room, update),
              relayAwareness: (room, message) => this.relayAwareness(room, message),
              signal: (room, signal) => {
                for (const l of this.listeners) l.onSignal?.(room, signal);
              },
            },
          )
        : undefined;
    const link = this.link;
    this.awareness = new AwarenessOut(options.metrics, (room, msg) => link?.awarenessChanged(room.name, msg));
    this.commits = new GroupCommit({
      store: options.store,
      metrics: options.metrics,
      logger: options.logger,
      fail,
      // A shared store checks the fences of leased rooms' writes, and versions them for the link.
      ...(shared
        ? {
            append: (batch, fences) => shared.appendVersioned(batch, fences),
            refused: (room) => this.refuseRoom(room),
          }
        : {}),
      ...(link ? { published: (room, version, update) => link.committed(room.name, version, update) } : {}),
      committed: (room) => {
        if (!room.failed) this.compactor.consider(room);
        else if (room.refs <= 0) this.tryUnload(room);
      },
    });
    this.compactor = new Compactor({
      ...options,
      fail,
      isLoaded: (room) => this.rooms.get(room.name) === room,
      unloadAfterCompaction: (room) => this.tryUnload(room),
    });
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
    this.compactor.cancel(room);
    for (const p of [...room.peers]) p.evict(CloseCode.roomFailure, "room failure");
    if (room.refs <= 0) this.tryUnload(room);
  }

  /**
   * The store refused a worker's writes to `room`: its lease moved to another instance. The
   * document holds writes that will never be durable, so the room goes as a failed one does
   * (peers closed, unloaded once released), but is not counted towards quarantine.
   */
  private refuseRoom(room: Room): void {
    this.options.logger.log("warn", "room.fence_refused", { room: room.name });
    room.fenceRefused = true;
    if (room.failed) return;
    room.failed = true;
    room.deferred = [];
    this.compactor.cancel(room);
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
  async lease(name: string, fence?: Fence | undefined): Promise<RoomLease> {
    const room = await this.acquire(name);
    // The writes of this lease are stored only while the worker's book lease holds.
    if (fence !== undefined) room.fence = fence;
    // Server-side writes are captured only while a lease is held: an "update" listener makes
    // Yjs encode every applied client update again, which the relay itself never needs.
    if (room.leases++ === 0) {
      room.onLocalUpdate = (update: Uint8Array, origin: unknown) => {
        if (origin === REMOTE_ORIGIN) return;
        room.guard.noteServerClient(room.doc.clientID);
        room.local.push(update);
        this.commits.markDirty(room);
      };
      room.doc.on("update", room.onLocalUpdate);
    }
    let released = false;
    return {
      room: name,
      doc: room.doc,
      committed: async () => {
        await this.flush();
        if (room.fenceRefused) throw new LeaseLostError(name);
      },
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
    room.queueClientUpdate(update, from);
    this.commits.markDirty(room);
    return true;
  }

  /**
   * Applies an update another instance committed (durable already) to the loaded room and sends
   * it to the room's devices. An update Yjs refuses fails the room, as a merge that throws does.
   */
  private applyRemote(name: string, update: Uint8Array): void {
    const room = this.rooms.get(name);
    if (!room || room.failed) return;
    try {
      Y.applyUpdate(room.doc, update, REMOTE_ORIGIN);
    } catch (err) {
      this.failRoom(room, "merge", err);
      return;
    }
    room.logRecords++;
    room.logBytes += update.length;
    const header = updateMessageHeader(update.length);
    const n = room.broadcastFrame(encodeBinaryFrame(update, header));
    this.options.metrics.messagesOut += n;
    this.options.metrics.bytesOut += n * (header.length + update.length);
  }

  /** Sends another instance's awareness message to the room's devices. */
  private relayAwareness(name: string, message: Uint8Array): void {
    const room = this.rooms.get(name);
    if (room && !room.failed) this.awareness.send(room, message);
  }

  /** Tells the other instances something about the room's book; nothing without peers. */
  signalPeers(room: string, signal: BookSignal): void {
    this.link?.signal(room, signal);
  }

  /** Answers a client's sync step 1 once everything in the document is durable. */
  answerStep1(room: Room, stateVector: Uint8Array, peer: RoomPeer): void {
    if (room.logBytes >= this.compactor.offThreadBytes && isEmptyStateVector(stateVector))
      answerFromLog(room, peer, this.options.store, this.options.logger, this.failer);
    else answerFromDoc(room, stateVector, peer, this.failer);
  }

  /** Queues changed awareness entries for broadcast at the end of this tick. */
  queueAwareness(room: Room, entries: readonly AwarenessEntry[]): void {
    this.awareness.queue(room, entries);
  }

  /** Waits for every queued update to be committed. */
  flush(): Promise<void> {
    return this.commits.flush();
  }

  /** Commits what is queued, destroys every document and refuses further use. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.link?.close();
    this.compactor.stop();
    for (const room of this.rooms.values()) {
      if (room.idleTimer) clearTimeout(room.idleTimer);
      this.destroy(room);
    }
    // A running rebuild holds a copy of a large room's log; finishing it keeps its work.
    await this.compactor.settled();
  }

  private hold(room: Room): void {
    room.refs++;
    if (room.idleTimer) {
      clearTimeout(room.idleTimer);
      room.idleTimer = undefined;
    }
  }

  private async load(name: string): Promise<Room> {
    try {
      return await this.loadLinked(name);
    } catch (err) {
      this.link?.leave(name);
      throw err;
    }
  }

  /** Loads `name`; with peer instances, joins its channel first and rewinds after (`InstanceLink`). */
  private async loadLinked(name: string): Promise<Room> {
    const o = this.options;
    const store = o.store;
    let version = 0;
    let log: Awaited<ReturnType<RoomStore["loadRoom"]>>;
    if (this.link && isSharedRoomStore(store)) {
      await this.link.join(name);
      const read = await store.loadVersioned(name);
      version = read.version;
      log = read;
    } else log = await store.loadRoom(name);
    const room = new Room(name, o.maxAwarenessPerPeer ?? 8, o.maxAwarenessTombstones ?? 1024);
    // Stored updates were checked before they were stored. They are applied in slices with
    // event-loop turns between them (a large book's snapshot comes in pieces): nobody sees the
    // room before it is whole. One that throws quarantines the room: its log stays as it is,
    // for inspection, and is not replayed again by this process.
    const updates = log.updates;
    try {
      if (await applyStoredLog(room.doc, updates)) {
        o.logger.log("error", "room.pending_dropped", { room: name, stage: "load" });
      }
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
    this.link?.opened(name, version);
    o.metrics.roomsLoaded = this.rooms.size;
    this.compactor.consider(room);
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
    if (this.commits.busyWith(room)) {
      // Unload only once its queued updates are durable.
      void this.flush().then(() => this.tryUnload(room));
      return;
    }
    const c = this.compactor;
    if (!room.failed && (c.isQueued(room) || (c.isDue(room) && c.onEventLoop(room)))) {
      // Compacted in its turn with the other queued rooms, then unloaded.
      room.unloadWhenCompacted = true;
      c.compact(room);
      return;
    }
    this.destroy(room);
  }

  private destroy(room: Room): void {
    // Called only once everything in the document is durable; compact what was due first
    // (at close, rooms still queued for compaction are compacted here, at once).
    const c = this.compactor;
    if ((c.cancel(room) || c.isDue(room)) && !room.failed) {
      if (c.onEventLoop(room)) c.compactNow(room);
      else c.compact(room);
    }
    c.cancel(room);
    this.rooms.delete(room.name);
    this.commits.forget(room);
    this.awareness.forget(room);
    room.doc.destroy();
    this.link?.leave(room.name);
    this.options.metrics.roomsLoaded = this.rooms.size;
    this.options.store.evictRoom(room.name).catch((err: unknown) => {
      // Eviction only frees memory: a failed one loses nothing stored and changes no load.
      this.options.logger.log("error", "store.evict_failed", { room: room.name, error: String(err) });
    });
    for (const l of this.listeners) l.onUnloaded?.(room.name);
  }
}
