/**
 * The composition root of the server: wires injected services (store, clock, logger, org
 * OAuth config, token key, room registry) into the Hono app, the websocket relay and one
 * Node HTTP server.
 *
 * Nothing here reads the environment; the CLI does that and passes plain options. The sync
 * supervisor runs one worker per signed-in book beside the relay: started at sign-in,
 * resumed for every stored grant at start, told about device connections, stopped on
 * revocation (a device's logout ends that device's session only).
 *
 * The HTTP server gives every connection `authDeadlineMs` to start talking: one that has sent
 * no byte by then is destroyed (Node's `headersTimeout` covers only a request that has
 * begun); one that began a request must finish its headers within the same deadline (408).
 * Error log lines name the route pattern and the error's class, never the request's path or
 * an error message (either may carry text the device wrote).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { ExtraFieldConfig } from "@tandem/engine";
import { Hono } from "hono";
import { createLiveSessions, createTicketAdmission } from "./auth/admission.js";
import { AuthService, roomOf } from "./auth/auth-service.js";
import type { FetchLike } from "./auth/oauth-client.js";
import type { OrgConfig } from "./auth/org-config.js";
import { TokenCipher } from "./auth/token-cipher.js";
import { type Clock, systemClock } from "./clock.js";
import { createAuthRoutes } from "./http/auth-routes.js";
import { createHealthRoutes, type ReadinessCheck } from "./http/health.js";
import { securityHeaders } from "./http/security-headers.js";
import { staticFiles } from "./http/static-files.js";
import { createSyncRoutes } from "./http/sync-routes.js";
import { createJsonLogger, type Logger } from "./obs/logger.js";
import { Metrics } from "./obs/metrics.js";
import { type ConnectionInfo, Relay, type RelayLimits } from "./relay/relay.js";
import { type PeerInstances, RoomRegistry } from "./relay/room-registry.js";
import type { Store } from "./store/store.js";
import type { WorkerLeases } from "./sync/lease-keeper.js";
import { type PushHandle, type PushOptions, pushSetupOf, safetyNetTrigger, startPush } from "./sync/push-options.js";
import { SyncMetrics } from "./sync/sync-metrics.js";
import { SyncSupervisor, type SyncSupervisorOptions, type WorkerTokens } from "./sync/sync-supervisor.js";

/** Options of {@link startTandemServer}. */
export interface TandemServerOptions {
  /** The store (injected; the caller owns and closes it). */
  readonly store: Store;
  /** The org users sign into. */
  readonly org: OrgConfig;
  /** The 32-byte AES-256-GCM key sealing refresh tokens (kept outside the store). */
  readonly tokenKey: Uint8Array;
  /** Where events go. Default JSON lines on stderr at `info`. */
  readonly logger?: Logger | undefined;
  /** The clock of sessions, tickets and rate limits. Default {@link systemClock}. */
  readonly clock?: Clock | undefined;
  /** The metrics registry `/metrics` serves. Default a new one. */
  readonly metrics?: Metrics | undefined;
  /**
   * Other instances serving the same rooms (scale-out): a bus to them; the store's room logs
   * must then be shared (PostgreSQL). Ignored when `rooms` is given.
   */
  readonly peers?: PeerInstances | undefined;
  /**
   * The book leases of instances sharing the books (scale-out, on the shared store): exactly one
   * instance's worker runs each book, and its writes are fenced.
   */
  readonly leases?: WorkerLeases | undefined;
  /** A room registry to use (must share `store` and `metrics`); built from the options below when absent. */
  readonly rooms?: RoomRegistry | undefined;
  /** Idle-room grace period (ms). Default 30 000. */
  readonly idleGraceMs?: number | undefined;
  /** A room's log is due for compaction after this many records. Default 256. */
  readonly compactAfterRecords?: number | undefined;
  /** A due room is compacted after this long without a commit, or when it unloads (ms). Default 1 000. */
  readonly compactQuietMs?: number | undefined;
  /** Relay limits (frame sizes, rates, connections), each defaulting to {@link defaultRelayLimits}. */
  readonly limits?: Partial<RelayLimits> | undefined;
  /** Whether device updates pass the relay's write check. Default true; false only in benchmarks. */
  readonly checkWrites?: boolean | undefined;
  /**
   * Deadline for a connection's first byte and for its HTTP headers, including the websocket
   * upgrade (ms): a connection silent that long is destroyed, one with unfinished headers
   * answered 408. Default 10 000.
   */
  readonly authDeadlineMs?: number | undefined;
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number | undefined;
  /** Host to bind. Default `127.0.0.1`. */
  readonly host?: string | undefined;
  /** Public base URL (for the OAuth redirect and cookies); defaults to the listening URL. */
  readonly publicUrl?: string | undefined;
  /** A built web client to serve, with SPA fallback, when the directory exists. */
  readonly staticDir?: string | undefined;
  /** `fetch` for OAuth calls (tests). */
  readonly fetch?: FetchLike | undefined;
  /** Backends `/readyz` checks (PostgreSQL, Redis); none for the embedded store. */
  readonly readiness?: readonly ReadinessCheck[] | undefined;
  /** More Prometheus text appended to `/metrics` (e.g. sync-worker metrics), called per scrape. */
  readonly extraMetrics?: readonly (() => string)[] | undefined;
  /**
   * How often admitted sockets' sessions are checked (ms): a socket whose session is gone (a
   * revocation on another instance whose signal was lost) is closed with 4001. Default 30 000.
   */
  readonly sessionSweepMs?: number | undefined;
  /** Session and ticket lifetimes (ms). */
  readonly sessionTtlMs?: number | undefined;
  /** Sync ticket lifetime (ms). Default 30 s. */
  readonly ticketTtlMs?: number | undefined;
  /**
   * Most live (unexpired, unused) sync tickets one (org, user) may hold; `POST /api/sync-ticket`
   * answers 429 beyond it. Default 32 (`DEFAULT_MAX_LIVE_TICKETS_PER_USER`).
   */
  readonly maxLiveTicketsPerUser?: number | undefined;
  /**
   * Users of an embedded demo org, listed by `GET /api/demo-users` for one-click sign-in
   * (usernames and names only). Empty for a real org.
   */
  readonly demoUsers?: ReadonlyArray<{ readonly username: string; readonly name: string }> | undefined;
  /** Sync workers (on by default); `false` runs the relay alone. */
  readonly sync?: SyncOptions | false | undefined;
}

