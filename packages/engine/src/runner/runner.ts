/**
 * The sync runner (docs/architecture.md, "The sync cycle"): one cycle is pull → plan → apply (mirror, final receipts and
 * write-ahead `sending` receipts) → persist → look up earlier attempts → push → apply results.
 *
 * Invariants:
 * - no write reaches the port before the host's `beforeWrite` hook has made the `sending`
 *   receipts durable (write-ahead), so a crash at any point is resolved by a later cycle's
 *   lookup (exactly-once, docs/protocol.md §4, write-ahead);
 * - a create whose outcome is unknown is looked up by its idempotency key, never blindly
 *   re-pushed; updates are re-pushed with their precondition, which makes them idempotent;
 * - retryable errors back off with jitter drawn from the injected `random`; `Revoked` stops;
 * - every doc write is a plan applied with origin `salesforce` (no echo);
 * - nothing in the document can make a cycle fail or throw (issue 18): the book is opened with
 *   `openBook` (which refuses a newer doc and repairs damaged meta and mirror entries) and read
 *   through `readBookState`'s checks; every failure, typed or a defect, ends as a typed
 *   {@link RunnerError} recorded in `meta.sync` with state `error`.
 */
import { Data, Duration, Effect, Schedule } from "effect";
import type * as Y from "yjs";
import { type BookDecodeCache, createBookDecodeCache } from "../doc/book-decode.js";
import { bookMaps } from "../doc/layout.js";
import { type BookVersionTooNewError, openBook } from "../doc/version.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { SyncStatus } from "../model/schemas.js";
import type {
  IdempotencyKey,
  MirroredIds,
  SalesforcePort,
  SalesforcePortError,
  SalesforceWrite,
  WriteResult,
} from "../port/salesforce-port.js";
import { applyPlan } from "../reconcile/apply.js";
import { keyContactIds } from "../reconcile/key-contacts.js";
import {
  describePortError,
  EMPTY_PLAN,
  isRetryable,
  type Plan,
  plan,
  planCallFailure,
  planLookupResults,
  planResults,
} from "../reconcile/plan.js";
import { type BookState, overlayTable, readBookState } from "../reconcile/state.js";

/** The host could not make the doc durable before a write; nothing was pushed. */
export class PersistFailed extends Data.TaggedError("PersistFailed")<{ readonly message: string }> {}

/** The cycle stopped on a port error (after retries, when retryable). */
export class CycleFailed extends Data.TaggedError("CycleFailed")<{
  readonly error: SalesforcePortError;
  readonly message: string;
}> {}

/**
 * A bug stopped the cycle (something threw). `defect` is what was thrown, for the host to
 * inspect; the message is generic because a thrown message may quote document content.
 */
export class CycleDefect extends Data.TaggedError("CycleDefect")<{
  readonly defect: unknown;
  readonly message: string;
}> {}

/**
 * Why a cycle failed. `Revoked` (inside {@link CycleFailed}) means: stop this book's worker;
 * {@link BookVersionTooNewError} means: this engine must not sync the book until it is updated.
 */
export type RunnerError = CycleFailed | PersistFailed | BookVersionTooNewError | CycleDefect;

/** The `meta.sync.lastError.code` of a failure that is not a port error. */
export const SYNC_ERROR_CODES = {
  schemaTooNew: "SCHEMA_TOO_NEW",
  persistFailed: "PersistFailed",
  internal: "INTERNAL",
} as const;

/**
 * The code and readable message a failed cycle records in `meta.sync.lastError`.
 *
 * @remarks The code is a fixed identifier (a port error's tag or Salesforce's error code, or
 * one of {@link SYNC_ERROR_CODES}), safe to log; the message may quote Salesforce, which may
 * quote a value the user wrote, so it is for the user, not for logs.
 * @example
 * ```ts
 * describeRunnerError(new PersistFailed({ message: "disk full" })); // { code: "PersistFailed", … }
 * ```
 */
export function describeRunnerError(error: RunnerError): { readonly code: string; readonly message: string } {
  switch (error._tag) {
    case "CycleFailed":
      return describePortError(error.error);
    case "PersistFailed":
      return { code: SYNC_ERROR_CODES.persistFailed, message: error.message };
    case "BookVersionTooNewError":
      return { code: SYNC_ERROR_CODES.schemaTooNew, message: error.message };
    case "CycleDefect":
      return { code: SYNC_ERROR_CODES.internal, message: error.message };
  }
}

