/**
 * The org-level Change Data Capture subscriber (issue 23, "push as a signal, reads as the
 * user"): one integration user's subscription turns each change event into a
 * {@link ChangeNotice} (the changed ids, the owners an opportunity was assigned to, or "all"),
 * which `books.notify` hands to every instance; each triggers its own workers whose books hold
 * (or could newly hold) the records (`SyncSupervisor.triggerChanges`).
 *
 * Invariants:
 * - no event data ever enters a book: a trigger only makes the worker run its cycle, which
 *   re-reads with its own user's token, so sharing and field-level security still decide;
 * - the replay id is persisted after each handled event; a restart resumes after it; an invalid
 *   or expired replay id, an overflow or an outage fall back to replay -1 plus one trigger of
 *   every book (the incremental pull catches up);
 * - while push is down, every book is triggered every `fallbackScheduleMs` (the workers' own
 *   schedule is then the stretched safety net, see server.ts);
 * - one subscriber per org across instances: scaled out, it runs only on the instance holding
 *   the org's push lease (push-options.ts), and its replay store is the shared one.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import {
  type ChangeEvent,
  type ChangeStreamError,
  type ChangeSubscription,
  subscribeChanges,
} from "@tandem/salesforce-adapter";
import type { OrgConfig } from "../auth/org-config.js";
import type { Logger } from "../obs/logger.js";
import type { ChangeNotice } from "../relay/room-bus.js";
import type { WorkerTokens } from "./sync-supervisor.js";

/** Where the last handled replay id is kept. */
export interface ReplayStore {
  read(): Promise<number | undefined>;
  write(replayId: number): Promise<void>;
}

/** A replay store in a small JSON file (written atomically through a rename). */
export function createFileReplayStore(path: string): ReplayStore {
  return {
    async read() {
      const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      if (text === undefined) return undefined;
      const id = (JSON.parse(text) as { replayId?: unknown }).replayId;
      return typeof id === "number" && Number.isFinite(id) ? id : undefined;
    },
    async write(replayId) {
      await writeFile(`${path}.tmp`, JSON.stringify({ replayId }), { mode: 0o600 });
      await rename(`${path}.tmp`, path);
    },
  };
}

/** A replay store in memory (a server without a data dir). */
export function createMemoryReplayStore(): ReplayStore {
  let value: number | undefined;
  return {
    read: async () => value,
    write: async (id) => {
      value = id;
    },
  };
}

/** Where the subscriber's notices go. */
export interface SubscriberBooks {
  /**
   * Triggers, on every instance, the workers running the books a change concerns (the same
   * trigger as "sync now"); never throws.
   */
  notify(notice: ChangeNotice): void;
}

/** Options of {@link ChangeSubscriber}. */
export interface ChangeSubscriberOptions {
  readonly orgId: string;
  /** The integration user (Salesforce user id) whose stored grant subscribes; needs View All Data. */
  readonly userId: string;
  readonly tokens: WorkerTokens;
  readonly org: OrgConfig;
  readonly apiVersion?: string | undefined;
  readonly books: SubscriberBooks;
  readonly replay: ReplayStore;
  readonly logger: Logger;
  /** While push is down, every book is triggered this often (ms). Default 300 000. */
  readonly fallbackScheduleMs?: number | undefined;
  /** Wait before subscribing again after a failure (ms). Default 5 000. */
  readonly retryMs?: number | undefined;
}

/**
 * What `/api/status` and `/metrics` say about push. `role`: `holder` on the instance running
 * the org's subscriber (always, for one instance); `standby` on the others, where `live` and
 * the lag are unknown (`null`): push runs elsewhere, and its status is on the holder.
 */
export interface PushStatus {
  readonly role: "holder" | "standby";
  readonly live: boolean | null;
  readonly eventsHandled: number;
  /** commitTimestamp of the last handled event (ms), or `null`. */
  readonly lastCommitAt: number | null;
  /** Handled-at minus commit time of the last event (ms), or `null`. */
  readonly lagMs: number | null;
  readonly lastError: string | null;
}

