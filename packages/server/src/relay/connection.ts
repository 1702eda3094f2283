/**
 * One admitted socket of the relay ({@link Connection}): `ws`'s WebSocket with the relay's
 * per-connection state, its rate-limit buckets, the frames that arrive before its room has
 * loaded, the updates it holds back for their predecessors, and its writes with the
 * slow-consumer limit. It hands every frame to its {@link ConnectionHost} (the `Relay`).
 */
import { type RawData, WebSocket } from "ws";
import type { Clock } from "../clock.js";
import type { Logger } from "../obs/logger.js";
import type { Metrics } from "../obs/metrics.js";
import { CloseCode, closeReason } from "./close-codes.js";
import { encodeAwarenessMessage, encodeSyncStep1 } from "./protocol.js";
import { fillBuckets, type RateLimits, type TokenBuckets, takeTokens } from "./rate-limiter.js";
import type { Room, RoomPeer } from "./room.js";
import type { DecodedUpdate } from "./validate-update.js";
import { binaryFrameStart } from "./ws-frame.js";

/** Who is on a connection. Listeners get the connection itself, read-only: do not keep it. */
export interface ConnectionInfo {
  readonly id: number;
  readonly room: string;
  readonly orgId: string;
  readonly userId: string;
}

/** What a connection needs of the relay that admitted it. */
export interface ConnectionHost {
  readonly options: { readonly clock: Clock; readonly logger: Logger; readonly metrics: Metrics };
  readonly limits: RateLimits & { readonly maxBufferedBytes: number };
  /** Handles one frame of `conn` for its loaded room; never throws. */
  processContained(conn: Connection, room: Room, frame: Uint8Array): void;
  /** Forgets a closed connection. */
  detachConnection(conn: Connection): void;
}

/**
 * Updates one connection may hold back because their predecessors have not come yet (a stock
 * client sends an edit made as its socket opens before its sync step 2 carries the offline
 * edits it follows): at most this many, of at most this many bytes in all, then 4412.
 */
const HELD_UPDATES_MAX = 32;
const HELD_BYTES_MAX = 256 * 1024;

// Listeners shared by every admitted socket; `ws` types their `this` as its base class, and
// they are only ever added to Connections.

export function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as Connection).onFrame(data, isBinary);
}

export function onSocketError(this: WebSocket, err: Error & { code?: string }): void {
  const conn = this as Connection;
  const reason = err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? "frameTooLarge" : (err.code ?? "socket-error");
  const { metrics, logger } = conn.relay.options;
  metrics.close(reason);
  logger.log("warn", "relay.socket_error", { room: conn.room, reason });
}

export function onSocketClose(this: WebSocket): void {
  const conn = this as Connection;
  conn.relay.detachConnection(conn);
}

/** The part of a `net.Socket` the relay writes prepared frames with. */
interface TcpSocket {
  write(chunk: Uint8Array, done?: () => void): boolean;
  cork(): void;
  uncork(): void;
}

/**
 * One socket: `ws`'s WebSocket with the relay's per-connection state in the same object (the
 * relay's `WebSocketServer` builds every socket with this class), since it exists once per
 * open socket. Its fields are set by {@link Connection.admitted}; a refused socket keeps the
 * initial values and is closed at once. Implements {@link RoomPeer} for the registry and
 * {@link ConnectionInfo} for connect and disconnect listeners.
 */
export class Connection extends WebSocket implements RoomPeer, ConnectionInfo, TokenBuckets {
  relay!: ConnectionHost;
  id = 0;
  room = "";
  orgId = "";
  userId = "";
  /** The session the socket was admitted under, if any (see `LiveSessions`). */
  sessionId: string | undefined = undefined;
  /** The room once loaded; frames that arrive before it are kept in `queued`. */
  loaded: Room | undefined = undefined;
  private queued: Uint8Array[] | undefined = undefined;
  /** Updates waiting for their predecessors (see `HELD_UPDATES_MAX`), and their bytes. */
  held: { update: Uint8Array; decoded: DecodedUpdate }[] | undefined = undefined;
  private heldBytes = 0;
  /** Closes the socket if it sends nothing after admission (cleared by its first frame). */
  silentTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  messageTokens = 0;
  byteTokens = 0;
  refilledAt = 0;
  /**
   * Bytes of messages larger than the slow-consumer limit that are written but not yet flushed
   * to the kernel (a large room's initial sync, a first sync's update). They are allowed on top
   * of the limit: the server chose to send them, and they exist in memory anyway; counting them
   * would close every device that joins a large room while it is busy, before its answer drains.
   */
  private oversized = 0;

  admitted(relay: ConnectionHost, id: number, room: string, orgId: string, userId: string, now: number): void {
    this.relay = relay;
    this.id = id;
    this.room = room;
    this.orgId = orgId;
    this.userId = userId;
    fillBuckets(this, relay.limits, now);
  }

