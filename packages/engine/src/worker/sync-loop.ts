/**
 * The worker loop of one book (docs/architecture.md, "The sync cycle"), shared by
 * {@link createBookSync} (an app's own Y.Doc, in-process) and the server's book workers: it
 * decides when to run a cycle with the trigger policy, and runs {@link runCycle} on the doc its
 * host hands it with the user's own port. What differs between hosts (where the doc lives, how
 * it is made durable, leases across instances, metrics, logs) comes in through hooks.
 *
 * Invariants:
 * - at most one cycle at a time; a trigger during a cycle is remembered, not lost; "sync now"
 *   during a cycle waits for the NEXT one (the running one may have pulled too early);
 * - no write reaches Salesforce before the host's `beforeWrite` has resolved (write-ahead);
 * - the first cycle, and the first after {@link SyncLoop.resetEpoch}, treats every `sending`
 *   receipt as abandoned (`sendingLeaseMs` 0): no call of this loop can be in flight yet;
 * - a failing cycle backs off (the trigger policy's retry); every failure, typed or a defect,
 *   before the runner (no port) or inside it, is classified by its type and recorded in
 *   `meta.sync` (state `error`) and in {@link BookSyncStatus};
 * - a revoked grant stops the loop and calls `onRevoked` once;
 * - nothing throws out of the loop's timers: a host hook that throws is a bug of the host; it
 *   goes to the host's `onHookError` (the server logs it: no room can stop the process), or
 *   without one is reported as an uncaught error (like a throwing event listener), with the
 *   loop's state left consistent either way;
 * - timers are the global `setTimeout`, unref'd where the platform can (Node), so a pending
 *   schedule never keeps a process alive; the clock is the injected `now`.
 */
import { Cause, Effect, Exit, Option } from "effect";
import type * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { Intent } from "../model/schemas.js";
import type { ExtraFieldConfig, SalesforcePort } from "../port/salesforce-port.js";
import type { RetryOptions } from "../runner/retry.js";
import { type CycleReport, runCycle, writeSyncError } from "../runner/runner.js";
import {
  DEFAULT_TRIGGER_CONFIG,
  INITIAL_TRIGGER_STATE,
  nextRunAt,
  reduceTrigger,
  type TriggerConfig,
  type TriggerEvent,
  type TriggerState,
} from "../runner/trigger-policy.js";
import type { BookSyncSalesforce } from "./book-sync-salesforce.js";
import { type CycleFailure, fromCause, fromThrown } from "./cycle-failure.js";

/** What `meta.sync` and the status record when the host's `beforeWrite` rejected. */
const PERSIST_FAILED_MESSAGE = "The book could not be saved before writing to Salesforce; nothing was sent.";

/** The state of a book's sync loop. */
export interface BookSyncStatus {
  /** `syncing` during a cycle, `backoff` after a failed one, `stopped` after `stop` or a revocation. */
  readonly state: "idle" | "syncing" | "backoff" | "stopped";
  /** Why the loop stopped (`"revoked"`, the reason given to `stop`), or `null`. */
  readonly stoppedReason: string | null;
  /** When the next cycle is due (ms since epoch); `null` during a cycle and once stopped. */
  readonly nextRunAt: number | null;
  /** The report of the last successful cycle. */
  readonly lastReport: CycleReport | null;
  /** The last failure's readable message (for the user), or `null` after a success. */
  readonly lastError: string | null;
  /** The last failure's code (`PersistFailed`, a port error's tag, `SCHEMA_TOO_NEW`, `INTERNAL`, …), or `null`. */
  readonly lastErrorCode: string | null;
  /** Failed cycles in a row. */
  readonly failures: number;
}

/** The host's hold on the book for one cycle. */
export interface SyncLoopHold {
  /** The live document the cycle runs on. */
  readonly doc: Y.Doc;
  /** Makes every write to `doc` so far durable; awaited before any Salesforce write. */
  beforeWrite(doc: Y.Doc): Promise<void>;
  /** Called once the cycle is over, whatever its outcome. */
  release(): void;
  /**
   * Whether the host lost the book during the cycle (scaled out: the store refused a write
   * under a stale fence). Such a cycle's failure is the host's, not the book's: the loop records
   * no error and reports the outcome `lost`.
   */
  readonly lost?: (() => boolean) | undefined;
}

