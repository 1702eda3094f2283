/**
 * `createBookSync`: the worker loop ({@link SyncLoop}) in-process, against a Y.Doc the app owns,
 * behind a Promise API, so an app needs neither the server nor Effect. The same loop runs the
 * server's book workers.
 *
 * Invariants: the app's `persist` is awaited before any Salesforce write (write-ahead), and a
 * rejection stops the cycle with nothing sent (`PersistFailed`); the loop starts on creation
 * (the first cycle is due at once) and treats every `sending` receipt as abandoned on its first
 * cycle; one cycle at a time; nothing throws out of its timers; after `stop` (or a revocation)
 * it neither writes the doc nor calls Salesforce again. The default clock and randomness
 * (`Date.now`, `Math.random`) are this facade's only reads of the environment.
 */
import type * as Y from "yjs";
import type { ExtraFieldConfig } from "../port/salesforce-port.js";
import type { RetryOptions } from "../runner/retry.js";
import type { TriggerConfig } from "../runner/trigger-policy.js";
import type { BookSyncSalesforce } from "./book-sync-salesforce.js";
import { type BookSyncStatus, SyncLoop } from "./sync-loop.js";

/** Options of {@link createBookSync}. */
export interface BookSyncOptions {
  /** The book's document, loaded by the app from its own storage. */
  readonly doc: Y.Doc;
  /** The signed-in user (the adapter's sign-in helpers return one). */
  readonly salesforce: BookSyncSalesforce;
  /** Makes `doc` durable; awaited before any Salesforce write. A rejection fails the cycle (`PersistFailed`), nothing sent. */
  readonly persist: (doc: Y.Doc) => Promise<void> | void;
  /** When cycles run (defaults: {@link DEFAULT_TRIGGER_CONFIG}: intents debounced 1 s, every 5 minutes, retries from 15 s). */
  readonly schedule?: Partial<TriggerConfig> | undefined;
  /** The clock, ms since epoch (default `Date.now`). */
  readonly now?: (() => number) | undefined;
  /** A number in [0, 1) for retry jitter (default `Math.random`). */
  readonly random?: (() => number) | undefined;
  /** Rolling activity window in days (default 90). */
  readonly activityWindowDays?: number | undefined;
  /** Fields synced beyond the book's shapes, per object (check it with `checkExtraFieldConfig`). */
  readonly extraFields?: ExtraFieldConfig | undefined;
  /** Retries of retryable Salesforce errors inside one cycle (default 4, from 500 ms). */
  readonly retry?: RetryOptions | undefined;
  /** Called once when Salesforce revoked the sign-in; the sync has stopped. Sign in again and create a new one. */
  readonly onRevoked?: ((message: string) => void) | undefined;
  /** Called after every cycle with the status it left. */
  readonly onCycle?: ((status: BookSyncStatus) => void) | undefined;
}

/** A running book sync. See {@link createBookSync}. */
export interface BookSync {
  /** Runs a cycle now (or the next one when one is running); resolves with the status once it finished. Never rejects. */
  syncNow(): Promise<BookSyncStatus>;
  /** The current status. */
  status(): BookSyncStatus;
  /** A device (a UI) showing the book connected: after a quiet period a cycle runs at once. */
  deviceConnected(): void;
  /** A device showing the book went away. */
  deviceDisconnected(): void;
  /** Stops scheduling; resolves once a cycle in progress has finished. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Syncs a book the app owns with Salesforce, in-process.
 *
 * @remarks Runs the same worker loop as the server: cycles on a schedule, a debounced cycle
 * when a device adds an intent to `doc`, one at a time, backoff after failures, receipts moved
 * forward, and a stop on revocation (`onRevoked`). Each cycle opens the book (`openBook`:
 * migrates an older doc, refuses a newer one), pulls, plans, awaits `persist`, then writes.
 * Failures never reject: they show in {@link BookSync.status} and in the doc's `meta.sync`.
 * For Effect users, `runCycle` is the lower level this is built on.
 * @example
 * ```ts
 * const sync = createBookSync({ doc, salesforce, persist: async (d) => save(Y.encodeStateAsUpdate(d)) });
 * const status = await sync.syncNow();
 * if (status.lastError) console.warn(status.lastErrorCode, status.lastError);
 * await sync.stop();
 * ```
 */
export function createBookSync(options: BookSyncOptions): BookSync {
  checkOptions(options);
  const { doc, persist } = options;
  const loop = new SyncLoop({
    salesforce: options.salesforce,
    acquire: async () => ({
      doc,
      beforeWrite: async (d) => {
        await persist(d);
      },
      release: () => {},
    }),
    onSettled: options.onCycle,
    onRevoked: options.onRevoked,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    trigger: options.schedule,
    activityWindowDays: options.activityWindowDays,
    extraFields: options.extraFields,
    retry: options.retry,
  });
  loop.watch(doc);
  loop.start();
  return {
    syncNow: () => loop.syncNow(),
    status: () => loop.status(),
    deviceConnected: () => loop.deviceConnected(),
    deviceDisconnected: () => loop.deviceDisconnected(),
    stop: () => loop.stop(),
  };
}

/** A plain-JS caller gets a clear error naming the option, not a failure inside a later cycle. */
function checkOptions(options: BookSyncOptions): void {
  // Duck-typed: `instanceof` would refuse a doc made by a second copy of yjs.
  const doc = options.doc as Partial<Y.Doc> | undefined;
  if (typeof doc?.getMap !== "function" || typeof doc.transact !== "function") {
    throw new TypeError("createBookSync: `doc` must be a Y.Doc");
  }
  const sf = options.salesforce as Partial<BookSyncSalesforce> | undefined;
  if (typeof sf?.port !== "function" || typeof sf.userId !== "string" || typeof sf.orgId !== "string") {
    throw new TypeError("createBookSync: `salesforce` must have `userId`, `orgId` and `port()` (use a sign-in helper)");
  }
  if (typeof options.persist !== "function") throw new TypeError("createBookSync: `persist` must be a function");
}
