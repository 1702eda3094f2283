/**
 * The sync runner (docs/architecture.md, "The sync cycle"): one cycle is pull → plan → apply (mirror, final receipts and
 * write-ahead `sending` receipts) → persist → look up earlier attempts → push → apply results,
 * and once more when a write was applied, so the mirror reflects it at once (a closed
 * opportunity leaves, a created Task arrives). `meta.org` (instance URL, stage order) is read
 * when the book lacks it or pulls its scope in full.
 * This file runs the steps in order and types and records their failures; the pull is in
 * `pull-step.ts`, lookups and pushes in `push-step.ts`, what the steps share in
 * `cycle-context.ts` and the backoff in `retry.ts`.
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
import { Data, Effect } from "effect";
import type * as Y from "yjs";
import { readOrgInfo, readScopeContinuation, readWatermarks } from "../doc/book-decode.js";
import { bookMaps, type MetaKey } from "../doc/layout.js";
import { type BookVersionTooNewError, openBook } from "../doc/version.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { OrgInfo, SyncStatus } from "../model/schemas.js";
import { CONFIGURABLE_OBJECTS, describesConfig, fieldSelection } from "../port/field-selection.js";
import type {
  ApiUsage,
  ExtraFieldConfig,
  ObjectFieldSelection,
  SalesforcePort,
  SalesforcePortError,
} from "../port/salesforce-port.js";
import { applyPlan } from "../reconcile/apply.js";
import { plan } from "../reconcile/plan.js";
import { EMPTY_PLAN, type Plan } from "../reconcile/plan-builder.js";
import { describePortError } from "../reconcile/receipt-errors.js";
import { readBookState } from "../reconcile/state.js";
import { type CycleContext, createCycleContext } from "./cycle-context.js";
import { type CyclePull, pullCycle } from "./pull-step.js";
import { pushInBatches, resolveByLookup } from "./push-step.js";
import { createRetry, DEFAULT_RETRY, type RetryOptions } from "./retry.js";

export type { RetryOptions } from "./retry.js";

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

/** Options of {@link runCycle}. */
export interface RunnerOptions {
  /** The book document; the cycle opens it ({@link openBook}) before anything else. */
  readonly doc: Y.Doc;
  /** Salesforce, acting as the book's owner. */
  readonly port: SalesforcePort;
  /** The book's owner. */
  readonly userId: SalesforceId;
  /** The book's org; written to `meta.orgId` when given. */
  readonly orgId?: string | undefined;
  /** The clock. */
  readonly now: () => Date;
  /** A number in [0, 1): the jitter of backoff delays. */
  readonly random: () => number;
  /** Makes the doc durable (e.g. flush its updates to the store); runs before any write. */
  readonly beforeWrite: (doc: Y.Doc) => Effect.Effect<void, unknown>;
  /** Rolling activity window (default 90 days). */
  readonly activityWindowDays?: number | undefined;
  /**
   * How far ahead activities are pulled (default 60 days): an Event starting later, or a Task
   * dated later, is not in the book (yet).
   */
  readonly activityHorizonDays?: number | undefined;
  /**
   * Fields synced beyond the shapes, per object (e.g. `{ Opportunity: ["NextStep", "Competitor__c"] }`):
   * each is checked against the user's describe; readable ones land in the records' `extra`,
   * others in `meta.org.fieldNotes`. Check a configuration with `checkExtraFieldConfig`.
   */
  readonly extraFields?: ExtraFieldConfig | undefined;
  /** How long `meta.org` (time zone, describe, record types) is trusted before it is read again (default 24 hours: a few calls a day). */
  readonly orgInfoMaxAgeMs?: number | undefined;
  /** How long a `sending` receipt counts as in flight (default 60 s). */
  readonly sendingLeaseMs?: number | undefined;
  /** How far a logged activity's `occurredAt` may lie ahead of `now` (default 5 minutes). */
  readonly clockSkewMs?: number | undefined;
  /** How retryable port errors are retried within the cycle. */
  readonly retry?: RetryOptions | undefined;
  /** Skip the cycle when the org's API usage is at or above this share (default 0.95). */
  readonly budgetStopAt?: number | undefined;
  /** Writes per push call (default 200, the sObject Collections limit). */
  readonly batchSize?: number | undefined;
}

