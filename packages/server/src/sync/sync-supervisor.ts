/**
 * The sync supervisor: one {@link BookWorker} per signed-in book, started at sign-in,
 * resumed for every stored grant when the server starts, stopped on revocation (the user's
 * last logout, "sign out everywhere", `invalid_grant`).
 *
 * Invariants: at most one worker per room; a worker acts only with its own user's tokens;
 * a revoked grant stops the worker and revokes the user's sessions and sockets. Push's change
 * notices trigger only the workers that run their book here (scaled out: hold its lease), found
 * through each worker's index of its book's record ids, never through a loaded room.
 */
import type { ExtraFieldConfig, SalesforceId, SalesforcePort, TriggerConfig } from "@tandem/engine";
import { readSalesforceId } from "@tandem/engine";
import { createSalesforcePort, type SalesforceTokens } from "@tandem/salesforce-adapter";
import { logOAuthCode } from "../auth/log-text.js";
import { OAuthError } from "../auth/oauth-client.js";
import type { OrgConfig } from "../auth/org-config.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../obs/logger.js";
import type { ChangeNotice } from "../relay/room-bus.js";
import { BookWorker, WorkerPortError, type WorkerRooms, type WorkerStatus } from "./book-worker.js";
import type { WorkerLeases } from "./lease-keeper.js";
import type { SyncMetrics } from "./sync-metrics.js";

/** Where workers get and keep their user's tokens. */
export interface WorkerTokens {
  /**
   * The user's current tokens; rejects when there is no grant or it was revoked. `fresh`
   * asks the org for a new access token (and its current instance URL) first.
   */
  get(orgId: string, userId: string, options?: { readonly fresh?: boolean | undefined }): Promise<SalesforceTokens>;
  /** Keeps tokens Salesforce refreshed (sealed at rest). */
  save(orgId: string, userId: string, tokens: SalesforceTokens): Promise<void>;
  /** Every (org, user) with a stored grant, to resume their workers. */
  owners(): Promise<ReadonlyArray<{ readonly orgId: string; readonly userId: string }>>;
  /** Revokes the user everywhere: sessions, sockets, stored grant. */
  revoke(orgId: string, userId: string, reason: string): Promise<void>;
}

/** Options of {@link SyncSupervisor}. */
export interface SyncSupervisorOptions {
  readonly rooms: WorkerRooms;
  readonly tokens: WorkerTokens;
  readonly org: OrgConfig;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics: SyncMetrics;
  readonly roomOf: (orgId: string, userId: string) => string;
  readonly trigger?: Partial<TriggerConfig> | undefined;
  readonly activityWindowDays?: number | undefined;
  /** Fields synced beyond the book's shapes (see `RunnerOptions.extraFields`). */
  readonly extraFields?: ExtraFieldConfig | undefined;
  readonly apiVersion?: string | undefined;
  /**
   * The book leases of instances sharing the books (scale-out). Every instance then keeps a
   * worker for every stored grant, standing by unless it holds the book's lease, and looks for
   * grants stored by other instances every `rescanMs`.
   */
  readonly leases?: WorkerLeases | undefined;
  /** How often stored grants are listed again when scaled out (ms). Default 10 000. */
  readonly rescanMs?: number | undefined;
  /** Builds a user's port; defaults to the jsforce adapter. */
  readonly createPort?:
    | ((args: { tokens: SalesforceTokens; onTokenRefresh: (t: SalesforceTokens) => void }) => SalesforcePort)
    | undefined;
}

