/**
 * One book's sync worker (docs/architecture.md, "The sync cycle"): the engine's worker loop
 * ({@link SyncLoop}: trigger policy, one cycle at a time, "sync now", backoff, failure
 * classification, revocation) run on the room's live Y.Doc with the user's own Salesforce
 * port. This file keeps what is the server's own: the room lease per cycle, the store flush as
 * the write-ahead hook, the book's lease across instances, metrics, logs and the record index.
 *
 * Invariants:
 * - at most one cycle per book at a time; a trigger during a cycle is remembered, not lost;
 * - the `sending` receipts of a cycle are committed to the store (`flush`) before any write
 *   reaches Salesforce, so a server killed mid-push resumes by looking keys up;
 * - the first cycle of a worker treats every `sending` receipt as abandoned (no call of this
 *   process can be in flight yet), so a restart resolves them by lookup at once;
 * - a failing cycle backs off (the trigger policy's retry) and never throws out of the worker;
 *   every failure, typed or a defect, inside the runner or before it (no port), is recorded in
 *   `meta.sync` (state `error`) and in {@link WorkerStatus};
 * - failures are classified by their type, never by their text; the `sync.cycle_failed` log
 *   line carries only the error's code, as `errorCode` (the logger redacts fields named `code`; a message may quote what a device wrote);
 * - `Revoked` stops the worker and tells its owner, which revokes the user everywhere;
 * - scaled out (`leases`), a cycle runs only while this instance holds the book's lease, and
 *   its writes carry the lease's fence: once the lease moved on, the store refuses them and the
 *   worker stands by. The first cycle after taking a lease (a new epoch) treats every `sending`
 *   receipt as abandoned, as after a restart: the previous holder may have died mid-push;
 * - after each successful cycle the worker keeps the ids of the records its book holds
 *   (opportunities, accounts, contacts, contact roles, activities) as one Set of strings, so
 *   push maps a change event to the book whether or not its room is loaded (see
 *   {@link BookWorker.holdsAny}); the Set references the doc's own key strings.
 */
import {
  type BookSyncStatus,
  type ExtraFieldConfig,
  type SalesforceId,
  type SalesforcePort,
  SyncLoop,
  type SyncLoopHold,
  type SyncLoopOutcome,
  type TriggerConfig,
} from "@tandem/engine";
import type * as Y from "yjs";
import type { Clock } from "../clock.js";
import type { Logger } from "../obs/logger.js";
import { LeaseLostError } from "../relay/room-lease.js";
import type { Fence } from "../store/store.js";
import { openIntents, recordIdsOf } from "./book-facts.js";
import { LeaseKeeper, type WorkerLeases } from "./lease-keeper.js";
import type { SyncMetrics } from "./sync-metrics.js";

export { WorkerPortError } from "./book-facts.js";

/** A worker's hold on its room: the live document, writes made durable (fenced), release. */
export interface WorkerRoomLease {
  readonly doc: Y.Doc;
  /** Resolves once every write so far is durable; rejects once the lease's fence went stale. */
  committed?: (() => Promise<void>) | undefined;
  release(): void;
}

/** What the worker needs from the room registry. */
export interface WorkerRooms {
  /** Holds the room; with `fence`, its writes are stored only while that book lease holds. */
  lease(room: string, fence?: Fence | undefined): Promise<WorkerRoomLease>;
  /** Commits every queued update to the store. */
  flush(): Promise<void>;
  listen(listeners: {
    onLoaded?: ((room: string, doc: Y.Doc) => void) | undefined;
    onUnloaded?: ((room: string) => void) | undefined;
  }): () => void;
  /** The live doc of a loaded room, if loaded. */
  loadedDoc(room: string): Y.Doc | undefined;
}

