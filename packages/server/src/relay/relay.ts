/**
 * The websocket side of the relay: admits `/sync/<room>?ticket=…` upgrades, and moves bytes
 * between sockets and the {@link RoomRegistry}.
 *
 * Invariants:
 * - Admission happens before any document is loaded: the ticket is consumed and checked
 *   against the room (`book:<org>:<user>` of the ticket owner); a refused socket is upgraded
 *   only to be closed at once with a distinct close code (see `close-codes.ts`) and a log line.
 *   A ticket the store no longer knows is reported as expired when the expiry its value
 *   carries has passed (the store forgets tickets once expired), as unknown otherwise.
 * - Frames are normalised to `Uint8Array` once, here; everything past this file sees bytes.
 * - A bad frame, a rate-limit breach or a slow reader closes that socket only.
 * - No module state: everything hangs off a `Relay` instance built by the composition root.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { bookRoomName } from "@tandem/engine";
import { WebSocketServer, type Server as WsServer } from "ws";
import type { Clock } from "../clock.js";
import type { Logger } from "../obs/logger.js";
import type { Metrics } from "../obs/metrics.js";
import type { Admission, Admit, LiveSessions } from "./admit.js";
import { CloseCode, closeReason } from "./close-codes.js";
import {
  Connection,
  type ConnectionHost,
  type ConnectionInfo,
  onSocketClose,
  onSocketError,
  onSocketMessage,
} from "./connection.js";
import { encodeAwarenessMessage, ProtocolError, type ProtocolLimits, parseClientMessage } from "./protocol.js";
import type { Room } from "./room.js";
import { dropPending, RoomFailedError, RoomQuarantinedError, type RoomRegistry } from "./room-registry.js";
import { type DecodedUpdate, defaultUpdateLimits } from "./validate-update.js";
import { checkDeviceUpdate, noteAccepted } from "./write-check.js";

/** Per-connection limits. */
export interface RelayLimits extends ProtocolLimits {
  /** Largest websocket frame accepted, in bytes (default 1 MiB); larger closes with 1009. */
  readonly maxFrameBytes: number;
  /** Sustained messages per second per connection (default 200) and burst (default 1 000). */
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** Sustained bytes per second per connection (default 2 MiB) and burst (default 8 MiB). */
  readonly bytesPerSecond: number;
  readonly byteBurst: number;
  /** Outgoing bytes buffered for one socket before it is closed as a slow consumer (default 16 MiB). */
  readonly maxBufferedBytes: number;
  /** Open connections one user may hold at once (default 32); one more is closed with 4430. */
  readonly maxConnectionsPerUser: number;
  /** How long an admitted connection may send nothing before it is closed with 4408 (default 10 s). */
  readonly silentMs: number;
}

/** Default limits. */
export const defaultRelayLimits: RelayLimits = {
  maxFrameBytes: 1024 * 1024,
  messagesPerSecond: 200,
  messageBurst: 1000,
  bytesPerSecond: 2 * 1024 * 1024,
  byteBurst: 8 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxAwarenessStateBytes: 16 * 1024,
  maxAwarenessEntries: 16,
  ...defaultUpdateLimits,
  maxConnectionsPerUser: 32,
  silentMs: 10_000,
};

/** Options of {@link Relay}. */
export interface RelayOptions {
  readonly registry: RoomRegistry;
  /** Decides from a socket's ticket whether it may join the room (auth's `createTicketAdmission`). */
  readonly admit: Admit;
  /** Which sessions still exist (auth's `createLiveSessions`); checked every `sessionSweepMs`. */
  readonly liveSessions?: LiveSessions | undefined;
  /** How often admitted sockets' sessions are checked (ms). Default 30 000. */
  readonly sessionSweepMs?: number | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly limits?: Partial<RelayLimits> | undefined;
  /** URL path prefix of the websocket endpoint. Default `/sync`. */
  readonly path?: string | undefined;
  /**
   * Whether device updates pass the write check (`write-check.ts`). Default true; false only
   * to measure the check's cost in a benchmark: without it, any device can rewrite the book.
   */
  readonly checkWrites?: boolean | undefined;
}

/** An admission, with the requested room on a refusal (for the log line). */
type Verdict =
  | Extract<Admission, { ok: true }>
  | (Extract<Admission, { ok: false }> & { readonly room?: string | undefined });

export type { ConnectionInfo } from "./connection.js";

