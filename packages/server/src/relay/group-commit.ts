/**
 * The group commit: what rooms queued (client updates, server-side writes) goes to the store
 * in one durable write per tick, and only then to the rooms' peers.
 *
 * A client update is applied to the room's document at once (so Yjs' own refusal closes only
 * the sender) and queued with server-side writes; once per event-loop tick (setImmediate,
 * after one more poll pass) every dirty room's queue is appended to the store, all rooms in
 * ONE durable write, and only then is it broadcast, merged into one update. A room's queue of
 * up to `MERGE_WHILE_WRITING_MAX` updates is stored as it came and merged for its peers (if it
 * has any) while the disk works: the merge is off the path from an edit to the other devices.
 * A longer queue is merged before the write, so that the log stays compact. Sync step-1
 * answers (which read the document) wait while the room holds anything not yet durable. So an
 * update is durable before the server forwards it or answers with it, and a 500-client room
 * costs one merge, one write and one encode per tick, not per message. Commits are pipelined:
 * when a write completes, what arrived meanwhile starts its write before the completed batch
 * is broadcast, so the disk and the sockets work at the same time; the store completes writes
 * in order, so batches still go out in order.
 *
 * A merge that throws fails its room only (the `fail` callback): the room's updates are then
 * stored as they came, each of which applied on its own, and nothing is broadcast for it.
 */
import * as Y from "yjs";
import type { Logger } from "../obs/logger.js";
import type { Metrics } from "../obs/metrics.js";
import { type Fence, type RoomStore, StaleFenceError } from "../store/store.js";
import { CloseCode } from "./close-codes.js";
import { updateMessageHeader } from "./protocol.js";
import type { Room, RoomPeer } from "./room.js";
import { encodeBinaryFrame } from "./ws-frame.js";

/**
 * A room's batch of at most this many updates is stored unmerged and merged for its peers while
 * the store writes (see the file header).
 */
const MERGE_WHILE_WRITING_MAX = 16;

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  readonly store: RoomStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** A room's batch is durable and broadcast (its deferred answers are already sent). */
  committed(room: Room): void;
  /** Merging a room's batch threw: the room must go (see `RoomRegistry`). */
  fail(room: Room, stage: string, err: unknown): void;
  /**
   * Writes a batch, resolving to the version each room reached (a shared store's
   * `appendVersioned`). Default: the store's `appendUpdates`, without versions.
   */
  append?:
    | ((
        batch: ReadonlyMap<string, readonly Uint8Array[]>,
        fences: ReadonlyMap<string, Fence>,
      ) => Promise<ReadonlyMap<string, number>>)
    | undefined;
  /**
   * The store refused a room's batch because its worker's lease moved on (`StaleFenceError`):
   * the room's document holds writes that will never be durable; it must go. The rest of the
   * batch is written again without it.
   */
  refused?: ((room: Room) => void) | undefined;
  /**
   * A room's batch is durable at `version`: `update` is its merge (undefined when the merge
   * failed), for other instances. Set with `append`; the merge is then made for every batch.
   */
  published?: ((room: Room, version: number, update: Uint8Array | undefined) => void) | undefined;
}

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

/** Commits dirty rooms, one store write per tick. See the file header. */
export class GroupCommit {
  private readonly dirty = new Set<Room>();
  private scheduled = false;
  /** The latest commit; the store completes commits in the order they were issued. */
  private committing: Promise<void> | undefined;
  /** Commits in flight: one, or two while one broadcasts as the next one's write starts. */
  private commits = 0;

  constructor(private readonly o: GroupCommitOptions) {}

  /** Queues `room`'s pending and local updates for the next commit. */
  markDirty(room: Room): void {
    this.dirty.add(room);
    if (!this.scheduled) this.schedule();
  }

  /** Forgets an unloaded room. */
  forget(room: Room): void {
    this.dirty.delete(room);
  }

  /** Whether anything of `room`, or any commit, is still on its way to the store. */
  busyWith(room: Room): boolean {
    return room.hasUncommitted() || this.dirty.has(room) || this.committing !== undefined;
  }

  /** Waits for every queued update to be committed. */
  async flush(): Promise<void> {
    while (this.committing !== undefined || this.dirty.size > 0) {
      const running = this.committing;
      if (running !== undefined) await running;
      else await this.commit();
    }
  }