/** Backoff of retryable errors. */
export interface RetryOptions {
  /** First delay (default 500 ms); each retry doubles it. */
  readonly baseMs: number;
  /** Retries per call (default 4). */
  readonly times: number;
}

/** Options of {@link runCycle}. */
export interface RunnerOptions {
  readonly doc: Y.Doc;
  readonly port: SalesforcePort;
  readonly userId: SalesforceId;
  readonly orgId?: string | undefined;
  readonly now: () => Date;
  /** A number in [0, 1): the jitter of backoff delays. */
  readonly random: () => number;
  /** Makes the doc durable (e.g. flush its updates to the store); runs before any write. */
  readonly beforeWrite: (doc: Y.Doc) => Effect.Effect<void, unknown>;
  /** Rolling activity window (default 90 days). */
  readonly activityWindowDays?: number | undefined;
  /** How long a `sending` receipt counts as in flight (default 60 s). */
  readonly sendingLeaseMs?: number | undefined;
  /** How far a logged activity's `occurredAt` may lie ahead of `now` (default 5 minutes). */
  readonly clockSkewMs?: number | undefined;
  readonly retry?: RetryOptions | undefined;
  /** Skip the cycle when the org's API usage is at or above this share (default 0.95). */
  readonly budgetStopAt?: number | undefined;
  /** Writes per push call (default 200, the sObject Collections limit). */
  readonly batchSize?: number | undefined;
}

/** What one cycle did. */
export interface CycleReport {
  readonly skipped: "api-budget" | null;
  readonly pulled: { readonly records: number; readonly removed: number; readonly activities: number };
  readonly planned: { readonly upserts: number; readonly deletes: number; readonly writes: number };
  readonly lookups: number;
  readonly foundByLookup: number;
  readonly pushed: number;
  readonly applied: number;
  readonly failed: number;
  readonly conflicts: number;
  readonly apiUsage: { readonly used: number; readonly max: number; readonly callsMade: number };
}

const DAY = 86_400_000;

function recordCounts(doc: Y.Doc): NonNullable<SyncStatus["records"]> {
  const m = bookMaps(doc);
  return {
    opportunities: m.opportunities.size,
    accounts: m.accounts.size,
    contacts: m.contacts.size,
    contactRoles: m.contactRoles.size,
    activities: m.activities.size,
  };
}

function mirroredIdsOf(s: BookState): MirroredIds {
  return {
    opportunityIds: new Set(s.opportunities.keys()) as Set<SalesforceId>,
    accountIds: new Set(s.accounts.keys()) as Set<SalesforceId>,
    contactIds: new Set(s.contacts.keys()) as Set<SalesforceId>,
    contactRoleIds: new Set(s.contactRoles.keys()) as Set<SalesforceId>,
  };
}

/**
 * Records a failure in `meta.sync` (state `error`), keeping the last success and API usage.
 *
 * @remarks For hosts whose failure happened outside {@link runCycle} (e.g. no port could be
 * built); {@link runCycle} records its own failures. One transaction, origin `salesforce`.
 * @example
 * ```ts
 * writeSyncError(doc, { code: "TokenUnavailable", message: "sign in again" }, new Date());
 * ```
 */
export function writeSyncError(
  doc: Y.Doc,
  error: { readonly code: string; readonly message: string },
  now: Date,
  apiUsage?: { readonly used: number; readonly max: number } | undefined,
): void {
  const previous = readBookState(doc).meta.sync;
  const sync: SyncStatus = {
    state: "error",
    lastSuccessAt: previous?.lastSuccessAt ?? null,
    lastError: { code: error.code, message: error.message, at: now.toISOString() },
    apiUsage: apiUsage ?? previous?.apiUsage ?? { used: 0, max: 0 },
    records: recordCounts(doc),
  };
  applyPlan(doc, { ...EMPTY_PLAN, meta: [{ key: "sync", value: sync }] });
}

/**
 * Runs one sync cycle.
 *
 * @remarks Fails with {@link CycleFailed} (its `error` tells whether it was `Revoked`),
 * {@link PersistFailed}, {@link BookVersionTooNewError} (nothing pulled, nothing but the sync
 * status written) or {@link CycleDefect}; every failure is recorded in `meta.sync` (state
 * `error`, {@link describeRunnerError}). Document content never fails a cycle: what does not
 * decode is repaired (`openBook`) or ends in a final receipt (the planner).
 * @example
 * ```ts
 * await Effect.runPromise(runCycle({ doc, port, userId, now: () => new Date(), random: Math.random,
 *   beforeWrite: (doc) => store.flush(doc) }));
 * ```
 */