/** What one cycle did. */
export interface CycleReport {
  /** `api-budget` when the cycle did nothing because the org's API usage reached `budgetStopAt`. */
  readonly skipped: "api-budget" | null;
  /** What the pulls returned: records upserted, records removed, activities. */
  readonly pulled: { readonly records: number; readonly removed: number; readonly activities: number };
  /** What the plan held: mirror upserts and deletes, and writes to push. */
  readonly planned: { readonly upserts: number; readonly deletes: number; readonly writes: number };
  /** Idempotency keys looked up (creates whose earlier outcome was unknown). */
  readonly lookups: number;
  /** Of those, creates found already in Salesforce (not pushed again). */
  readonly foundByLookup: number;
  /** Writes sent to Salesforce. */
  readonly pushed: number;
  /** Receipts this cycle wrote as `applied`. */
  readonly applied: number;
  /** Receipts this cycle wrote as `failed`. */
  readonly failed: number;
  /** Receipts this cycle wrote as `conflict`. */
  readonly conflicts: number;
  /** The port's API usage at the end of the cycle. */
  readonly apiUsage: { readonly used: number; readonly max: number; readonly callsMade: number };
  /**
   * A first sync is reading a large object in pages (`meta.scopeContinuation`): run the next
   * cycle now rather than at the schedule.
   */
  readonly more: boolean;
}

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
  const ctx = createCycleContext(doc, port, now, createRetry(options.retry ?? DEFAULT_RETRY, options.random));
  return cycleSteps(ctx, options).pipe(
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

/** The steps of one cycle, in order; {@link runCycle} types and records their failures. */
function cycleSteps(
  ctx: CycleContext,
  options: RunnerOptions,
): Effect.Effect<CycleReport, SalesforcePortError | PersistFailed | BookVersionTooNewError> {
  return Effect.gen(function* () {
    const opened = openBook(ctx.doc, { orgId: options.orgId, userId: options.userId, now: ctx.now() });
    if (!opened.ok) return yield* Effect.fail(opened.error);

    const usage = ctx.port.usage();
    if (usage.max > 0 && usage.used / usage.max >= (options.budgetStopAt ?? 0.95)) return skippedReport(usage);

    // What the screens and pulls need of the org (stage order, time zone, describe): when
    // missing, stale or described for other fields, and on a full pull.
    yield* refreshOrgInfo(ctx, options);

    const first = yield* syncRound(ctx, options);
    // A write that reached Salesforce changes what the mirror must hold (a close takes the
    // opportunity out of the scope, a created Task joins it): one more round reads it back
    // now rather than at the next scheduled cycle, so no device shows the old state meanwhile.
    if (first.wrote) yield* syncRound(ctx, options);

    recordIdle(ctx);
    return cycleReport(ctx, first.pulled, first.plan);
  });
}

const DEFAULT_ORG_INFO_MAX_AGE_MS = 24 * 3_600_000;

/** A selection that reads nothing beyond the shape is the same as none. */
const selectionKey = (s: ObjectFieldSelection | undefined): string =>
  s === undefined || (s.extra.length === 0 && s.hidden.length === 0)
    ? ""
    : JSON.stringify([[...s.extra].sort(), [...s.hidden].sort()]);

/**
 * Writes `meta.org` when the book lacks it (or has a damaged one), when it is older than
 * `orgInfoMaxAgeMs` (the user may have moved time zone, an admin changed field access), when
 * it was described for other extra fields than configured, and on a full scope pull. An object
 * whose field selection changes has its watermark dropped: its records are read again in full,
 * so every record has the new fields.
 */
function refreshOrgInfo(ctx: CycleContext, options: RunnerOptions): Effect.Effect<void, SalesforcePortError> {
  return Effect.gen(function* () {
    const pullOrgInfo = ctx.port.pullOrgInfo;
    if (pullOrgInfo === undefined) return;
    const { meta } = bookMaps(ctx.doc);
    // Only meta is read: reading the whole book state here would cost a pass over the mirror.
    const marks = readWatermarks(meta.get("watermarks")) ?? {};
    const fullPull = marks.Opportunity === undefined;
    const old = readOrgInfo(meta.get("org"));
    const config = options.extraFields ?? {};
    const nowMs = ctx.now().getTime();
    const fetchedMs = old?.fetchedAt === undefined ? Number.NaN : Date.parse(old.fetchedAt);
    const fresh =
      old !== null &&
      fetchedMs + (options.orgInfoMaxAgeMs ?? DEFAULT_ORG_INFO_MAX_AGE_MS) > nowMs &&
      describesConfig(old, config);
    if (fresh && !fullPull) return;
    const pulled = yield* ctx.retry.retrying(pullOrgInfo({ userId: options.userId, extraFields: config }));
    const org: OrgInfo = { ...pulled, fetchedAt: new Date(nowMs).toISOString() };
    const before = fieldSelection(old);
    const after = fieldSelection(org);
    const nextMarks: Record<string, string> = { ...marks };
    for (const [object] of CONFIGURABLE_OBJECTS)
      if (selectionKey(before[object]) !== selectionKey(after[object])) delete nextMarks[object];
    const writes: Array<{ key: MetaKey; value: unknown }> = [{ key: "org", value: org }];
    if (Object.keys(nextMarks).length !== Object.keys(marks).length)
      writes.push({ key: "watermarks", value: nextMarks });
    ctx.apply({ ...EMPTY_PLAN, meta: writes });
  });
}

/** One pull → plan → apply → persist → lookup → push round; `wrote` when a write was applied. */
function syncRound(
  ctx: CycleContext,
  options: RunnerOptions,
): Effect.Effect<{ pulled: CyclePull; plan: Plan; wrote: boolean }, SalesforcePortError | PersistFailed> {
  return Effect.gen(function* () {
    // 1. Pull: scope, then the Key contacts' activities.
    const pulled = yield* pullCycle(ctx, options.userId, {
      windowDays: options.activityWindowDays ?? 90,
      horizonDays: options.activityHorizonDays ?? 60,
    });

    // 2. Plan, and 3. apply it: the `sending` receipts are the write-ahead log.
    const p = plan(
      ctx.state(),
      { scope: pulled.scope, activities: pulled.activities, keyContactIds: pulled.keyContactIds },
      ctx.now(),
      { userId: options.userId, sendingLeaseMs: options.sendingLeaseMs, clockSkewMs: options.clockSkewMs },
    );
    ctx.tally(p);
    ctx.apply(p);
    let writes = p.writes;
    if (writes.length > 0) {
      yield* Effect.mapError(options.beforeWrite(ctx.doc), (e) => new PersistFailed({ message: String(e) }));
    }
    const appliedBefore = ctx.counts.applied;

    // 4. Earlier attempts first: a found key means the Task exists.
    if (p.lookups.length > 0)
      writes = yield* resolveByLookup(
        ctx,
        writes,
        p.lookups.map((l) => l.key),
      );

    // 5. Push in batches, 6. apply each batch's results.
    yield* pushInBatches(ctx, writes, options.batchSize ?? 200);
    return { pulled, plan: p, wrote: ctx.counts.applied > appliedBefore };
  });
}

/** The report of a cycle skipped because the org's API budget is spent. */
function skippedReport(usage: ApiUsage): CycleReport {
  return {
    skipped: "api-budget",
    pulled: { records: 0, removed: 0, activities: 0 },
    planned: { upserts: 0, deletes: 0, writes: 0 },
    lookups: 0,
    foundByLookup: 0,
    pushed: 0,
    applied: 0,
    failed: 0,
    conflicts: 0,
    apiUsage: usage,
    more: false,
  };
}

/** Records a successful cycle in `meta.sync` (state `idle`). */
function recordIdle(ctx: CycleContext): void {
  const usage = ctx.port.usage();
  const sync: SyncStatus = {
    state: "idle",
    lastSuccessAt: ctx.now().toISOString(),
    lastError: null,
    apiUsage: { used: usage.used, max: usage.max },
    records: recordCounts(ctx.doc),
  };
  ctx.apply({ ...EMPTY_PLAN, meta: [{ key: "sync", value: sync }] });
}

/** The report of a cycle that ran to the end. */
function cycleReport(ctx: CycleContext, pulled: CyclePull, p: Plan): CycleReport {
  const { scope, activities } = pulled;
  return {
    skipped: null,
    pulled: {
      records: scope.opportunities.length + scope.accounts.length + scope.contacts.length + scope.contactRoles.length,
      removed: pulled.removedScope.size + activities.removedIds.length,
      activities: activities.activities.length,
    },
    planned: { upserts: p.upserts.length, deletes: p.deletes.length, writes: p.writes.length },
    ...ctx.counts,
    apiUsage: ctx.port.usage(),
    more: readScopeContinuation(bookMaps(ctx.doc).meta.get("scopeContinuation")) !== null,
  };
}