/** How one cycle ended, for the host's metrics and logs. `startedAt` is the loop's `now()` at its start. */
export type SyncLoopOutcome =
  | { readonly kind: "standby"; readonly startedAt: number }
  | {
      readonly kind: "ok";
      readonly startedAt: number;
      readonly report: CycleReport;
      readonly doc: Y.Doc;
      readonly port: SalesforcePort;
    }
  | { readonly kind: "lost"; readonly startedAt: number; readonly doc: Y.Doc; readonly port: SalesforcePort }
  | {
      readonly kind: "failed";
      readonly startedAt: number;
      readonly failure: CycleFailure;
      /** Absent when the book could not be held. */
      readonly doc: Y.Doc | undefined;
      /** Absent when no port could be built. */
      readonly port: SalesforcePort | undefined;
      /** What was thrown or rejected (a defect, the host's persist error), when known; for the host's logs. */
      readonly cause: unknown;
      /** Set when the failure could not be recorded in `meta.sync` (the doc refused the write). */
      readonly recordError?: unknown;
    };

/** Options of {@link SyncLoop}. */
export interface SyncLoopOptions {
  /** The user the book syncs as, and their port (called before each cycle). */
  readonly salesforce: BookSyncSalesforce;
  /** Holds the book for one cycle, or says `standby` (another instance runs it): the cycle then does nothing. */
  readonly acquire: () => Promise<SyncLoopHold | "standby">;
  /** Called after each cycle, before the hold is released (metrics, logs, host bookkeeping). */
  readonly afterCycle?: ((outcome: SyncLoopOutcome) => void) | undefined;
  /** Called after each cycle once the loop's status reflects it. */
  readonly onSettled?: ((status: BookSyncStatus) => void) | undefined;
  /** Called once when Salesforce revoked the grant; the loop has stopped. */
  readonly onRevoked?: ((message: string) => void) | undefined;
  /** The clock (ms since epoch). */
  readonly now: () => number;
  /** A number in [0, 1): the jitter of the runner's retries. */
  readonly random: () => number;
  /** The trigger policy's configuration (defaults: {@link DEFAULT_TRIGGER_CONFIG}). */
  readonly trigger?: Partial<TriggerConfig> | undefined;
  /** Rolling activity window (see `RunnerOptions.activityWindowDays`). */
  readonly activityWindowDays?: number | undefined;
  /** Fields synced beyond the book's shapes (see `RunnerOptions.extraFields`). */
  readonly extraFields?: ExtraFieldConfig | undefined;
  /** Retries of retryable port errors inside one cycle (see `RunnerOptions.retry`). */
  readonly retry?: RetryOptions | undefined;
  /** Hears a throw of another hook (a host bug); without it the throw is reported as uncaught. */
  readonly onHookError?: ((error: unknown) => void) | undefined;
}

/**
 * Runs the sync cycles of one book. See the file header.
 *
 * @remarks Hosts: {@link createBookSync} (an app's Y.Doc) and the server's `BookWorker` (a
 * room's doc, with leases across instances). Call {@link SyncLoop.start} to schedule the first
 * cycle (due at once) and {@link SyncLoop.watch} with the doc whose new intents trigger cycles.
 * @example
 * ```ts
 * const loop = new SyncLoop({ salesforce, now: Date.now, random: Math.random,
 *   acquire: async () => ({ doc, beforeWrite: (d) => save(d), release: () => {} }) });
 * loop.watch(doc);
 * loop.start();
 * await loop.syncNow();
 * ```
 */
export class SyncLoop {
  private trigger: TriggerState = INITIAL_TRIGGER_STATE;
  private readonly config: TriggerConfig;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stoppedReason: string | null = null;
  private lastReport: CycleReport | null = null;
  private lastError: CycleFailure | null = null;
  /** "Sync now" callers waiting for the cycle about to run. */
  private readonly waiters: Array<() => void> = [];
  /** "Sync now" callers that asked during a cycle: they wait for the next one. */
  private readonly waitersForNext: Array<() => void> = [];
  private watched: { doc: Y.Doc; off: () => void } | undefined;
  /** The next cycle treats every `sending` receipt as abandoned (a new epoch). */
  private abandonSending = true;

  constructor(private readonly o: SyncLoopOptions) {
    this.config = { ...DEFAULT_TRIGGER_CONFIG, ...o.trigger };
  }

