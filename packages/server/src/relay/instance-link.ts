/**
 * Keeps the rooms this instance has loaded in step with what other instances commit to the
 * same rooms: their commits arrive over the {@link RoomBus} in milliseconds, and whatever the
 * bus loses is read back from the {@link SharedRoomStore}.
 *
 * Invariants:
 * - Join order is "subscribe, then load, then rewind" (as y-redis does): a room's channel is
 *   joined before its log is read; messages that arrive meanwhile are held and applied after
 *   the load, so none falls between the two.
 * - Every commit to a room has a version (1, 2, … in commit order). `known` is the highest
 *   version up to which every commit is in the live document; commits applied beyond it wait
 *   in `ahead`. A version missing for `gapWaitMs` is read from the store (`loadSince(known)`),
 *   and so is anything behind the store's head at each poll (every `pollMs`) and after the bus
 *   reconnects: a message the bus dropped, or one an instance committed but died before
 *   sending, reaches every instance within one poll.
 * - What arrives is durable already (committed before it was sent), so it goes to this
 *   instance's devices at once; it is applied with the relay's origin, so a worker's lease
 *   neither stores nor sends it again.
 * - One catch-up per room at a time; its updates are applied like messages (duplicates are
 *   harmless: Yjs skips what a document has).
 */
import type { BusMetrics } from "../obs/bus-metrics.js";
import type { Logger } from "../obs/logger.js";
import type { SharedRoomStore } from "../store/store.js";
import type { BookSignal, BusMessage, RoomBus } from "./room-bus.js";

/** The bus to other instances serving the same rooms, and how the link to them polls. */
export interface PeerInstances {
  readonly bus: RoomBus;
  readonly metrics: BusMetrics;
  /** How often loaded rooms' versions are compared with the store's (ms). Default 2 000. */
  readonly pollMs?: number | undefined;
  /** How long a missing version may take to arrive before it is read from the store (ms). Default 250. */
  readonly gapWaitMs?: number | undefined;
}

/** Options of {@link InstanceLink}. */
export interface InstanceLinkOptions extends PeerInstances {
  readonly store: SharedRoomStore;
  readonly logger: Logger;
}

/** What the link needs of the registry. */
export interface LinkedRooms {
  /** Applies a durable update from another instance to the loaded room and sends it to its devices. */
  applyRemote(room: string, update: Uint8Array): void;
  /** Sends another instance's awareness message to the room's devices. */
  relayAwareness(room: string, message: Uint8Array): void;
  /** Another instance signalled something about the room's book. */
  signal(room: string, signal: BookSignal): void;
}

interface LinkState {
  /** Every commit up to this version is in the live document; undefined until the load. */
  known: number | undefined;
  /** Versions applied above `known`. */
  readonly ahead: Set<number>;
  /** Messages that arrived before the load finished. */
  held: BusMessage[];
  catchingUp: Promise<void> | undefined;
  gapTimer: ReturnType<typeof setTimeout> | undefined;
}

/** Links this instance's loaded rooms to the other instances'. See the file header. */
export class InstanceLink {
  private readonly states = new Map<string, LinkState>();
  private readonly pollTimer: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(
    private readonly o: InstanceLinkOptions,
    private readonly rooms: LinkedRooms,
  ) {
    this.pollTimer = setInterval(() => void this.poll(), o.pollMs ?? 2000);
    this.pollTimer.unref?.();
    o.bus.onReconnect(() => {
      for (const room of this.states.keys()) void this.catchUp(room, "reconnect");
    });
  }

  /** The bus's id of this instance. */
  get instanceId(): string {
    return this.o.bus.instanceId;
  }

  /** Joins the room's channel; call before reading its log, then {@link opened} with its version. */
  async join(room: string): Promise<void> {
    if (!this.states.has(room)) {
      this.states.set(room, {
        known: undefined,
        ahead: new Set(),
        held: [],
        catchingUp: undefined,
        gapTimer: undefined,
      });
    }
    await this.o.bus.join(room, (m) => this.onMessage(room, m));
  }

  /** The room is loaded as of `version`: applies what arrived meanwhile. */
  opened(room: string, version: number): void {
    const s = this.states.get(room);
    if (!s) return;
    s.known = version;
    const held = s.held;
    s.held = [];
    for (const m of held) this.onMessage(room, m);
  }

  /** The room unloaded (or failed to load): leaves its channel. */
  leave(room: string): void {
    const s = this.states.get(room);
    if (s?.gapTimer) clearTimeout(s.gapTimer);
    this.states.delete(room);
    this.o.bus.leave(room).catch((err: unknown) => {
      this.o.logger.log("warn", "bus.leave_failed", { room, error: errorName(err) });
    });
  }