/** Options of {@link BookWorker}. */
export interface BookWorkerOptions {
  readonly orgId: string;
  readonly userId: SalesforceId;
  readonly room: string;
  readonly rooms: WorkerRooms;
  /** The user's port; called before each cycle (it may refresh tokens). Rejects with {@link WorkerPortError}. */
  readonly port: () => Promise<SalesforcePort>;
  /** Called once when Salesforce revoked the user's grant; the worker has stopped. */
  readonly onRevoked: (message: string) => void;
  /** Called after any other failed cycle, with the error's tag (e.g. to rebuild the port). */
  readonly onFailed?: ((tag: string) => void) | undefined;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics: SyncMetrics;
  readonly trigger?: Partial<TriggerConfig> | undefined;
  readonly activityWindowDays?: number | undefined;
  /** Fields synced beyond the book's shapes (see `RunnerOptions.extraFields`). */
  readonly extraFields?: ExtraFieldConfig | undefined;
  /** The book leases of instances sharing the books (scale-out); absent for one instance. */
  readonly leases?: WorkerLeases | undefined;
}

/** The worker's state, for `/api/status`; `standby` while another instance holds the book's lease. */
export interface WorkerStatus extends Omit<BookSyncStatus, "state"> {
  readonly state: BookSyncStatus["state"] | "standby";
}

/** Runs the sync cycles of one book. See the file header. */
export class BookWorker {
  private readonly loop: SyncLoop;
  private unlisten: (() => void) | undefined;
  /** The book's lease across instances, when scaled out. */
  private readonly keeper: LeaseKeeper | undefined;
  private callsSeen = 0;
  /** The ids of the records the book held after its last successful cycle. */
  private recordIds: ReadonlySet<string> = new Set();
  /** The room, held while this instance holds the book's lease (scale-out). */
  private roomHold: Promise<WorkerRoomLease | undefined> | undefined;

  constructor(private readonly o: BookWorkerOptions) {
    this.loop = new SyncLoop({
      salesforce: { userId: o.userId, orgId: o.orgId, port: o.port },
      acquire: () => this.acquire(),
      afterCycle: (outcome) => this.afterCycle(outcome),
      onRevoked: (message) => o.onRevoked(message),
      now: () => o.clock.now(),
      random: o.random,
      trigger: o.trigger,
      activityWindowDays: o.activityWindowDays,
      extraFields: o.extraFields,
      // No room can stop the process: a throw in the worker's own hooks is logged, not raised.
      onHookError: (err) =>
        o.logger.log("error", "sync.hook_failed", {
          room: o.room,
          error: err instanceof Error ? err.name : typeof err,
        }),
    });
    this.keeper = o.leases
      ? new LeaseKeeper(o.room, o.leases, o.logger, (held, had) => {
          if (held !== had) o.metrics.leasesHeld += held ? 1 : -1;
          this.holdRoom(held);
          // A new epoch: the previous holder may have died mid-push; resolve its sends now.
          if (held) this.loop.resetEpoch();
        })
      : undefined;
  }

  /** The org of the worker's book. */
  get orgId(): string {
    return this.o.orgId;
  }

  /** Whether this worker runs its book's cycles here: not stopped, and scaled out, holding the lease. */
  runsHere(): boolean {
    return !this.loop.stopped && (this.keeper === undefined || this.keeper.fence !== undefined);
  }

  /** Whether the book held any of `ids` after its last successful cycle (see the file header). */
  holdsAny(ids: readonly string[]): boolean {
    return ids.some((id) => this.recordIds.has(id));
  }

  /** How many record ids the book held after its last successful cycle. */
  heldRecords(): number {
    return this.recordIds.size;
  }

  /** Starts watching the room and schedules the first cycle (due at once). */
  start(): void {
    this.unlisten = this.o.rooms.listen({
      onLoaded: (room, doc) => {
        if (room === this.o.room) this.loop.watch(doc);
      },
      onUnloaded: (room) => {
        if (room === this.o.room) this.loop.watch(undefined);
      },
    });
    const doc = this.o.rooms.loadedDoc(this.o.room);
    if (doc) this.loop.watch(doc);
    this.keeper?.start();
    this.loop.start();
  }

  /** A device of this user connected to the book. */
  deviceConnected(): void {
    this.loop.deviceConnected();
  }

  /** A device of this user left the book. */
  deviceDisconnected(): void {
    this.loop.deviceDisconnected();
  }

  /** "Sync now": runs a cycle as soon as none is running; resolves when one has finished. */
  async syncNow(): Promise<WorkerStatus> {
    return this.withStandby(await this.loop.syncNow());
  }