export function runCycle(options: RunnerOptions): Effect.Effect<CycleReport, RunnerError> {
  const { doc, port, now } = options;
  const retry = options.retry ?? { baseMs: 500, times: 4 };
  const batchSize = options.batchSize ?? 200;
  const backoff = Schedule.exponential(Duration.millis(retry.baseMs)).pipe(
    Schedule.modifyDelay((meta) =>
      Effect.succeed(Duration.millis(Duration.toMillis(meta.output) * (0.5 + options.random()))),
    ),
  );
  const retrying = <A>(effect: Effect.Effect<A, SalesforcePortError>): Effect.Effect<A, SalesforcePortError> =>
    // Reads are safe to repeat, so every retryable error (a lost response too) is retried.
    Effect.retry(effect, { schedule: backoff, times: retry.times, while: (e: SalesforcePortError) => isRetryable(e) });
  const sleepBackoff = (attempt: number) =>
    Effect.sleep(Duration.millis(retry.baseMs * 2 ** attempt * (0.5 + options.random())));

  // Each read of the doc sees its current content; decoded intents and receipts are shared.
  const cache: BookDecodeCache = createBookDecodeCache();
  const state = () => readBookState(doc, { cache });
  const apply = (p: Plan) => applyPlan(doc, p);
  const recordIdle = () => {
    const usage = port.usage();
    const sync: SyncStatus = {
      state: "idle",
      lastSuccessAt: now().toISOString(),
      lastError: null,
      apiUsage: { used: usage.used, max: usage.max },
      records: recordCounts(doc),
    };
    apply({ ...EMPTY_PLAN, meta: [{ key: "sync", value: sync }] });
  };

  const counts = { applied: 0, failed: 0, conflicts: 0, pushed: 0, lookups: 0, foundByLookup: 0 };
  const tally = (p: Plan) => {
    for (const r of p.receipts) {
      if (r.status === "applied") counts.applied++;
      else if (r.status === "failed") counts.failed++;
      else if (r.status === "conflict") counts.conflicts++;
    }
  };

  /** Looks up earlier attempts of the creates among `writes`; returns the writes still to push. */
  const resolveByLookup = (
    writes: ReadonlyArray<SalesforceWrite>,
    keys: ReadonlyArray<IdempotencyKey>,
  ): Effect.Effect<ReadonlyArray<SalesforceWrite>, SalesforcePortError> =>
    Effect.gen(function* () {
      counts.lookups += keys.length;
      const found = yield* retrying(port.lookup(keys));
      const resolved = planLookupResults(state(), writes, found, now());
      counts.foundByLookup += writes.length - resolved.remaining.length;
      tally(resolved.plan);
      apply(resolved.plan);
      return resolved.remaining;
    });

  /** Pushes one batch; on a lost response, looks the creates up before pushing again. */
  const pushBatch = (
    batch: ReadonlyArray<SalesforceWrite>,
  ): Effect.Effect<
    { writes: ReadonlyArray<SalesforceWrite>; results: ReadonlyArray<WriteResult> },
    SalesforcePortError
  > =>
    Effect.gen(function* () {
      let writes = batch;
      for (let attempt = 0; ; attempt++) {
        const outcome = yield* Effect.result(port.push(writes));
        if (outcome._tag === "Success") return { writes, results: outcome.success };
        const error = outcome.failure;
        if (!isRetryable(error) || attempt >= retry.times) return yield* Effect.fail(error);
        yield* sleepBackoff(attempt);
        if (error._tag === "OutcomeUnknown") {
          const keys = writes.flatMap((w) => (w.kind === "createTask" ? [w.key] : []));
          if (keys.length > 0) {
            writes = yield* resolveByLookup(writes, keys);
            if (writes.length === 0) return { writes, results: [] };
          }
        }
      }
    });

  const cycle = Effect.gen(function* () {
    const opened = openBook(doc, { orgId: options.orgId, userId: options.userId, now: now() });
    if (!opened.ok) return yield* Effect.fail(opened.error);

    const usage = port.usage();
    if (usage.max > 0 && usage.used / usage.max >= (options.budgetStopAt ?? 0.95)) {
      return {
        skipped: "api-budget" as const,
        pulled: { records: 0, removed: 0, activities: 0 },
        planned: { upserts: 0, deletes: 0, writes: 0 },
        lookups: 0,
        foundByLookup: 0,
        pushed: 0,
        applied: 0,
        failed: 0,
        conflicts: 0,
        apiUsage: usage,
      };
    }

    // 1. Pull: scope, then the Key contacts' activities.
    const before = state();
    const scope = yield* retrying(
      port.pullScope({ userId: options.userId, watermarks: before.meta.watermarks, mirrored: mirroredIdsOf(before) }),
    );
    const removedScope = new Set<string>([
      ...scope.removed.opportunityIds,
      ...scope.removed.accountIds,
      ...scope.removed.contactIds,
      ...scope.removed.contactRoleIds,
    ]);
    const overlay = <V extends { readonly Id: string }>(
      table: Parameters<typeof overlayTable<V>>[0],
      records: ReadonlyArray<V>,
    ) => overlayTable(table, new Map(records.map((r) => [r.Id as string, r])), removedScope);
    const keys = keyContactIds({
      opportunities: overlay(
        before.opportunities,
        scope.opportunities.filter((o) => !o.IsClosed),
      ),
      contacts: overlay(before.contacts, scope.contacts),
      contactRoles: overlay(before.contactRoles, scope.contactRoles),
      interactions: before.interactions,
      intents: before.intents,
      receipts: before.receipts,
    });
    const windowStart = new Date(now().getTime() - (options.activityWindowDays ?? 90) * DAY).toISOString();
    const activities = yield* retrying(
      port.pullActivities({
        whoIds: [...keys] as SalesforceId[],
        windowStart,
        watermarks: before.meta.watermarks,
        mirroredIds: new Set(before.activities.keys()) as Set<SalesforceId>,
      }),
    );

    // 2. Plan, and 3. apply it: the `sending` receipts are the write-ahead log.
    const p = plan(state(), { scope, activities, keyContactIds: keys }, now(), {
      userId: options.userId,
      sendingLeaseMs: options.sendingLeaseMs,
      clockSkewMs: options.clockSkewMs,
    });
    tally(p);
    apply(p);
    let writes = p.writes;
    if (writes.length > 0) {
      yield* Effect.mapError(options.beforeWrite(doc), (e) => new PersistFailed({ message: String(e) }));
    }

    // 4. Earlier attempts first: a found key means the Task exists.
    if (p.lookups.length > 0)
      writes = yield* resolveByLookup(
        writes,
        p.lookups.map((l) => l.key),
      );

    // 5. Push in batches, 6. apply each batch's results.
    for (let i = 0; i < writes.length; i += batchSize) {
      const batch = writes.slice(i, i + batchSize);
      const outcome = yield* Effect.result(pushBatch(batch));
      if (outcome._tag === "Failure") {
        apply(planCallFailure(state(), writes.slice(i), outcome.failure, now()));
        return yield* Effect.fail(outcome.failure);
      }
      counts.pushed += outcome.success.writes.length;
      const rp = planResults(state(), outcome.success.writes, outcome.success.results, now());
      tally(rp);
      apply(rp);
    }

    recordIdle();
    return {
      skipped: null,
      pulled: {
        records: scope.opportunities.length + scope.accounts.length + scope.contacts.length + scope.contactRoles.length,
        removed: removedScope.size + activities.removedIds.length,
        activities: activities.activities.length,
      },
      planned: { upserts: p.upserts.length, deletes: p.deletes.length, writes: p.writes.length },
      ...counts,
      apiUsage: port.usage(),
    } satisfies CycleReport;
  });

  return cycle.pipe(
    Effect.mapError(
      (e): RunnerError =>
        e._tag === "PersistFailed" || e._tag === "BookVersionTooNewError"
          ? e
          : new CycleFailed({ error: e, message: e.message }),
    ),
    Effect.catchDefect((defect) =>
      Effect.fail(new CycleDefect({ defect, message: "An unexpected error stopped the sync cycle." })),
    ),
    Effect.tapError((e) =>
      Effect.sync(() => {
        const usage = port.usage();
        writeSyncError(doc, describeRunnerError(e), now(), { used: usage.used, max: usage.max });
      }),
    ),
  );
}