/** Book workers of one server. See the file header. */
export class SyncSupervisor {
  private readonly workers = new Map<string, BookWorker>();
  private closed = false;
  private rescan: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly o: SyncSupervisorOptions) {}

  /** Starts the worker of (org, user) unless it runs already; returns it. */
  ensure(orgId: string, userId: string): BookWorker | undefined {
    if (this.closed) return undefined;
    const room = this.o.roomOf(orgId, userId);
    const existing = this.workers.get(room);
    if (existing && existing.status().state !== "stopped") return existing;
    let sfUserId: SalesforceId;
    try {
      sfUserId = readSalesforceId(userId);
    } catch {
      this.o.logger.log("warn", "sync.bad_user_id", { room });
      return undefined;
    }
    let port: SalesforcePort | undefined;
    let fresh = false;
    const worker = new BookWorker({
      orgId,
      userId: sfUserId,
      room,
      rooms: this.o.rooms,
      port: async () => {
        if (port) return port;
        const tokens = await this.o.tokens.get(orgId, userId, { fresh }).catch((err: unknown) => {
          throw portError(err);
        });
        fresh = false;
        const onTokenRefresh = (t: SalesforceTokens): void => {
          this.o.tokens.save(orgId, userId, t).catch((err: unknown) => {
            this.o.logger.log("error", "sync.token_save_failed", { room, message: String(err) });
          });
        };
        port = (this.o.createPort ?? this.defaultPort)({ tokens, onTokenRefresh });
        return port;
      },
      // A connection that failed may hold a stale access token or instance URL (an org moved, an
      // emulator restarted on another port): rebuild it from freshly refreshed tokens.
      onFailed: (tag) => {
        if (tag === "Unavailable" || tag === "SessionExpired" || tag === "OutcomeUnknown") {
          port = undefined;
          fresh = true;
        }
      },
      // The revocation message may quote the org; the log keeps to the room.
      onRevoked: () => {
        this.o.logger.log("warn", "sync.revoked", { room });
        this.workers.delete(room);
        this.o.metrics.workers = this.workers.size;
        this.o.tokens.revoke(orgId, userId, "invalid_grant").catch((err: unknown) => {
          this.o.logger.log("error", "sync.revoke_failed", { room, message: String(err) });
        });
      },
      clock: this.o.clock,
      random: this.o.random,
      logger: this.o.logger,
      metrics: this.o.metrics,
      trigger: this.o.trigger,
      activityWindowDays: this.o.activityWindowDays,
      extraFields: this.o.extraFields,
      leases: this.o.leases,
    });
    this.workers.set(room, worker);
    this.o.metrics.workers = this.workers.size;
    worker.start();
    return worker;
  }

  /**
   * Starts a worker for every stored grant (after a restart); scaled out, also every
   * `rescanMs`, for grants other instances stored since.
   */
  async resume(): Promise<number> {
    const owners = await this.o.tokens.owners();
    for (const { orgId, userId } of owners) this.ensure(orgId, userId);
    if (this.o.leases && this.rescan === undefined && !this.closed) {
      this.rescan = setInterval(() => {
        this.o.tokens.owners().then(
          (all) => {
            for (const { orgId, userId } of all) this.ensure(orgId, userId);
          },
          (err: unknown) => this.o.logger.log("warn", "sync.rescan_failed", { error: String(err) }),
        );
      }, this.o.rescanMs ?? 10_000);
      this.rescan.unref?.();
    }
    return owners.length;
  }

  /** The worker of a room, if running. */
  worker(room: string): BookWorker | undefined {
    return this.workers.get(room);
  }

  /** The rooms with a worker (the change subscriber maps events onto them). */
  rooms(): ReadonlyArray<string> {
    return [...this.workers.keys()];
  }

  /**
   * Triggers ("sync now") this instance's workers that run their book here and that a change
   * concerns: every one for `all`; else those whose book holds one of the records, and those of
   * the owners an opportunity was assigned to (it may enter their book). Resolves to the rooms.
   */
  triggerChanges(notice: ChangeNotice): string[] {
    const owners = new Set(notice.ownerIds.map((userId) => this.o.roomOf(notice.orgId, userId)));
    const rooms: string[] = [];
    for (const [room, worker] of this.workers) {
      if (worker.orgId !== notice.orgId || !worker.runsHere()) continue;
      if (notice.all || owners.has(room) || worker.holdsAny(notice.recordIds)) {
        rooms.push(room);
        void worker.syncNow();
      }
    }
    return rooms;
  }

  /** The orgs of this instance's workers. */
  orgs(): string[] {
    return [...new Set([...this.workers.values()].map((w) => w.orgId))];
  }

  /** A device connected to a room. */
  connected(room: string): void {
    this.workers.get(room)?.deviceConnected();
  }

  /** A device left a room. */
  disconnected(room: string): void {
    this.workers.get(room)?.deviceDisconnected();
  }

  /** The status of a room's worker, or `null` when none runs. */
  status(room: string): WorkerStatus | null {
    return this.workers.get(room)?.status() ?? null;
  }

  /** Stops the worker of (org, user), e.g. on revocation. */
  async stop(orgId: string, userId: string, reason: string): Promise<void> {
    const room = this.o.roomOf(orgId, userId);
    const worker = this.workers.get(room);
    this.workers.delete(room);
    this.o.metrics.workers = this.workers.size;
    await worker?.stop(reason);
  }

  /** Stops every worker, waiting for cycles in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.rescan) clearInterval(this.rescan);
    const all = [...this.workers.values()];
    this.workers.clear();
    this.o.metrics.workers = 0;
    await Promise.all(all.map((w) => w.stop("server closing")));
  }

  private readonly defaultPort = (args: {
    tokens: SalesforceTokens;
    onTokenRefresh: (t: SalesforceTokens) => void;
  }): SalesforcePort =>
    createSalesforcePort({
      tokens: args.tokens,
      oauth: { loginUrl: this.o.org.loginUrl, clientId: this.o.org.clientId, clientSecret: this.o.org.clientSecret },
      onTokenRefresh: args.onTokenRefresh,
      apiVersion: this.o.apiVersion,
    });
}

/** A failure to get the user's tokens, as the worker's typed error (`invalid_grant` revokes). */
function portError(err: unknown): WorkerPortError {
  if (err instanceof WorkerPortError) return err;
  const code = err instanceof OAuthError ? (logOAuthCode(err.code) ?? "oauth_failed") : "token_unavailable";
  return new WorkerPortError({
    code,
    revoked: code === "invalid_grant",
    message:
      code === "invalid_grant"
        ? "Salesforce revoked this sign-in; sign in again."
        : "No Salesforce token is available for this book.",
  });
}
