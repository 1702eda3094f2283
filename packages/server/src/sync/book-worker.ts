/**
 * One book's sync worker (docs/architecture.md, "The sync cycle"): decides when to run a cycle with the engine's trigger
 * policy, and runs the engine's runner on the room's live Y.Doc with the user's own
 * Salesforce port.
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
  bookMaps,
  type CycleReport,
  DEFAULT_TRIGGER_CONFIG,
  type ExtraFieldConfig,
  INITIAL_TRIGGER_STATE,
  type Intent,
  nextRunAt,
  reduceTrigger,
  runCycle,
  SALESFORCE_ORIGIN,
  type SalesforceId,
  type SalesforcePort,
  type TriggerConfig,
  type TriggerEvent,
  type TriggerState,
  writeSyncError,
} from "@tandem/engine";
import { Effect, Exit } from "effect";
import type * as Y from "yjs";
import type { Clock } from "../clock.js";
import type { Logger } from "../obs/logger.js";
import { LeaseLostError } from "../relay/room-lease.js";
import type { Fence } from "../store/store.js";
import { type Failure, fromCause, fromThrown, openIntents, recordIdsOf, WorkerPortError } from "./book-facts.js";
import { LeaseKeeper, type WorkerLeases } from "./lease-keeper.js";

export { WorkerPortError } from "./book-facts.js";

import type { SyncMetrics } from "./sync-metrics.js";

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
export interface WorkerStatus {
  readonly state: "idle" | "syncing" | "backoff" | "standby" | "stopped";
  readonly stoppedReason: string | null;
  readonly nextRunAt: number | null;
  readonly lastReport: CycleReport | null;
  /** The last failure's readable message (for the user), or `null` after a success. */
  readonly lastError: string | null;
  /** The last failure's code (a port error tag, `SCHEMA_TOO_NEW`, `INTERNAL`, …), or `null`. */
  readonly lastErrorCode: string | null;
  readonly failures: number;
}

/** Runs the sync cycles of one book. See the file header. */
export class BookWorker {
  private state: TriggerState = INITIAL_TRIGGER_STATE;
  private readonly config: TriggerConfig;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped: string | null = null;
  private lastReport: CycleReport | null = null;
  private lastError: Failure | null = null;
  private readonly waiters: Array<() => void> = [];
  /** "Sync now" callers that asked during a cycle: they wait for the next one. */
  private readonly waitersForNext: Array<() => void> = [];
  private unlisten: (() => void) | undefined;
  private observed: { doc: Y.Doc; off: () => void } | undefined;
  /** The book's lease across instances, when scaled out. */
  private readonly keeper: LeaseKeeper | undefined;
  /** Whether the store refused this cycle's writes (the lease moved on). */
  private fenceRefused = false;

  constructor(private readonly o: BookWorkerOptions) {
    this.config = { ...DEFAULT_TRIGGER_CONFIG, ...o.trigger };
    this.keeper = o.leases
      ? new LeaseKeeper(o.room, o.leases, o.logger, (held, had) => {
          if (held !== had) o.metrics.leasesHeld += held ? 1 : -1;
          this.holdRoom(held);
          // A new epoch: the previous holder may have died mid-push; resolve its sends now.
          if (held) {
            this.cycles = 0;
            this.runNow();
          }
        })
      : undefined;
  }

  /** The org of the worker's book. */
  get orgId(): string {
    return this.o.orgId;
  }