  /**
   * Commits after one more pass of the event loop's poll phase, so that the rest of a burst
   * of messages (a client's edits sent together arrive over several reads) joins the batch.
   */
  private schedule(): void {
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
    const run = this.run().finally(() => {
      this.commits--;
      if (this.committing === run) this.committing = undefined;
      if (this.dirty.size > 0 && !this.scheduled && this.commits === 0) this.schedule();
    });
    this.committing = run;
    return run;
  }

  /** Takes every dirty room's queue into this commit's work and batch. */
  private collect(): {
    work: CommitWork[];
    batch: Map<string, Uint8Array[]>;
    fences: Map<string, Fence>;
    mergeLater: boolean;
  } {
    const work: CommitWork[] = [];
    const batch = new Map<string, Uint8Array[]>();
    const fences = new Map<string, Fence>();
    let mergeLater = false;
    for (const room of this.dirty) {
      // A leased room's server-side writes are stored only while the worker's lease holds.
      if (room.fence && room.local.length > 0) fences.set(room.name, room.fence);
      const { updates: all, origin } = room.takeQueued();
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
          this.o.fail(room, "merge", err);
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
    return { work, batch, fences, mergeLater };
  }

  /**
   * Appends the batch; a room refused for a stale fence is dropped from the work (and handed to
   * `refused`) and the rest appended again. Resolves to the rooms' versions, if the store has them.
   */
  private async append(
    work: CommitWork[],
    batch: Map<string, Uint8Array[]>,
    fences: Map<string, Fence>,
    appended: Promise<ReadonlyMap<string, number> | undefined>,
  ): Promise<ReadonlyMap<string, number> | undefined> {
    for (let attempt = appended; ; ) {
      try {
        return await attempt;
      } catch (err) {
        if (!(err instanceof StaleFenceError) || !this.o.append) throw err;
        for (const name of err.rooms) {
          const at = work.findIndex((w) => w.room.name === name);
          const w = work[at];
          if (w === undefined) throw err;
          work.splice(at, 1);
          batch.delete(name);
          fences.delete(name);
          w.room.inFlight--;
          this.o.refused?.(w.room);
        }
        if (batch.size === 0) return new Map();
        attempt = this.o.append(batch, fences);
      }
    }
  }

  private async run(): Promise<void> {
    const o = this.o;
    const { work, batch, fences, mergeLater } = this.collect();
    if (work.length === 0) return;
    const started = performance.now();
    let versions: ReadonlyMap<string, number> | undefined;
    try {
      const appended = o.append ? o.append(batch, fences) : o.store.appendUpdates(batch).then(() => undefined);
      if (mergeLater) {
        // The store has issued its write by the next turn; the merges run while the disk works.
        appended.catch(ignore);
        await new Promise<void>((r) => setImmediate(r));
        for (const w of work) {
          if (w.merged !== undefined || w.room.failed) continue;
          if (!w.room.hasRecipients(w.origin) && !o.published) continue;
          try {
            w.merged = mergeAll(w.updates);
          } catch (err) {
            o.fail(w.room, "merge", err);
          }
        }
      }
      versions = await this.append(work, batch, fences, appended);
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
    for (const w of work) this.deliver(w, versions?.get(w.room.name));
  }

  /** After the write: broadcasts a room's batch, counts it and answers what waited for it. */
  private deliver({ room, updates, merged: early, origin, storedBytes }: CommitWork, version?: number): void {
    const o = this.o;
    o.metrics.updatesCommitted += updates.length;
    room.inFlight--;
    if (room.doc.isDestroyed) return;
    const publish = o.published !== undefined && version !== undefined;
    if (!room.failed && (room.hasRecipients(origin) || publish)) {
      // A peer may have joined since the merges ran.
      let merged: Uint8Array | undefined;
      try {
        merged = early ?? mergeAll(updates);
      } catch (err) {
        o.fail(room, "merge", err);
      }
      if (merged !== undefined) {
        // Framed in one copy of the update: a first sync's update can be tens of MiB.
        const header = updateMessageHeader(merged.length);
        if (room.hasRecipients(origin)) {
          const n = room.broadcastFrame(encodeBinaryFrame(merged, header), origin);
          o.metrics.messagesOut += n;
          o.metrics.bytesOut += n * (header.length + merged.length);
        }
      }
      if (publish) o.published?.(room, version, merged);
    } else if (publish) o.published?.(room, version, undefined);
    room.noteCommitted(storedBytes);
    o.committed(room);
  }
}