/** Options of the sync workers. */
export interface SyncOptions {
  readonly trigger?: SyncSupervisorOptions["trigger"];
  readonly activityWindowDays?: number | undefined;
  /** Fields synced beyond the book's shapes, per object (`--fields`); each is checked against the user's describe. */
  readonly extraFields?: ExtraFieldConfig | undefined;
  readonly apiVersion?: string | undefined;
  /** Jitter source for backoff. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** Builds a user's Salesforce port (tests); default the jsforce adapter. */
  readonly createPort?: SyncSupervisorOptions["createPort"];
  /** Push: the org's change subscriber (scaled out: on the instance holding the org's push lease). */
  readonly push?: PushOptions | undefined;
}

/** A running server. */
export interface TandemServer {
  /** `http://host:port` */
  readonly url: string;
  /** The port it listens on (the one picked when started with port 0). */
  readonly port: number;
  /** The HTTP routes, for `app.request()` in tests. */
  readonly app: Hono;
  /** The websocket relay. */
  readonly relay: Relay;
  /** The rooms (one per book) and their documents. */
  readonly rooms: RoomRegistry;
  /** Sign-in, sessions, tickets and tokens. */
  readonly auth: AuthService;
  /** The metrics `/metrics` serves. */
  readonly metrics: Metrics;
  /** The Node HTTP server. */
  readonly http: Server;
  /** Revokes (org, user): sessions, token, sockets (closed with 4001), and refuses tickets already issued (4001). */
  revokeUser(orgId: string, userId: string): Promise<void>;
  /** The sync workers, unless started with `sync: false`. */
  readonly sync: SyncSupervisor | undefined;
  /** Push (the change subscriber), when configured. */
  readonly push: PushHandle | undefined;
  /** Subscribes to admitted connections. */
  onConnect(listener: (info: ConnectionInfo) => void): () => void;
  /** Stops accepting, closes sockets (1001), commits what is queued and unloads rooms. Does not close the store. */
  close(): Promise<void>;
}

/**
 * Starts the server.
 * @example
 * const server = await startTandemServer({ store: createMemoryStore(), org, tokenKey: randomBytes(32) });
 * console.log(server.url);
 */
