/**
 * One room: a Y.Doc, the peers connected to it, its awareness table and what is waiting for
 * the next group commit.
 *
 * Invariant: whatever the document holds that is not yet durable is listed in `pending`
 * (client updates), `local` (server-side writes) or is in flight (`inFlight`); sync step-1
 * answers are deferred while any of those is non-empty, so nothing reaches a client before
 * it is durable.
 */
import * as Y from "yjs";
import type { Fence } from "../store/store.js";
import { AwarenessTable } from "./awareness-table.js";
import type { AwarenessEntry } from "./protocol.js";
import { WriteGuard } from "./write-check.js";
import { encodeBinaryFrame, framePayload } from "./ws-frame.js";

/** Something connected to a room that can receive bytes: a websocket, in practice. */
export interface RoomPeer {
  /** Sends one binary message. */
  deliver(bytes: Uint8Array): void;
  /**
   * Sends a message already framed by `encodeBinaryFrame` (`bytes` is its payload, for
   * peers that cannot take a prepared frame). Used by broadcasts, which frame once per room.
   */
  deliverFramed?(frame: Uint8Array, bytes: Uint8Array): void;
  /**
   * Sends one binary message made of `head` followed by `body`, without copying `body` (a large
   * room's stored log, streamed to a device that has nothing). Optional: peers without it get
   * the two joined through `deliver`.
   */
  deliverParts?(head: Uint8Array, body: Uint8Array): void;
  /** Closes the peer with a close code and a short reason. */
  evict(code: number, reason: string): void;
}

/** A loaded room. Created and owned by the {@link RoomRegistry}. */
export class Room {
  readonly doc: Y.Doc;
  readonly peers = new Set<RoomPeer>();
  readonly awareness: AwarenessTable<RoomPeer>;
  /** Which client ids write as the server, for the write check of device updates. */
  readonly guard: WriteGuard;
  /** Validated client updates, already applied to `doc`, waiting for the next commit. */
  pending: Uint8Array[] = [];
  /** The single peer all `pending` came from, `null` when several, `undefined` when none. */
  pendingOrigin: RoomPeer | null | undefined = undefined;
  /** Server-side writes already in `doc`, waiting for the next commit. */
  local: Uint8Array[] = [];
  /** Commits holding updates of this room that are in flight (at most two: pipelined). */
  inFlight = 0;
  /** Answers waiting until everything in `doc` is durable. */
  deferred: (() => void)[] = [];
  /** Awareness entries changed this tick, to broadcast. */
  readonly awarenessOut = new Map<number, AwarenessEntry>();
  /** Leases held by server-side code, and the listener capturing their writes. */
  leases = 0;
  onLocalUpdate: ((update: Uint8Array, origin: unknown) => void) | undefined;
  /**
   * The lease fence of the worker writing to the room (scale-out): its writes are stored only
   * while that lease holds. `fenceRefused` once the store refused them: the room must go.
   */
  fence: Fence | undefined = undefined;
  fenceRefused = false;
  /** Connections and leases holding the room. */
  refs = 0;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Records and bytes in the room's stored log, and bytes of its last snapshot (compaction). */
  logRecords = 0;
  logBytes = 0;
  snapshotBytes = 0;
  /** When the room's latest commit completed (performance.now()), and its quiet-time compaction. */
  lastCommitAt = 0;
  compactTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether an off-thread compaction of the room is running. */
  rebuilding = false;
  /** Whether the room unloads once its queued compaction is done (it had no holders when due). */
  unloadWhenCompacted = false;
  /** Whether its queued compaction is a quiet-time one, which waits again if commits resumed. */
  compactWhenQuiet = false;
  /**
   * Whether an encode, merge or compaction of the room failed: its peers were closed, it admits
   * nobody and unloads once its leases are released and its queued writes are durable.
   */
  failed = false;

  constructor(
    readonly name: string,
    maxAwarenessPerPeer: number,
    maxAwarenessTombstones: number,
  ) {
    // A guid avoids 128 bits of fresh randomness per room load (uuidv4 is costly at scale).
    this.doc = new Y.Doc({ gc: true, guid: name });
    this.awareness = new AwarenessTable(maxAwarenessPerPeer, maxAwarenessTombstones);
    this.guard = new WriteGuard(this.doc);
  }

  /** Whether anything in the document is not durable yet: queued, or in a commit in flight. */
  hasUncommitted(): boolean {
    return this.pending.length > 0 || this.local.length > 0 || this.inFlight > 0;
  }

  /** Queues a validated client update (already applied to `doc`) from `from` for the next commit. */
  queueClientUpdate(update: Uint8Array, from: RoomPeer): void {
    this.pending.push(update);
    this.pendingOrigin = this.pendingOrigin === undefined || this.pendingOrigin === from ? from : null;
  }

  /**
   * Takes everything queued for a commit, client updates first: the updates, and the single
   * peer they all came from (`null` when several or any server-side write, to skip nobody).
   */
  takeQueued(): { updates: Uint8Array[]; origin: RoomPeer | null | undefined } {
    const updates = this.local.length === 0 ? this.pending : this.pending.concat(this.local);
    const origin = this.local.length === 0 ? this.pendingOrigin : null;
    this.pending = [];
    this.pendingOrigin = undefined;
    this.local = [];
    return { updates, origin };
  }

  /**
   * Counts a committed batch of `storedBytes` in the room's log (a few updates stored unmerged
   * count as one record: they cost a load what their merge would), and sends the answers that
   * waited for the document to be durable, once it is.
   */
  noteCommitted(storedBytes: number): void {
    this.logRecords++;
    this.logBytes += storedBytes;
    if (!this.hasUncommitted() && this.deferred.length > 0) {
      const answers = this.deferred;
      this.deferred = [];
      for (const a of answers) a();
    }
    this.lastCommitAt = performance.now();
  }

  /** Whether a broadcast that skips `except` reaches a peer. */
  hasRecipients(except?: RoomPeer | null): boolean {
    return this.peers.size > (except && this.peers.has(except) ? 1 : 0);
  }

  /** Sends `bytes` to every peer except `except`; returns how many received it. */
  broadcast(bytes: Uint8Array, except?: RoomPeer | null): number {
    return this.hasRecipients(except) ? this.broadcastFrame(encodeBinaryFrame(bytes), except) : 0;
  }

  /**
   * Sends a frame made by `encodeBinaryFrame` to every peer except `except`; returns how
   * many received it.
   */
  broadcastFrame(frame: Buffer, except?: RoomPeer | null): number {
    const bytes = framePayload(frame);
    let n = 0;
    for (const p of this.peers) {
      if (p === except) continue;
      if (p.deliverFramed) p.deliverFramed(frame, bytes);
      else p.deliver(bytes);
      n++;
    }
    return n;
  }
}