/** The websocket relay. */
export class Relay implements ConnectionHost {
  readonly limits: RelayLimits;
  private readonly wss: WsServer<typeof Connection>;
  /** Every admitted, open connection, by (org, user). */
  private readonly byUser = new Map<string, Set<Connection>>();
  private count = 0;
  private readonly connectListeners = new Set<(info: ConnectionInfo) => void>();
  private readonly disconnectListeners = new Set<(info: ConnectionInfo) => void>();
  private nextId = 1;
  private readonly path: string;
  private readonly sweep: ReturnType<typeof setInterval> | undefined;

  constructor(readonly options: RelayOptions) {
    this.limits = { ...defaultRelayLimits, ...options.limits };
    this.path = options.path ?? "/sync";
    const live = options.liveSessions;
    if (live) {
      this.sweep = setInterval(() => void this.closeEnded(live), options.sessionSweepMs ?? 30_000);
      this.sweep.unref?.();
    }
    this.wss = new WebSocketServer<typeof Connection>({
      noServer: true,
      maxPayload: this.limits.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
      // Each socket is built as a Connection: one object per connection, relay state included.
      WebSocket: Connection,
    });
  }

  /** Number of admitted, open connections. */
  get connectionCount(): number {
    return this.count;
  }

  /** Calls `listener` each time a connection is admitted to a room (after its room is loaded). */
  onConnect(listener: (info: ConnectionInfo) => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  /** Calls `listener` each time an admitted connection closes. */
  onDisconnect(listener: (info: ConnectionInfo) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  /** Closes every socket of (org, user) with `code`; returns how many were closed. */
  closeUser(orgId: string, userId: string, code: number = CloseCode.revoked, reason = "revoked"): number {
    const set = this.byUser.get(userKey(orgId, userId));
    if (!set) return 0;
    const conns = [...set];
    for (const c of conns) c.evict(code, reason);
    return conns.length;
  }

  /**
   * Closes every socket admitted with `sessionId` (one device's logout) with `code`; returns
   * how many were closed. Other instances close theirs at their periodic session check.
   */
  closeSession(sessionId: string, code: number = CloseCode.revoked, reason = "signed out"): number {
    const conns: Connection[] = [];
    for (const set of this.byUser.values()) for (const c of set) if (c.sessionId === sessionId) conns.push(c);
    for (const c of conns) c.evict(code, reason);
    return conns.length;
  }

  /** Closes (4001) every socket whose session no longer exists. */
  private async closeEnded(live: LiveSessions): Promise<void> {
    const bySession = new Map<string, Connection[]>();
    for (const set of this.byUser.values()) {
      for (const c of set) {
        if (c.sessionId === undefined) continue;
        const list = bySession.get(c.sessionId) ?? [];
        list.push(c);
        bySession.set(c.sessionId, list);
      }
    }
    if (bySession.size === 0) return;
    let alive: ReadonlySet<string>;
    try {
      alive = await live([...bySession.keys()]);
    } catch (err) {
      this.options.logger.log("warn", "relay.session_sweep_failed", { error: errorName(err) });
      return;
    }
    for (const [id, conns] of bySession) {
      if (alive.has(id)) continue;
      for (const c of conns) c.evict(CloseCode.revoked, "revoked");
    }
  }

  /**
   * Handles an HTTP upgrade; returns false (and does nothing) when the path is not the relay's.
   * @remarks Wire it to `server.on("upgrade", …)`.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const rawUrl = req.url ?? "/";
    if (!rawUrl.startsWith(`${this.path}/`)) return false;
    // Until `ws` takes the socket over (it adds its own error handler), an error destroys it.
    socket.on("error", destroyOnError);
    this.admit(req, socket, head, rawUrl).catch((err: unknown) => {
      this.options.logger.log("error", "relay.admit_failed", { error: errorName(err) });
      socket.destroy();
    });
    return true;
  }

  /** Closes every connection (1001) and stops accepting. */
  close(): void {
    if (this.sweep) clearInterval(this.sweep);
    for (const set of [...this.byUser.values()]) {
      for (const c of [...set]) c.evict(CloseCode.goingAway, "server shutting down");
    }
    this.wss.close();
  }

  private async admit(req: IncomingMessage, socket: Duplex, head: Buffer, rawUrl: string): Promise<void> {
    const verdict = await this.check(rawUrl);
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off("error", destroyOnError);
      if (!verdict.ok) {
        const reason = closeReason(verdict.code);
        this.options.metrics.reject(reason);
        // The requested room is text from the URL: logged only when it is the ticket owner's
        // own book (the name is then made of ids), else only its length.
        const own = verdict.orgId !== undefined && verdict.room === bookRoomName(verdict.orgId, verdict.userId ?? "");
        this.options.logger.log("warn", "relay.rejected", {
          reason,
          closeCode: verdict.code,
          ...(own ? { room: verdict.room } : { roomLength: verdict.room?.length }),
          orgId: verdict.orgId,
          userId: verdict.userId,
        });
        // A refused socket can still report a protocol error (frames sent before our close
        // arrives); `ws` emits it as an event, which would throw with no listener.
        ws.on("error", ignoreError);
        ws.close(verdict.code, reason);
        return;
      }
      this.accept(ws, verdict);
    });
  }