  /** Schedules the first cycle (due at once). */
  start(): void {
    this.schedule();
  }

  /** Whether the loop has stopped (by `stop` or a revocation). */
  get stopped(): boolean {
    return this.stoppedReason !== null;
  }

  /**
   * Watches `doc` for new intents (not written with origin `salesforce`): each triggers a
   * debounced cycle. Replaces the doc watched before; `undefined` stops watching.
   */
  watch(doc: Y.Doc | undefined): void {
    if (this.watched?.doc === doc) return;
    this.watched?.off();
    this.watched = undefined;
    if (doc === undefined || this.stopped) return;
    const intents = bookMaps(doc).intents;
    const onIntents = (event: Y.YMapEvent<Intent>, tx: Y.Transaction): void => {
      if (tx.origin === SALESFORCE_ORIGIN) return;
      for (const change of event.changes.keys.values()) {
        if (change.action === "add") {
          this.event({ type: "intent", at: this.o.now() });
          return;
        }
      }
    };
    intents.observe(onIntents);
    this.watched = { doc, off: () => intents.unobserve(onIntents) };
  }

  /** A device of the user connected to the book (after a quiet period, a cycle runs at once). */
  deviceConnected(): void {
    this.event({ type: "deviceConnected", at: this.o.now() });
  }

  /** A device of the user left the book. */
  deviceDisconnected(): void {
    this.event({ type: "deviceDisconnected", at: this.o.now() });
  }

  /**
   * "Sync now": runs a cycle as soon as none is running, or the next one when one is; resolves
   * with the status once it has finished (at once when stopped). Never rejects.
   */
  syncNow(): Promise<BookSyncStatus> {
    if (this.stopped) return Promise.resolve(this.status());
    return new Promise((resolve) => {
      if (this.running === undefined) {
        this.waiters.push(() => resolve(this.status()));
        this.runNow();
        return;
      }
      this.waitersForNext.push(() => resolve(this.status()));
    });
  }

  /**
   * A new epoch (scaled out: this instance just took the book's lease): the next cycle treats
   * every `sending` receipt as abandoned, since the previous holder may have died mid-push; it
   * runs at once unless one is running.
   */
  resetEpoch(): void {
    if (this.stopped) return;
    this.abandonSending = true;
    this.runNow();
  }

  /** The loop's state. */
  status(): BookSyncStatus {
    const stopped = this.stopped;
    const failures = this.trigger.failures;
    return {
      state: stopped ? "stopped" : this.running !== undefined ? "syncing" : failures > 0 ? "backoff" : "idle",
      stoppedReason: this.stoppedReason,
      nextRunAt: stopped ? null : nextRunAt(this.trigger, this.config),
      lastReport: this.lastReport,
      lastError: this.lastError?.message ?? null,
      lastErrorCode: this.lastError?.code ?? null,
      failures,
    };
  }

  /** Stops scheduling and watching; waits for a cycle in progress. Idempotent. */
  async stop(reason = "stopped"): Promise<void> {
    this.halt(reason);
    await this.running;
    for (const w of this.waitersForNext.splice(0)) w();
    for (const w of this.waiters.splice(0)) w();
  }