/** The org's change subscriber. See the file header. */
export class ChangeSubscriber {
  private sub: ChangeSubscription | undefined;
  private live = false;
  private closed = false;
  private handled = 0;
  private lastCommitAt: number | null = null;
  private lagMs: number | null = null;
  private lastError: string | null = null;
  private fallback: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: ChangeSubscriberOptions) {}

  /** Subscribes from the persisted replay id (or -1); never rejects. */
  async start(): Promise<void> {
    this.setLive(false);
    const stored = await this.o.replay.read().catch(() => undefined);
    await this.connect(stored ?? -1, stored === undefined);
  }

  /** The subscriber's state. */
  status(): PushStatus {
    return {
      role: "holder",
      live: this.live,
      eventsHandled: this.handled,
      lastCommitAt: this.lastCommitAt,
      lagMs: this.lagMs,
      lastError: this.lastError,
    };
  }

  /** Prometheus lines. */
  render(): string {
    const s = this.status();
    return [
      "# TYPE tandem_push_holder gauge",
      "tandem_push_holder 1",
      "# TYPE tandem_push_live gauge",
      `tandem_push_live ${s.live ? 1 : 0}`,
      "# TYPE tandem_push_events_total counter",
      `tandem_push_events_total ${s.eventsHandled}`,
      "# TYPE tandem_push_lag_seconds gauge",
      `tandem_push_lag_seconds ${s.lagMs === null ? "NaN" : (s.lagMs / 1000).toFixed(3)}`,
      "",
    ].join("\n");
  }

  /** Unsubscribes; the persisted replay id stays for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.fallback) clearInterval(this.fallback);
    this.fallback = undefined;
    const sub = this.sub;
    this.sub = undefined;
    await sub?.close();
    this.live = false;
  }

  private async connect(replayId: number, catchUp: boolean): Promise<void> {
    if (this.closed) return;
    try {
      const tokens = await this.o.tokens.get(this.o.orgId, this.o.userId);
      this.sub = await subscribeChanges({
        tokens,
        oauth: { loginUrl: this.o.org.loginUrl, clientId: this.o.org.clientId, clientSecret: this.o.org.clientSecret },
        apiVersion: this.o.apiVersion,
        replayId,
        onEvent: (event) => this.handle(event),
        onError: (error) => this.failed(error),
        onTransport: (up) => this.setLive(up),
        onTokenRefresh: (t) => {
          this.o.tokens.save(this.o.orgId, this.o.userId, t).catch((err: unknown) => {
            this.o.logger.log("error", "push.token_save_failed", { error: String(err) });
          });
        },
      });
      if (this.closed) {
        await this.sub.close();
        return;
      }
      this.lastError = null;
      this.setLive(true);
      this.o.logger.log("info", "push.subscribed", { replayId });
      // Events before -1 are not replayed: the incremental pull of every book catches up.
      if (catchUp) this.triggerAll();
    } catch (err) {
      const reason = (err as Partial<ChangeStreamError>).reason;
      this.lastError = reason ?? "token_unavailable";
      this.o.logger.log("warn", "push.subscribe_failed", { errorCode: this.lastError });
      if (reason === "invalidReplayId") {
        await this.o.replay.write(-1).catch(() => undefined);
        return this.connect(-1, true);
      }
      this.scheduleRetry();
    }
  }

  private async handle(event: ChangeEvent): Promise<void> {
    if (this.closed) return;
    const owner = event.fields.OwnerId;
    this.o.books.notify({
      orgId: this.o.orgId,
      recordIds: event.changeType === "GAP_OVERFLOW" ? [] : event.recordIds,
      // An opportunity (re)assigned to a signed-in user may enter their book.
      ownerIds: event.entityName === "Opportunity" && typeof owner === "string" ? [owner] : [],
      all: event.changeType === "GAP_OVERFLOW",
    });
    await this.o.replay.write(event.replayId);
    this.handled++;
    this.lastCommitAt = event.commitTimestamp;
    this.lagMs = event.commitTimestamp > 0 ? Math.max(0, Date.now() - event.commitTimestamp) : null;
  }

  private failed(error: ChangeStreamError): void {
    this.lastError = error.reason;
    this.sub = undefined;
    this.setLive(false);
    this.o.logger.log("warn", "push.ended", { errorCode: error.reason });
    if (error.reason === "invalidReplayId") {
      void this.o.replay.write(-1).then(
        () => this.connect(-1, true),
        () => this.connect(-1, true),
      );
      return;
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.setLive(false);
    this.retry = setTimeout(() => {
      // After an outage the events in between may be gone: resume after the last handled one
      // when the org still has it, else from -1 with a catch-up (see connect).
      this.o.replay.read().then(
        (id) => this.connect(id ?? -1, true),
        () => this.connect(-1, true),
      );
    }, this.o.retryMs ?? 5_000);
    this.retry.unref?.();
  }

  private setLive(live: boolean): void {
    const was = this.live;
    this.live = live && !this.closed;
    if (this.live && this.fallback) {
      clearInterval(this.fallback);
      this.fallback = undefined;
    }
    if (!this.live && !this.closed && this.fallback === undefined) {
      this.fallback = setInterval(() => this.triggerAll(), this.o.fallbackScheduleMs ?? 300_000);
      this.fallback.unref?.();
      // Push just went down: changes may have been missed; every book catches up once.
      if (was) this.triggerAll();
    }
  }

  private triggerAll(): void {
    this.o.books.notify({ orgId: this.o.orgId, recordIds: [], ownerIds: [], all: true });
  }
}