  /** This instance committed `update` to `room` at `version`: tells the others. */
  committed(room: string, version: number, update: Uint8Array | undefined): void {
    if (update !== undefined) {
      this.o.bus.publish(room, { kind: "update", from: this.instanceId, version, sentAt: Date.now(), update });
    }
    this.note(room, version);
  }

  /** This instance's devices changed their awareness: tells the others. */
  awarenessChanged(room: string, message: Uint8Array): void {
    this.o.bus.publish(room, { kind: "awareness", from: this.instanceId, sentAt: Date.now(), message });
  }

  /** Tells the other instances something about the room's book (see {@link BookSignal}). */
  signal(room: string, signal: BookSignal): void {
    this.o.bus.publish(room, { kind: "signal", from: this.instanceId, sentAt: Date.now(), signal });
  }

  /** Stops polling; the bus is closed by its owner. */
  close(): void {
    this.closed = true;
    clearInterval(this.pollTimer);
    for (const s of this.states.values()) if (s.gapTimer) clearTimeout(s.gapTimer);
  }

  private onMessage(room: string, m: BusMessage): void {
    if (m.from === this.instanceId || this.closed) return;
    const s = this.states.get(room);
    if (!s) return;
    if (s.known === undefined) {
      s.held.push(m);
      return;
    }
    this.o.metrics.observeLag(m.sentAt);
    if (m.kind === "signal") {
      this.rooms.signal(room, m.signal);
      return;
    }
    if (m.kind === "awareness") {
      this.rooms.relayAwareness(room, m.message);
      return;
    }
    // Change notices travel on the cluster channel only (see room-bus.ts), never a room's.
    if (m.kind === "changes") return;
    if (m.version <= s.known || s.ahead.has(m.version)) return;
    this.rooms.applyRemote(room, m.update);
    this.note(room, m.version);
  }

  /** Counts `version` as applied; waits `gapWaitMs` for any version missing below it. */
  private note(room: string, version: number): void {
    const s = this.states.get(room);
    if (!s || s.known === undefined || version <= s.known) return;
    s.ahead.add(version);
    while (s.ahead.delete(s.known + 1)) s.known++;
    if (s.ahead.size === 0) {
      if (s.gapTimer) clearTimeout(s.gapTimer);
      s.gapTimer = undefined;
      return;
    }
    if (s.gapTimer) return;
    s.gapTimer = setTimeout(() => {
      s.gapTimer = undefined;
      if (s.ahead.size > 0) void this.catchUp(room, "gap");
    }, this.o.gapWaitMs ?? 250);
    s.gapTimer.unref?.();
  }

  /** Reads what `room` lacks from the store and applies it (one catch-up per room at a time). */
  private catchUp(room: string, reason: "gap" | "poll" | "reconnect"): Promise<void> {
    const s = this.states.get(room);
    if (!s || s.known === undefined) return Promise.resolve();
    if (s.catchingUp !== undefined) return s.catchingUp;
    const from = s.known;
    s.catchingUp = this.o.store
      .loadSince(room, from)
      .then((tail) => {
        if (this.states.get(room) !== s || s.known === undefined) return;
        this.o.metrics.caughtUp(reason);
        for (const u of tail.updates) this.rooms.applyRemote(room, u);
        s.known = Math.max(s.known, tail.version);
        for (const v of [...s.ahead]) if (v <= s.known) s.ahead.delete(v);
        while (s.ahead.delete(s.known + 1)) s.known++;
      })
      .catch((err: unknown) => {
        this.o.logger.log("warn", "bus.catch_up_failed", { room, reason, error: errorName(err) });
      })
      .finally(() => {
        s.catchingUp = undefined;
      });
    return s.catchingUp;
  }

  /** Compares every loaded room's version with the store's and catches up those behind. */
  private async poll(): Promise<void> {
    if (this.closed) return;
    const rooms = [...this.states].filter(([, s]) => s.known !== undefined).map(([room]) => room);
    if (rooms.length === 0) return;
    let heads: ReadonlyMap<string, number>;
    try {
      heads = await this.o.store.versions(rooms);
    } catch (err) {
      this.o.logger.log("warn", "bus.poll_failed", { rooms: rooms.length, error: errorName(err) });
      return;
    }
    for (const [room, head] of heads) {
      const known = this.states.get(room)?.known;
      if (known !== undefined && head > known) void this.catchUp(room, "poll");
    }
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