  private async check(rawUrl: string): Promise<Verdict> {
    const q = rawUrl.indexOf("?");
    const pathPart = q === -1 ? rawUrl : rawUrl.slice(0, q);
    let room: string;
    try {
      room = decodeURIComponent(pathPart.slice(this.path.length + 1));
    } catch {
      return { ok: false, code: CloseCode.badRequest };
    }
    if (room.length === 0 || room.length > 256 || room.includes("/") || hasControlChar(room)) {
      return { ok: false, code: CloseCode.badRequest };
    }
    const ticket = q === -1 ? null : new URLSearchParams(rawUrl.slice(q + 1)).get("ticket");
    const verdict = await this.options.admit(room, ticket);
    return verdict.ok ? verdict : { ...verdict, room };
  }

  private accept(
    conn: Connection,
    v: { orgId: string; userId: string; room: string; sessionId?: string | undefined },
  ): void {
    const { metrics, registry, logger, clock } = this.options;
    // The loaded room's own name, rather than this connection's copy parsed from its URL.
    conn.admitted(this, this.nextId++, registry.get(v.room)?.name ?? v.room, v.orgId, v.userId, clock.now());
    conn.sessionId = v.sessionId;
    const key = userKey(v.orgId, v.userId);
    let set = this.byUser.get(key);
    if ((set?.size ?? 0) >= this.limits.maxConnectionsPerUser) {
      metrics.reject(closeReason(CloseCode.tooManyConnections));
      logger.log("warn", "relay.rejected", { reason: "tooManyConnections", room: v.room });
      conn.on("error", ignoreError);
      conn.close(CloseCode.tooManyConnections, "too many connections");
      return;
    }
    if (!set) {
      set = new Set();
      this.byUser.set(key, set);
    }
    set.add(conn);
    conn.silentTimer = setTimeout(() => {
      conn.silentTimer = undefined;
      logger.log("warn", "relay.silent", { room: v.room, conn: conn.id });
      conn.evict(CloseCode.silent, "silent");
    }, this.limits.silentMs);
    conn.silentTimer.unref?.();
    metrics.connections = ++this.count;

    // Handlers shared by every socket (`this` is the socket), not closures per connection.
    conn.on("message", onSocketMessage);
    conn.on("error", onSocketError);
    conn.on("close", onSocketClose);

    registry.acquire(v.room).then(
      (room) => {
        if (!conn.open) {
          registry.release(room);
          return;
        }
        conn.attach(room);
        for (const l of this.connectListeners) l(conn);
      },
      (err: unknown) => {
        if (err instanceof RoomQuarantinedError) conn.evict(CloseCode.roomQuarantined, "room quarantined");
        else if (err instanceof RoomFailedError) conn.evict(CloseCode.roomFailure, "room failure");
        else {
          logger.log("error", "relay.room_load_failed", { room: v.room, error: errorName(err) });
          conn.evict(CloseCode.storeFailure, "room unavailable");
        }
      },
    );
  }

  /** @internal The socket of `conn` closed. */
  detachConnection(conn: Connection): void {
    if (conn.silentTimer !== undefined) clearTimeout(conn.silentTimer);
    const key = userKey(conn.orgId, conn.userId);
    const set = this.byUser.get(key);
    if (!set?.delete(conn)) return;
    if (set.size === 0) this.byUser.delete(key);
    this.options.metrics.connections = --this.count;
    const room = conn.loaded;
    if (room) {
      room.peers.delete(conn);
      this.options.registry.queueAwareness(room, room.awareness.dropOwner(conn));
      this.options.registry.release(room);
      for (const l of this.disconnectListeners) l(conn);
    }
  }

