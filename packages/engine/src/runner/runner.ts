/**
 * The sync runner (DESIGN §5): one cycle is pull → plan → apply (mirror, final receipts and
 * write-ahead `sending` receipts) → persist → look up earlier attempts → push → apply results.
 *
 * Invariants:
 * - no write reaches the port before the host's `beforeWrite` hook has made the `sending`
 *   receipts durable (write-ahead), so a crash at any point is resolved by a later cycle's
 *   lookup (exactly-once, DESIGN §6.3);
 * - a create whose outcome is unknown is looked up by its idempotency key, never blindly
 *   re-pushed; updates are re-pushed with their precondition, which makes them idempotent;
 * - retryable errors back off with jitter drawn from the injected `random`; `Revoked` stops;
 * - every doc write is a plan applied with origin `salesforce` (no echo).
 */
import { Data, Duration, Effect, Schedule } from "effect";
import type * as Y from "yjs";
import { bookMaps } from "../doc/layout.js";
import { checkBookVersion, type OpenBookError, openBook } from "../doc/version.js";
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
  isRetryable,
  type Plan,
  plan,
  planCallFailure,
  planLookupResults,
  planResults,
} from "../reconcile/plan.js";
import { overlayTable, readBookState } from "../reconcile/state.js";

/** The host could not make the doc durable before a write; nothing was pushed. */
export class PersistFailed extends Data.TaggedError("PersistFailed")<{ readonly message: string }> {}

/** The cycle stopped on a port error (after retries, when retryable). */
export class CycleFailed extends Data.TaggedError("CycleFailed")<{
  readonly error: SalesforcePortError;
  readonly message: string;
}> {}

/** Why a cycle failed. `Revoked` (inside {@link CycleFailed}) means: stop this book's worker. */
export type RunnerError = CycleFailed | PersistFailed | OpenBookError;

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

function mirroredIdsOf(doc: Y.Doc): MirroredIds {
  const s = readBookState(doc);
  return {
    opportunityIds: new Set(s.opportunities.keys()) as Set<SalesforceId>,
    accountIds: new Set(s.accounts.keys()) as Set<SalesforceId>,
    contactIds: new Set(s.contacts.keys()) as Set<SalesforceId>,
    contactRoleIds: new Set(s.contactRoles.keys()) as Set<SalesforceId>,
  };
}

/**
 * Runs one sync cycle.
 *
 * @remarks Fails with {@link CycleFailed} (its `error` tells whether it was `Revoked`),
 * {@link PersistFailed} or a doc-version error; the sync status in `meta` records the error.
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

  const apply = (p: Plan) => applyPlan(doc, p);
  const syncStatus = (state: SyncStatus["state"], lastError: SyncStatus["lastError"]): SyncStatus => {
    const usage = port.usage();
    const previous = readBookState(doc).meta.sync;
    return {
      state,
      lastSuccessAt: state === "idle" ? now().toISOString() : (previous?.lastSuccessAt ?? null),
      lastError,
      apiUsage: { used: usage.used, max: usage.max },
      records: recordCounts(doc),
    };
  };
  const recordSync = (sync: SyncStatus) =>
    apply({ upserts: [], deletes: [], receipts: [], writes: [], lookups: [], meta: [{ key: "sync", value: sync }] });

  const counts = { applied: 0, failed: 0, conflicts: 0, pushed: 0, lookups: 0, foundByLookup: 0 };
  const tally = (p: Plan) => {
    for (const r of p.receipts) {
      if (r.status === "applied") counts.applied++;
      else if (r.status === "failed") counts.failed++;
      else if (r.status === "conflict") counts.conflicts++;
    }
  };

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
            counts.lookups += keys.length;
            const found = yield* retrying(port.lookup(keys));
            const resolved = planLookupResults(readBookState(doc), writes, found, now());
            counts.foundByLookup += writes.length - resolved.remaining.length;
            tally(resolved.plan);
            apply(resolved.plan);
            writes = resolved.remaining;
            if (writes.length === 0) return { writes, results: [] };
          }
        }
      }
    });

  const cycle = Effect.gen(function* () {
    const versionError = checkBookVersion(doc);
    if (versionError !== undefined) return yield* Effect.fail(versionError);
    const opened = openBook(doc, { orgId: options.orgId, userId: options.userId });
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
    const before = readBookState(doc);
    const scope = yield* retrying(
      port.pullScope({ userId: options.userId, watermarks: before.meta.watermarks, mirrored: mirroredIdsOf(doc) }),
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
    const p = plan(readBookState(doc), { scope, activities, keyContactIds: keys }, now(), {
      userId: options.userId,
      sendingLeaseMs: options.sendingLeaseMs,
    });
    tally(p);
    apply(p);
    let writes = p.writes;
    if (writes.length > 0) {
      yield* Effect.mapError(options.beforeWrite(doc), (e) => new PersistFailed({ message: String(e) }));
    }

    // 4. Earlier attempts first: a found key means the Task exists.
    if (p.lookups.length > 0) {
      counts.lookups += p.lookups.length;
      const found = yield* retrying(port.lookup(p.lookups.map((l) => l.key as IdempotencyKey)));
      const resolved = planLookupResults(readBookState(doc), writes, found, now());
      counts.foundByLookup += writes.length - resolved.remaining.length;
      tally(resolved.plan);
      apply(resolved.plan);
      writes = resolved.remaining;
    }

    // 5. Push in batches, 6. apply each batch's results.
    for (let i = 0; i < writes.length; i += batchSize) {
      const batch = writes.slice(i, i + batchSize);
      const outcome = yield* Effect.result(pushBatch(batch));
      if (outcome._tag === "Failure") {
        apply(planCallFailure(readBookState(doc), writes.slice(i), outcome.failure, now()));
        return yield* Effect.fail(outcome.failure);
      }
      counts.pushed += outcome.success.writes.length;
      const rp = planResults(readBookState(doc), outcome.success.writes, outcome.success.results, now());
      tally(rp);
      apply(rp);
    }

    recordSync(syncStatus("idle", null));
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
    Effect.catchTags({
      RateLimited: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
      RowLocked: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
      SessionExpired: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
      Revoked: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
      AccessDenied: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
      ValidationFailed: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
      NotFound: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
      OutcomeUnknown: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
      Unavailable: (e) => Effect.fail(new CycleFailed({ error: e, message: e.message })),
    }),
    Effect.tapError((e) =>
      Effect.sync(() => {
        if (e._tag !== "CycleFailed" && e._tag !== "PersistFailed") return;
        const d = e._tag === "CycleFailed" ? describePortError(e.error) : { code: "PersistFailed", message: e.message };
        recordSync(syncStatus("error", { ...d, at: now().toISOString() }));
      }),
    ),
  );
}