  private halt(reason: string): void {
    if (this.stoppedReason === null) this.stoppedReason = reason;
    this.clearTimer();
    this.watch(undefined);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private event(e: TriggerEvent): void {
    if (this.stopped) return;
    this.trigger = reduceTrigger(this.trigger, e, this.config);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.clearTimer();
    const at = nextRunAt(this.trigger, this.config);
    if (at === null) return;
    this.timer = setTimeout(() => this.runNow(), Math.max(0, at - this.o.now()));
    // A pending schedule must not keep a process alive on its own (Node; browsers have no unref).
    this.timer.unref?.();
  }

  private runNow(): void {
    if (this.running !== undefined || this.stopped) return;
    this.clearTimer();
    this.trigger = reduceTrigger(this.trigger, { type: "cycleStarted", at: this.o.now() }, this.config);
    this.running = this.cycle().finally(() => {
      this.running = undefined;
      const settled = this.o.onSettled;
      if (settled) this.hostHook(() => settled(this.status()));
      for (const w of this.waiters.splice(0)) w();
      if (this.waitersForNext.length > 0 && !this.stopped) {
        this.waiters.push(...this.waitersForNext.splice(0));
        this.runNow();
        return;
      }
      this.schedule();
    });
  }

  /** One cycle: hold the book, get the port, run the runner, record and report the outcome. */
  private async cycle(): Promise<void> {
    const startedAt = this.o.now();
    let hold: SyncLoopHold | undefined;
    let port: SalesforcePort | undefined;
    let outcome: SyncLoopOutcome;
    try {
      const acquired = await this.o.acquire();
      if (acquired === "standby") outcome = { kind: "standby", startedAt };
      else {
        hold = acquired;
        port = await this.o.salesforce.port();
        outcome = await this.run(acquired, port, startedAt);
      }
    } catch (err) {
      outcome = this.failed(fromThrown(err), { startedAt, doc: hold?.doc, port, cause: err });
    }
    if (outcome.kind === "ok") {
      this.lastReport = outcome.report;
      this.lastError = null;
    }
    const after = this.o.afterCycle;
    if (after) this.hostHook(() => after(outcome));
    if (hold) {
      const held = hold;
      this.hostHook(() => held.release());
    }
    const usage = port?.usage();
    this.trigger = reduceTrigger(
      this.trigger,
      {
        type: "cycleFinished",
        at: this.o.now(),
        ok: outcome.kind === "ok" || outcome.kind === "standby",
        apiUsage: usage === undefined ? undefined : { used: usage.used, max: usage.max },
        more: outcome.kind === "ok" && outcome.report.more,
      },
      this.config,
    );
    if (outcome.kind === "failed" && outcome.failure.revoked) {
      this.halt("revoked");
      const revoked = this.o.onRevoked;
      const message = outcome.failure.message;
      if (revoked) this.hostHook(() => revoked(message));
    }
  }

  /** Runs the runner on the held doc; the write-ahead hook is the host's `beforeWrite`. */
  private async run(hold: SyncLoopHold, port: SalesforcePort, startedAt: number): Promise<SyncLoopOutcome> {
    const abandon = this.abandonSending;
    this.abandonSending = false;
    let persistError: unknown;
    const exit = await Effect.runPromiseExit(
      runCycle({
        doc: hold.doc,
        port,
        userId: this.o.salesforce.userId,
        orgId: this.o.salesforce.orgId,
        now: () => new Date(this.o.now()),
        random: this.o.random,
        beforeWrite: (doc) =>
          Effect.tryPromise({
            try: () => hold.beforeWrite(doc),
            catch: (e) => {
              persistError = e;
              return PERSIST_FAILED_MESSAGE;
            },
          }),
        activityWindowDays: this.o.activityWindowDays,
        extraFields: this.o.extraFields,
        retry: this.o.retry,
        sendingLeaseMs: abandon ? 0 : undefined,
      }),
    );
    if (Exit.isSuccess(exit)) return { kind: "ok", startedAt, report: exit.value, doc: hold.doc, port };
    if (hold.lost?.() === true) return { kind: "lost", startedAt, doc: hold.doc, port };
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause));
    const cause = error?._tag === "CycleDefect" ? error.defect : error?._tag === "PersistFailed" ? persistError : error;
    return this.failed(fromCause(exit.cause), { startedAt, doc: hold.doc, port, cause });
  }

  /** Records a failure (status, and `meta.sync` unless the runner did) and returns its outcome. */
  private failed(
    failure: CycleFailure,
    at: { startedAt: number; doc: Y.Doc | undefined; port: SalesforcePort | undefined; cause: unknown },
  ): SyncLoopOutcome {
    this.lastError = failure;
    let recordError: unknown;
    if (!failure.recorded && at.doc !== undefined) {
      try {
        writeSyncError(at.doc, failure, new Date(this.o.now()));
      } catch (err) {
        // The failure stays in the status; the host hears that the doc refused it.
        recordError = err;
      }
    }
    const outcome = { kind: "failed" as const, failure, ...at };
    return recordError === undefined ? outcome : { ...outcome, recordError };
  }

  /** Runs a host's hook; a throw is the host's bug, given to `onHookError` (or reported as uncaught) without disturbing the loop. */
  private hostHook(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const report = this.o.onHookError;
      if (report) {
        try {
          report(err);
          return;
        } catch {
          // the reporter itself failed: fall through to the uncaught report
        }
      }
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}