export async function startTandemServer(o: TandemServerOptions): Promise<TandemServer> {
  const logger = o.logger ?? createJsonLogger((l) => process.stderr.write(l));
  const clock = o.clock ?? systemClock;
  const metrics = o.metrics ?? new Metrics();
  const rooms =
    o.rooms ??
    new RoomRegistry({
      store: o.store,
      metrics,
      logger,
      idleGraceMs: o.idleGraceMs,
      compactAfterRecords: o.compactAfterRecords,
      compactQuietMs: o.compactQuietMs,
      peers: o.peers,
    });
  const auth = new AuthService({
    store: o.store,
    clock,
    logger,
    org: o.org,
    cipher: new TokenCipher(o.tokenKey),
    fetch: o.fetch,
    sessionTtlMs: o.sessionTtlMs,
    ticketTtlMs: o.ticketTtlMs,
    maxLiveTicketsPerUser: o.maxLiveTicketsPerUser,
  });
  const relay = new Relay({
    registry: rooms,
    admit: createTicketAdmission({ store: o.store, clock }),
    liveSessions: createLiveSessions({ store: o.store, clock }),
    sessionSweepMs: o.sessionSweepMs,
    clock,
    logger,
    metrics,
    limits: o.limits,
    checkWrites: o.checkWrites,
  });
  auth.onRevoke((orgId, userId) => relay.closeUser(orgId, userId));
  // One device's logout closes that session's sockets here; other instances close theirs at
  // their periodic session check (`sessionSweepMs`).
  auth.onSessionEnd(({ sessionId }) => relay.closeSession(sessionId));

  const syncMetrics = new SyncMetrics();
  const sync = o.sync === false ? undefined : (o.sync ?? {});
  const pushSetup = pushSetupOf(sync?.push, { leases: o.leases, bus: o.peers?.bus, store: o.store }, logger);
  const workerTokens = workerTokensOf(auth, o.store);
  const supervisor =
    sync === undefined
      ? undefined
      : createSupervisor(o, sync, {
          rooms,
          tokens: workerTokens,
          clock,
          logger,
          metrics: syncMetrics,
          push: pushSetup?.options,
        });
  if (supervisor) {
    auth.onLogin((orgId, userId) => supervisor.ensure(orgId, userId));
    auth.onRevoke((orgId, userId) => {
      supervisor.stop(orgId, userId, "revoked").catch((err: unknown) => {
        logger.log("error", "sync.stop_failed", { message: String(err) });
      });
    });
    relay.onConnect((info) => {
      supervisor.connected(info.room);
      // The instance holding the book's lease hears of devices connected to the others.
      if (supervisor.status(info.room)?.state === "standby") {
        rooms.signalPeers(info.room, { name: "device-connected", orgId: info.orgId, userId: info.userId });
      }
    });
    relay.onDisconnect((info) => supervisor.disconnected(info.room));
  }
  // Scaled out: a revocation (sign out everywhere, invalid_grant) reaches the user's sockets and workers on every instance.
  auth.onRevoke((orgId, userId) => rooms.signalPeers(roomOf(orgId, userId), { name: "revoked", orgId, userId }));
  rooms.listen({
    onSignal: (room, signal) => {
      if (room !== roomOf(signal.orgId, signal.userId)) return;
      if (signal.name === "revoked") {
        relay.closeUser(signal.orgId, signal.userId);
        supervisor?.stop(signal.orgId, signal.userId, "revoked").catch((err: unknown) => {
          logger.log("error", "sync.stop_failed", { message: String(err) });
        });
      } else if (signal.name === "device-connected") supervisor?.connected(room);
      else void supervisor?.worker(room)?.syncNow();
    },
  });

  const deadline = o.authDeadlineMs ?? 10_000;
  let handler: ReturnType<typeof getRequestListener> | undefined;
  const http = createServer(
    {
      headersTimeout: deadline,
      requestTimeout: Math.max(deadline, 30_000),
      connectionsCheckingInterval: Math.min(1000, deadline),
    },
    (req, res) => {
      if (handler) void handler(req, res);
      else res.writeHead(503).end();
    },
  );
  http.on("connection", (socket: Socket) => destroyIfSilent(socket, deadline));
  http.on("upgrade", (req, socket, head) => {
    if (!relay.handleUpgrade(req, socket, head)) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(o.port ?? 0, o.host ?? "127.0.0.1", () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const host = o.host === undefined || o.host === "0.0.0.0" || o.host === "::" ? "127.0.0.1" : o.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const publicUrl = o.publicUrl ?? url;

  const app = new Hono();
  app.use("*", securityHeaders(publicUrl.replace(/^http/, "ws")));
  app.route("/", createHealthRoutes(o.readiness));
  let push: PushHandle | undefined;
  const pushStatus = () => push?.status() ?? null;
  app.get("/metrics", (c) =>
    c.text(
      [
        metrics.render(),
        ...(supervisor ? [syncMetrics.render()] : []),
        push?.render() ?? "",
        ...(o.extraMetrics ?? []).map((f) => f()),
      ].join(""),
      200,
      { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    ),
  );
  app.route("/", createAuthRoutes({ auth, logger, publicUrl }));
  app.get("/api/demo-users", (c) => c.json({ users: publicDemoUsers(o.demoUsers) }));
  if (supervisor) app.route("/", createSyncRoutes({ auth, rooms, supervisor, publicUrl, push: pushStatus }));
  if (o.staticDir) app.use("*", staticFiles(o.staticDir));
  app.notFound((c) => c.json({ error: "not_found" }, 404));
  app.onError((err, c) => {
    logger.log("error", "http.error", { method: c.req.method, route: c.req.routePath, error: err.name });
    return c.json({ error: "internal" }, 500);
  });
  handler = getRequestListener(app.fetch);
  if (supervisor) {
    const resumed = await supervisor.resume();
    if (resumed > 0) logger.log("info", "sync.resumed", { workers: resumed });
    if (pushSetup) {
      push = await startPush({
        ...pushSetup,
        supervisor,
        tokens: workerTokens,
        org: o.org,
        apiVersion: sync?.apiVersion,
        logger,
        fallbackScheduleMs: sync?.trigger?.scheduleMs,
      });
      auth.onLogin(push.onLogin);
    }
  }

  return {
    url,
    port,
    app,
    relay,
    rooms,
    auth,
    metrics,
    http,
    revokeUser: (orgId, userId) => auth.revokeUser(orgId, userId),
    onConnect: (listener) => relay.onConnect(listener),
    sync: supervisor,
    get push() {
      return push;
    },
    async close() {
      await push?.close();
      await supervisor?.close();
      relay.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await rooms.close();
    },
  };
}

/**
 * Destroys `socket` when it has sent no byte after `ms`. Node's `headersTimeout` only applies
 * once a request has begun, so without this a connection that never speaks is held open.
 * Once bytes arrived, `headersTimeout` and keep-alive take over, so this never cuts a client
 * that talks.
 */
function destroyIfSilent(socket: Socket, ms: number): void {
  const timer = setTimeout(() => {
    if (socket.bytesRead === 0) socket.destroy();
  }, ms);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

/** The sync workers' view of the stored grants. */
function workerTokensOf(auth: AuthService, store: Store): WorkerTokens {
  return {
    get: (orgId, userId, options) => auth.workerTokens(orgId, userId, options),
    save: (orgId, userId, tokens) => auth.rememberTokens(orgId, userId, tokens),
    owners: () => store.listTokenOwners(),
    revoke: (orgId, userId, reason) => auth.revokeUser(orgId, userId, reason),
  };
}

/** The demo users as `GET /api/demo-users` lists them: usernames and names only. */
function publicDemoUsers(users: TandemServerOptions["demoUsers"]): Array<{ username: string; name: string }> {
  return (users ?? []).map((u) => ({ username: u.username, name: u.name }));
}

/** The sync supervisor over the server's rooms; with push, the workers' schedule is the safety net. */
function createSupervisor(
  o: TandemServerOptions,
  sync: SyncOptions,
  d: {
    readonly rooms: RoomRegistry;
    readonly tokens: WorkerTokens;
    readonly clock: Clock;
    readonly logger: Logger;
    readonly metrics: SyncMetrics;
    readonly push: PushOptions | undefined;
  },
): SyncSupervisor {
  const rooms = d.rooms;
  return new SyncSupervisor({
    rooms: {
      lease: (room, fence) => rooms.lease(room, fence),
      flush: () => rooms.flush(),
      listen: (l) => rooms.listen(l),
      loadedDoc: (room) => rooms.get(room)?.doc,
    },
    tokens: d.tokens,
    org: o.org,
    clock: d.clock,
    random: sync.random ?? Math.random,
    logger: d.logger,
    metrics: d.metrics,
    roomOf,
    trigger: d.push ? safetyNetTrigger(sync.trigger, d.push) : sync.trigger,
    activityWindowDays: sync.activityWindowDays,
    extraFields: sync.extraFields,
    apiVersion: sync.apiVersion,
    createPort: sync.createPort,
    leases: o.leases,
  });
}