  /** Holds an update back until its predecessors come; false when over the budget. */
  hold(update: Uint8Array, decoded: DecodedUpdate): boolean {
    const held = this.held ?? [];
    if (held.length >= HELD_UPDATES_MAX || this.heldBytes + update.length > HELD_BYTES_MAX) return false;
    // The frame's bytes may be reused by `ws` once this returns: keep a copy.
    held.push({ update: update.slice(), decoded });
    this.held = held;
    this.heldBytes += update.length;
    return true;
  }

  /** Takes every held update, oldest first (those still waiting are held again). */
  takeHeld(): { update: Uint8Array; decoded: DecodedUpdate }[] {
    const held = this.held ?? [];
    this.held = undefined;
    this.heldBytes = 0;
    return held;
  }

  /** Open, not closing: frames are processed and messages sent only then. */
  get open(): boolean {
    return this.readyState === WebSocket.OPEN;
  }

  attach(room: Room): void {
    this.loaded = room;
    room.peers.add(this);
    this.deliver(encodeSyncStep1(room.doc));
    const live = room.awareness.live();
    if (live.length > 0) this.deliver(encodeAwarenessMessage(live));
    const queued = this.queued;
    this.queued = undefined;
    for (const f of queued ?? []) {
      if (!this.open) return;
      this.relay.processContained(this, room, f);
    }
  }

  onFrame(data: RawData, isBinary: boolean): void {
    if (!this.open) return;
    const { metrics, clock, logger } = this.relay.options;
    const frame = toBytes(data);
    metrics.messagesIn++;
    metrics.bytesIn += frame.length;
    if (!takeTokens(this, this.relay.limits, frame.length, clock.now())) {
      logger.log("warn", "relay.rate_limited", { room: this.room });
      this.evict(CloseCode.rateLimited, "rate limit");
      return;
    }
    if (!isBinary) {
      logger.log("warn", "relay.frame_rejected", { room: this.room, reason: "text-frame" });
      this.evict(CloseCode.malformedFrame, "text frame");
      return;
    }
    if (this.silentTimer !== undefined) {
      clearTimeout(this.silentTimer);
      this.silentTimer = undefined;
    }
    if (this.loaded) this.relay.processContained(this, this.loaded, frame);
    else if (this.queued) this.queued.push(frame);
    else this.queued = [frame];
  }

  deliver(bytes: Uint8Array): void {
    if (!this.keepsUp()) return;
    this.send(bytes, { binary: true }, this.flushed(bytes.length));
  }

  deliverFramed(frame: Uint8Array, bytes: Uint8Array): void {
    // Writing a prepared frame to the socket is what `ws` itself does for an uncompressed
    // message (permessage-deflate is off on this server), minus re-framing per socket.
    // Writes stay in call order with `send`, which also writes synchronously.
    const socket = this.tcp();
    if (socket === undefined) this.deliver(bytes);
    else if (this.keepsUp()) socket.write(frame, this.flushed(frame.length));
  }

  deliverParts(head: Uint8Array, body: Uint8Array): void {
    const socket = this.tcp();
    if (socket === undefined) {
      this.deliver(Buffer.concat([head, body]));
      return;
    }
    if (!this.keepsUp()) return;
    const start = binaryFrameStart(head, body.length);
    // One frame in two writes, corked into one: `body` goes to the socket uncopied.
    socket.cork();
    socket.write(start);
    socket.write(body, this.flushed(start.length + body.length));
    socket.uncork();
  }

  /** `ws`'s TCP socket (`_socket`, not in its typings), if it is one this class can write to. */
  private tcp(): TcpSocket | undefined {
    const socket = (this as unknown as { _socket?: Partial<TcpSocket> })._socket;
    return typeof socket?.write === "function" && typeof socket.cork === "function" ? (socket as TcpSocket) : undefined;
  }

  /**
   * Whether the socket is open and within its unsent-output limit; closes it as a slow consumer
   * when it is over.
   */
  private keepsUp(): boolean {
    if (!this.open) return false;
    if (this.bufferedAmount <= this.relay.limits.maxBufferedBytes + this.oversized) return true;
    this.evict(CloseCode.slowConsumer, "slow consumer");
    return false;
  }

  /**
   * For a message of `size` bytes about to be written: a message over the limit is counted in
   * `oversized` until it is flushed, and the returned callback (for the write) uncounts it.
   */
  private flushed(size: number): (() => void) | undefined {
    if (size <= this.relay.limits.maxBufferedBytes) return undefined;
    this.oversized += size;
    return () => {
      this.oversized -= size;
    };
  }

  evict(code: number, reason: string): void {
    if (!this.open) return;
    this.relay.options.metrics.close(closeReason(code));
    this.close(code, reason);
  }
}

/** Normalises a `ws` payload to one Uint8Array (the only place frames are converted). */
function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