  /**
   * Checks and applies one update of `conn`: `"done"` when it was applied or its socket closed,
   * `"held"` when it waits for its predecessors (within the connection's small budget; it is
   * checked again after each update of the connection that applies, and never merged).
   */
  private takeUpdate(conn: Connection, room: Room, update: Uint8Array, decoded: DecodedUpdate): "done" | "held" {
    const { registry, logger, metrics } = this.options;
    if (this.options.checkWrites !== false) {
      const verdict = checkDeviceUpdate(room.doc, room.guard, decoded);
      if (!verdict.ok) {
        if (verdict.holdable && conn.hold(update, decoded)) return "held";
        const code = verdict.kind === "missing" ? CloseCode.missingPredecessors : CloseCode.writeForbidden;
        metrics.writeRefused(verdict.kind);
        logger.log("warn", "relay.write_refused", {
          room: room.name,
          conn: conn.id,
          reason: verdict.reason,
          closeCode: code,
        });
        conn.evict(code, verdict.kind === "missing" ? "missing predecessors" : "write forbidden");
        return "done";
      }
    }
    if (!registry.submit(room, update, conn)) {
      logger.log("warn", "relay.frame_rejected", {
        room: room.name,
        reason: "update-not-applicable",
        closeCode: CloseCode.malformedFrame,
      });
      conn.evict(CloseCode.malformedFrame, "malformed");
      return "done";
    }
    noteAccepted(room.guard, decoded);
    // The write check leaves nothing pending; should it ever, the room must not hold it.
    if (dropPending(room.doc)) logger.log("error", "room.pending_dropped", { room: room.name, conn: conn.id });
    return "done";
  }

  /** Applies, in order, the held updates of `conn` that now pass, until none does. */
  private retryHeld(conn: Connection, room: Room): void {
    for (let progress = true; progress && conn.open; ) {
      progress = false;
      for (const h of conn.takeHeld()) {
        if (!conn.open) return;
        if (this.takeUpdate(conn, room, h.update, h.decoded) === "done") progress = true;
      }
    }
  }

  /**
   * @internal Handles one frame of `conn`; a throw from handling it (a bug: every expected
   * refusal is a close code) closes that socket with 4500 and is logged, never escapes.
   */
  processContained(conn: Connection, room: Room, frame: Uint8Array): void {
    try {
      this.process(conn, room, frame);
    } catch (err) {
      this.options.logger.log("error", "relay.frame_failed", { room: room.name, conn: conn.id, error: errorName(err) });
      conn.evict(CloseCode.roomFailure, "internal error");
    }
  }

  private process(conn: Connection, room: Room, frame: Uint8Array): void {
    const { registry, logger } = this.options;
    let msg: ReturnType<typeof parseClientMessage>;
    try {
      msg = parseClientMessage(frame, this.limits);
    } catch (err) {
      if (err instanceof ProtocolError) {
        const code =
          err.kind === "unknown-type"
            ? CloseCode.unknownMessageType
            : err.kind === "awareness-too-large"
              ? CloseCode.awarenessTooLarge
              : err.kind === "update-too-large"
                ? CloseCode.updateTooLarge
                : CloseCode.malformedFrame;
        logger.log("warn", "relay.frame_rejected", { room: room.name, reason: err.reason, closeCode: code });
        conn.evict(code, err.kind);
        return;
      }
      throw err;
    }
    switch (msg.type) {
      case "sync-step1":
        registry.answerStep1(room, msg.stateVector, conn);
        return;
      case "sync-step2":
      case "update": {
        // The empty update (no structs, empty delete set) is what a client in sync answers.
        if (msg.update.length === 2 && msg.update[0] === 0 && msg.update[1] === 0) return;
        if (this.takeUpdate(conn, room, msg.update, msg.decoded) === "held") return;
        // What this connection held may apply now that its predecessors came.
        if (conn.held !== undefined) this.retryHeld(conn, room);
        return;
      }
      case "awareness":
        registry.queueAwareness(room, room.awareness.apply(msg.entries, conn));
        return;
      case "query-awareness":
        conn.deliver(encodeAwarenessMessage(room.awareness.live()));
        return;
    }
  }
}

function ignoreError(): void {}

/** A log-safe label of an error: its name, never its message (which may quote content). */
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

function userKey(orgId: string, userId: string): string {
  return `${orgId}\u0000${userId}`;
}