  /** Whether this worker runs its book's cycles here: not stopped, and scaled out, holding the lease. */
  runsHere(): boolean {
    return this.stopped === null && (this.keeper === undefined || this.keeper.fence !== undefined);
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
        if (room === this.o.room) this.observe(doc);
      },
      onUnloaded: (room) => {
        if (room === this.o.room) this.unobserve();
      },
    });
    const doc = this.o.rooms.loadedDoc(this.o.room);
    if (doc) this.observe(doc);
    this.keeper?.start();
    this.schedule();
  }

  /** A device of this user connected to the book. */
  deviceConnected(): void {
    this.event({ type: "deviceConnected", at: this.o.clock.now() });
  }

  /** A device of this user left the book. */
  deviceDisconnected(): void {
    this.event({ type: "deviceDisconnected", at: this.o.clock.now() });
  }

  /** "Sync now": runs a cycle as soon as none is running; resolves when one has finished. */
  syncNow(): Promise<WorkerStatus> {
    if (this.stopped !== null) return Promise.resolve(this.status());
    return new Promise((resolve) => {
      if (this.running === undefined) {
        this.waiters.push(() => resolve(this.status()));
        this.runNow();
        return;
      }
      // A cycle under way may have pulled before what the caller wants synced: one more cycle
      // runs after it, and the caller waits for that one.
      this.waitersForNext.push(() => resolve(this.status()));
    });
  }

  /** The worker's state. */
  status(): WorkerStatus {
    const failed = this.state.failures > 0;
    const standby = this.keeper !== undefined && this.keeper.fence === undefined;
    return {
      state:
        this.stopped !== null
          ? "stopped"
          : this.running !== undefined
            ? "syncing"
            : standby
              ? "standby"
              : failed
                ? "backoff"
                : "idle",
      stoppedReason: this.stopped,
      nextRunAt: this.stopped !== null ? null : nextRunAt(this.state, this.config),
      lastReport: this.lastReport,
      lastError: this.lastError?.message ?? null,
      lastErrorCode: this.lastError?.code ?? null,
      failures: this.state.failures,
    };
  }

  /** Stops scheduling; waits for a cycle in progress. Idempotent. */
  async stop(reason = "stopped"): Promise<void> {
    if (this.stopped === null) this.stopped = reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unlisten?.();
    this.unobserve();
    await this.running;
    for (const w of this.waitersForNext.splice(0)) w();
    await this.keeper?.stop();
    this.holdRoom(false);
    for (const w of this.waiters.splice(0)) w();
  }

  private observe(doc: Y.Doc): void {
    if (this.observed?.doc === doc) return;
    this.unobserve();
    const intents = bookMaps(doc).intents;
    const onIntents = (event: Y.YMapEvent<Intent>, tx: Y.Transaction): void => {
      if (tx.origin === SALESFORCE_ORIGIN) return;
      for (const change of event.changes.keys.values()) {
        if (change.action === "add") {
          this.event({ type: "intent", at: this.o.clock.now() });
          return;
        }
      }
    };
    intents.observe(onIntents);
    this.observed = { doc, off: () => intents.unobserve(onIntents) };
  }

  private unobserve(): void {
    this.observed?.off();
    this.observed = undefined;
  }

  private event(e: TriggerEvent): void {
    if (this.stopped !== null) return;
    this.state = reduceTrigger(this.state, e, this.config);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped !== null) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const at = nextRunAt(this.state, this.config);
    if (at === null) return;
    const delay = Math.max(0, at - this.o.clock.now());
    this.timer = setTimeout(() => this.runNow(), delay);
    // A pending schedule must not keep a process alive on its own.
    this.timer.unref?.();
  }

  private runNow(): void {
    if (this.running !== undefined || this.stopped !== null) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.state = reduceTrigger(this.state, { type: "cycleStarted", at: this.o.clock.now() }, this.config);
    this.running = this.cycle().finally(() => {
      this.running = undefined;
      for (const w of this.waiters.splice(0)) w();
      if (this.waitersForNext.length > 0 && this.stopped === null) {
        this.waiters.push(...this.waitersForNext.splice(0));
        this.runNow();
        return;
      }
      this.schedule();
    });
  }

  private async cycle(): Promise<void> {
    const started = this.o.clock.now();
    let ok = false;
    // A first sync with pages left (the report's `more`): the next cycle runs at once.
    let more = false;
    let usage: { used: number; max: number } | undefined;
    let lease: WorkerRoomLease | undefined;
    let attempted = false;
    this.fenceRefused = false;
    try {
      const fence = this.keeper ? await this.keeper.renew() : undefined;
      // Another instance holds the book: it runs the cycle. This one stands by (see LeaseKeeper).
      if (this.keeper && fence === undefined) {
        ok = true;
        return;
      }
      lease = await this.o.rooms.lease(this.o.room, fence);
      const held = lease;
      const port = await this.o.port();
      attempted = true;
      const exit = await Effect.runPromiseExit(
        runCycle({
          doc: lease.doc,
          port,
          userId: this.o.userId,
          orgId: this.o.orgId,
          now: () => new Date(this.o.clock.now()),
          random: this.o.random,
          beforeWrite: () => Effect.tryPromise(() => this.committed(held)),
          activityWindowDays: this.o.activityWindowDays,
          extraFields: this.o.extraFields,
          sendingLeaseMs: this.cycles === 0 ? 0 : undefined,
        }),
      );
      const u = port.usage();
      usage = { used: u.used, max: u.max };
      this.o.metrics.salesforceCalls += u.callsMade - this.callsSeen;
      this.callsSeen = u.callsMade;
      if (u.max > 0) this.o.metrics.setUsage(this.o.orgId, u.used, u.max);
      this.o.metrics.setQueued(this.o.room, openIntents(lease.doc));
      if (Exit.isSuccess(exit)) {
        ok = true;
        this.recordIds = recordIdsOf(lease.doc);
        this.lastReport = exit.value;
        more = exit.value.more;
        this.lastError = null;
        this.o.metrics.cycle(exit.value.skipped ? "skipped" : "ok", (this.o.clock.now() - started) / 1000);
        this.o.logger.log("info", "sync.cycle", {
          room: this.o.room,
          ms: this.o.clock.now() - started,
          pushed: exit.value.pushed,
          applied: exit.value.applied,
          failed: exit.value.failed,
          calls: exit.value.apiUsage.callsMade,
        });
      } else if (this.fenceRefused) {
        this.keeper?.lost();
      } else {
        this.fail(fromCause(exit.cause), started, lease.doc);
      }
    } catch (err) {
      if (this.fenceRefused) this.keeper?.lost();
      else this.fail(fromThrown(err), started, lease?.doc);
    } finally {
      if (attempted) this.cycles++;
      lease?.release();
      this.state = reduceTrigger(
        this.state,
        { type: "cycleFinished", at: this.o.clock.now(), ok, apiUsage: usage, more },
        this.config,
      );
    }
  }

  private callsSeen = 0;
  private cycles = 0;
  /** The ids of the records the book held after its last successful cycle. */
  private recordIds: ReadonlySet<string> = new Set();
  /** The room, held while this instance holds the book's lease (scale-out). */
  private roomHold: Promise<WorkerRoomLease | undefined> | undefined;

  /**
   * Keeps the room loaded while this instance holds the book's lease, so that an intent a device
   * wrote through another instance reaches this worker's observer at once; lets it go otherwise.
   */
  private holdRoom(held: boolean): void {
    const previous = this.roomHold;
    this.roomHold = undefined;
    void previous?.then((l) => l?.release());
    if (!held || this.stopped !== null) return;
    this.roomHold = this.o.rooms.lease(this.o.room, this.keeper?.fence).catch((err: unknown) => {
      this.o.logger.log("warn", "sync.room_hold_failed", { room: this.o.room, error: errorName(err) });
      return undefined;
    });
  }

  /** Makes the cycle's writes so far durable before a Salesforce write (fenced when scaled out). */
  private async committed(lease: WorkerRoomLease): Promise<void> {
    if (!lease.committed) return this.o.rooms.flush();
    try {
      await lease.committed();
    } catch (err) {
      if (err instanceof LeaseLostError) this.fenceRefused = true;
      throw err;
    }
  }

  private fail(failure: Failure, started: number, doc: Y.Doc | undefined): void {
    this.lastError = failure;
    this.o.metrics.cycle("failed", (this.o.clock.now() - started) / 1000);
    this.o.metrics.error(failure.tag);
    this.o.logger.log("warn", "sync.cycle_failed", { room: this.o.room, error: failure.tag, errorCode: failure.code });
    if (!failure.recorded && doc !== undefined) {
      try {
        writeSyncError(doc, failure, new Date(this.o.clock.now()));
      } catch (err) {
        // The room's own containment handles a doc that cannot take writes; say so once here.
        this.o.logger.log("error", "sync.status_write_failed", {
          room: this.o.room,
          error: err instanceof Error ? err.name : typeof err,
        });
      }
    }
    if (failure.revoked) {
      this.stopped = "revoked";
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.o.onRevoked(failure.message);
    } else {
      this.o.onFailed?.(failure.tag);
    }
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