  /** The worker's state. */
  status(): WorkerStatus {
    return this.withStandby(this.loop.status());
  }

  /** Scaled out, a worker that neither runs a cycle nor has stopped stands by while it lacks the lease. */
  private withStandby(s: BookSyncStatus): WorkerStatus {
    const standby = this.keeper !== undefined && this.keeper.fence === undefined;
    return standby && (s.state === "idle" || s.state === "backoff") ? { ...s, state: "standby" } : s;
  }

  /** Stops scheduling; waits for a cycle in progress. Idempotent. */
  async stop(reason = "stopped"): Promise<void> {
    this.unlisten?.();
    await this.loop.stop(reason);
    await this.keeper?.stop();
    this.holdRoom(false);
  }

  /** Holds the room for one cycle (fenced when scaled out), or stands by while another instance holds the book. */
  private async acquire(): Promise<SyncLoopHold | "standby"> {
    const fence = this.keeper ? await this.keeper.renew() : undefined;
    if (this.keeper && fence === undefined) return "standby";
    const lease = await this.o.rooms.lease(this.o.room, fence);
    let fenceRefused = false;
    return {
      doc: lease.doc,
      // Makes the cycle's writes so far durable before a Salesforce write (fenced when scaled out).
      beforeWrite: async () => {
        if (!lease.committed) return this.o.rooms.flush();
        try {
          await lease.committed();
        } catch (err) {
          if (err instanceof LeaseLostError) fenceRefused = true;
          throw err;
        }
      },
      release: () => lease.release(),
      lost: () => fenceRefused,
    };
  }

  /** Metrics, logs and the record index of a finished cycle; `onFailed` for a failure that did not revoke. */
  private afterCycle(outcome: SyncLoopOutcome): void {
    if (outcome.kind === "standby") return;
    const ms = this.o.clock.now() - outcome.startedAt;
    if (outcome.port !== undefined && outcome.doc !== undefined) {
      const u = outcome.port.usage();
      this.o.metrics.salesforceCalls += u.callsMade - this.callsSeen;
      this.callsSeen = u.callsMade;
      if (u.max > 0) this.o.metrics.setUsage(this.o.orgId, u.used, u.max);
      this.o.metrics.setQueued(this.o.room, openIntents(outcome.doc));
    }
    switch (outcome.kind) {
      case "ok": {
        const r = outcome.report;
        this.recordIds = recordIdsOf(outcome.doc);
        this.o.metrics.cycle(r.skipped ? "skipped" : "ok", ms / 1000);
        this.o.logger.log("info", "sync.cycle", {
          room: this.o.room,
          ms,
          pushed: r.pushed,
          applied: r.applied,
          failed: r.failed,
          calls: r.apiUsage.callsMade,
        });
        return;
      }
      case "lost":
        this.keeper?.lost();
        return;
      case "failed": {
        const { failure } = outcome;
        this.o.metrics.cycle("failed", ms / 1000);
        this.o.metrics.error(failure.tag);
        this.o.logger.log("warn", "sync.cycle_failed", {
          room: this.o.room,
          error: failure.tag,
          errorCode: failure.code,
        });
        if (outcome.recordError !== undefined) {
          // The room's own containment handles a doc that cannot take writes; say so once here.
          this.o.logger.log("error", "sync.status_write_failed", {
            room: this.o.room,
            error: errorName(outcome.recordError),
          });
        }
        if (!failure.revoked) this.o.onFailed?.(failure.tag);
        return;
      }
    }
  }

  /**
   * Keeps the room loaded while this instance holds the book's lease, so that an intent a device
   * wrote through another instance reaches this worker's observer at once; lets it go otherwise.
   */
  private holdRoom(held: boolean): void {
    const previous = this.roomHold;
    this.roomHold = undefined;
    void previous?.then((l) => l?.release());
    if (!held || this.loop.stopped) return;
    this.roomHold = this.o.rooms.lease(this.o.room, this.keeper?.fence).catch((err: unknown) => {
      this.o.logger.log("warn", "sync.room_hold_failed", { room: this.o.room, error: errorName(err) });
      return undefined;
    });
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
