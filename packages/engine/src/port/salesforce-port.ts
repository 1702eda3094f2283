/**
 * The Salesforce port: everything the sync runner needs from Salesforce, and nothing more.
 * `@tandem/salesforce-adapter` implements it with jsforce; `@tandem/engine/testing` ships an
 * in-memory fake and the contract suite both must pass.
 *
 * Contract (every implementation keeps all of it):
 * - Every call acts as one user, with that user's permissions; nothing returned is a record
 *   Salesforce would hide from them.
 * - Reads return records in the shapes of `model/records.ts` (18-character ids, `null` for
 *   no value). A pull never returns the same record twice.
 * - `pullScope` applies the scope rules 1–4 of docs/architecture.md relative to the ids the caller already
 *   mirrors: it returns changed or newly in-scope records (cascades included: an opportunity
 *   new to the scope brings its account, every contact at that account and its roles, whatever
 *   their age) and the ids of mirrored records that left the scope or were deleted. With no
 *   watermark for an object it pulls that object in full. Watermarks it returns never move
 *   backwards.
 * - A contact linked to an in-scope opportunity by a role is in scope wherever it works (at
 *   another account, or at none), and leaves when no role or account brings it in.
 * - `pullActivities` returns the Tasks and Events related to one of `whoIds` (their `WhoId`, or
 *   with Shared Activities any TaskRelation / EventRelation contact; `WhoIds` lists them all):
 *   those dated in the window (`windowStart`..`windowEnd`) plus, per contact, the most recent
 *   one dated not after `now` whatever its age (so the latest past activity is always there,
 *   and a future one never takes its place).
 * - Records carry the selected extra fields in `extra`; a hidden shape field reads `null`.
 * - `push` is given writes in order and returns exactly one result per write, in the same
 *   order. A write whose outcome is unknown (the connection was lost after sending) is
 *   reported as `OutcomeUnknown`, never retried by the port itself.
 * - A created Task carries its idempotency key in a standard field that round-trips (or an
 *   External ID field when configured), so `lookup` finds it; `lookup` answers for every key
 *   asked, with the Task's id or `null` when no such Task exists.
 * - Failures of a whole call are typed {@link SalesforcePortError}s; per-record failures of a
 *   push are {@link WriteResult}s with the same error types.
 */
import type { Effect } from "effect";
import { Data } from "effect";
import type {
  AccountRecord,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
} from "../model/records.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { OrgInfo, ScopeContinuation } from "../model/schemas.js";

/** The objects a book pulls, each with its own watermark. */
export type ScopeObject = "Opportunity" | "Account" | "Contact" | "OpportunityContactRole" | "Task" | "Event";

/** Per object, the greatest `SystemModstamp` already mirrored (ISO 8601 UTC). */
export type Watermarks = Partial<Readonly<Record<ScopeObject, string>>>;

/** The ids the caller mirrors now, so the port can report scope exits and cascades. */
export interface MirroredIds {
  /** The mirrored Opportunity ids. */
  readonly opportunityIds: ReadonlySet<SalesforceId>;
  /** The mirrored Account ids. */
  readonly accountIds: ReadonlySet<SalesforceId>;
  /** The mirrored Contact ids. */
  readonly contactIds: ReadonlySet<SalesforceId>;
  /** The mirrored OpportunityContactRole ids. */
  readonly contactRoleIds: ReadonlySet<SalesforceId>;
}

/** The objects whose fields can be configured beyond their shape. */
export type ConfigurableObject = "Opportunity" | "Contact" | "Task" | "Event";

/**
 * The fields an app adds to what is synced, per object, by API name (`NextStep`,
 * `Competitor__c`): the engine's configuration (`RunnerOptions.extraFields`).
 */
export type ExtraFieldConfig = Partial<Readonly<Record<ConfigurableObject, ReadonlyArray<string>>>>;

/**
 * What a pull reads of one object beyond, or instead of, its shape: `extra` fields go into
 * each record's `extra` (readable configured fields, and `RecordTypeId` where the object has
 * record types); `hidden` shape fields the user cannot read are not selected and read `null`.
 * Computed by the engine from `meta.org.fields` ({@link fieldSelection}).
 */
export interface ObjectFieldSelection {
  /** API names of the fields read into each record's `extra`. */
  readonly extra: ReadonlyArray<string>;
  /** API names of the shape fields the user cannot read: not selected, they read `null`. */
  readonly hidden: ReadonlyArray<string>;
  /** Describe's type of each extra field (`boolean`, `double`, `date` …), for reads that carry text (Bulk CSV). */
  readonly types?: Readonly<Record<string, string>> | undefined;
}

/** Per object, what a pull reads beyond its shape; an object not listed reads its shape alone. */
export type FieldSelection = Partial<Readonly<Record<ConfigurableObject, ObjectFieldSelection>>>;

/** Input of {@link SalesforcePort.pullOrgInfo}. */
export interface OrgInfoRequest {
  /** The user whose time zone and describe are read. */
  readonly userId: SalesforceId;
  /** The configured extra fields, each checked against the user's describe. */
  readonly extraFields: ExtraFieldConfig;
}

/** Input of {@link SalesforcePort.pullScope}. */
export interface ScopePullRequest {
  /** The book's owner: the scope is that user's open opportunities. */
  readonly userId: SalesforceId;
  /** What is already mirrored, per object; an object without one is pulled in full. */
  readonly watermarks: Watermarks;
  /** The ids mirrored now, so the pull can report those that left the scope or were deleted. */
  readonly mirrored: MirroredIds;
  /** Fields beyond the shapes (and shape fields hidden from the user); absent: the shapes. */
  readonly fields?: FieldSelection | undefined;
  /**
   * A first sync still reading pages (`meta.scopeContinuation`, as the last pull returned it):
   * the pull goes on with the next page. Absent: none is in progress.
   */
  readonly continuation?: ScopeContinuation | undefined;
}

/** Output of {@link SalesforcePort.pullScope}: upserts, removals and the new watermarks. */
export interface ScopePull {
  /** Changed or newly in-scope opportunities. */
  readonly opportunities: ReadonlyArray<OpportunityRecord>;
  /** Changed or newly in-scope accounts (those of the in-scope opportunities). */
  readonly accounts: ReadonlyArray<AccountRecord>;
  /** Changed or newly in-scope contacts (at those accounts, or linked by a role). */
  readonly contacts: ReadonlyArray<ContactRecord>;
  /** Changed or newly in-scope opportunity contact roles. */
  readonly contactRoles: ReadonlyArray<ContactRoleRecord>;
  /** Mirrored ids that were deleted or left the scope, per object. */
  readonly removed: {
    readonly opportunityIds: ReadonlyArray<SalesforceId>;
    readonly accountIds: ReadonlyArray<SalesforceId>;
    readonly contactIds: ReadonlyArray<SalesforceId>;
    readonly contactRoleIds: ReadonlyArray<SalesforceId>;
  };
  /** The watermarks to store for the next pull; never behind the request's. */
  readonly watermarks: Watermarks;
  /** True when this was a full pull of every object (first run, or a watermark too old). */
  readonly full: boolean;
  /**
   * Set when a first sync reads an object in pages across cycles (a Bulk API 2.0 job, for an
   * object above the port's threshold): the pages still to read. The caller keeps it
   * (`meta.scopeContinuation`), hands it to the next pull, and runs that pull soon. The records
   * delivered so far are upserts like any other; the object's watermark is already set.
   */
  readonly continuation?: ScopeContinuation | undefined;
}

/** Input of {@link SalesforcePort.pullActivities}. */
export interface ActivityPullRequest {
  /** The Key contacts whose activities belong to the book. */
  readonly whoIds: ReadonlyArray<SalesforceId>;
  /** Start of the rolling window (ISO 8601 UTC). */
  readonly windowStart: string;
  /**
   * End of the window (ISO 8601 UTC): nothing dated later is pulled (an Event by its start, a
   * Task by its date). Absent: no upper bound.
   */
  readonly windowEnd?: string | undefined;
  /**
   * The time now (ISO 8601 UTC): the most recent activity per contact is the latest dated not
   * after it (a Task by its date, an Event by its start). Absent: the latest of all.
   */
  readonly now?: string | undefined;
  /** As for {@link ScopePullRequest.fields} (Task and Event). */
  readonly fields?: FieldSelection | undefined;
  /** The greatest Task and Event `SystemModstamp`s already mirrored. */
  readonly watermarks: Watermarks;
  /** Activity ids mirrored now, so deletions can be reported. */
  readonly mirroredIds: ReadonlySet<SalesforceId>;
}

/** Output of {@link SalesforcePort.pullActivities}. */
export interface ActivityPull {
  /** Changed or newly in-scope Tasks and Events. */
  readonly activities: ReadonlyArray<ActivityRecord>;
  /** Mirrored activity ids that were deleted or left the scope. */
  readonly removedIds: ReadonlyArray<SalesforceId>;
  /** The Task and Event watermarks to store for the next pull; never behind the request's. */
  readonly watermarks: Watermarks;
}

/** An opaque per-intent key that makes a create findable after a lost response. */
export type IdempotencyKey = string & { readonly __brand: "IdempotencyKey" };

/** A completed Task to create for a logged activity. */
export interface CreateTaskWrite {
  /** Tags the write kind. */
  readonly kind: "createTask";
  /** The `logActivity` intent this write carries out. */
  readonly intentId: string;
  /** Stored on the created Task so {@link SalesforcePort.lookup} finds it after a lost response. */
  readonly key: IdempotencyKey;
  /** The Task's field values. */
  readonly fields: {
    readonly WhoId: SalesforceId;
    readonly WhatId: SalesforceId | null;
    readonly Subject: string;
    readonly Description: string | null;
    readonly ActivityDate: string;
    readonly Status: "Completed";
    readonly TaskSubtype: "Call" | "Email" | "Task";
    readonly CallDurationInSeconds?: number | undefined;
    readonly CallType?: "Outbound" | "Inbound" | undefined;
  };
}

/** A field edit with its three-way precondition (docs/protocol.md §4, "Field edits"). */
export interface UpdateFieldWrite {
  /** Tags the write kind. */
  readonly kind: "updateField";
  /** The `editField` intent this write carries out. */
  readonly intentId: string;
  /** The object of the edited record. */
  readonly sobject: "Opportunity" | "Contact";
  /** The edited record. */
  readonly recordId: SalesforceId;
  /** The field's API name. */
  readonly field: string;
  /** The value the device saw; the write applies only if Salesforce still holds it. */
  readonly base: unknown;
  /** The value to write. */
  readonly value: unknown;
}

/** One write the runner asks the port to make. */
export type SalesforceWrite = CreateTaskWrite | UpdateFieldWrite;

/** The result of one write, in the order the writes were given. */
export type WriteResult =
  | { readonly intentId: string; readonly outcome: "applied"; readonly salesforceId: SalesforceId }
  /** Salesforce already held `value`; nothing was written. */
  | { readonly intentId: string; readonly outcome: "unchanged"; readonly salesforceId: SalesforceId }
  /** Salesforce holds neither `base` nor `value`: a three-way conflict. */
  | { readonly intentId: string; readonly outcome: "conflict"; readonly theirs: unknown }
  | { readonly intentId: string; readonly outcome: "failed"; readonly error: SalesforcePortError };

/** Too many requests: the org's API limit or a concurrency limit. */
export class RateLimited extends Data.TaggedError("RateLimited")<{
  readonly message: string;
  readonly retryAfterMs: number;
}> {}

/** `UNABLE_TO_LOCK_ROW`: retry later, nothing was written. */
export class RowLocked extends Data.TaggedError("RowLocked")<{ readonly message: string }> {}

/** The access token expired and could not be refreshed this time; retryable. */
export class SessionExpired extends Data.TaggedError("SessionExpired")<{ readonly message: string }> {}

/** The refresh token was revoked (`invalid_grant`): stop and ask the user to sign in. */
export class Revoked extends Data.TaggedError("Revoked")<{ readonly message: string }> {}

/** Salesforce denied the user this read or write. */
export class AccessDenied extends Data.TaggedError("AccessDenied")<{
  readonly code: string;
  readonly message: string;
}> {}

/** Salesforce rejected the values; `fields` names the offending fields. */
export class ValidationFailed extends Data.TaggedError("ValidationFailed")<{
  readonly code: string;
  readonly message: string;
  readonly fields: ReadonlyArray<string>;
}> {}

/** The record does not exist or was deleted. */
export class NotFound extends Data.TaggedError("NotFound")<{ readonly message: string }> {}

/** The request may or may not have taken effect (connection lost after sending). */
export class OutcomeUnknown extends Data.TaggedError("OutcomeUnknown")<{ readonly message: string }> {}

/** Salesforce is unavailable (5xx, connection refused before sending); retryable. */
export class Unavailable extends Data.TaggedError("Unavailable")<{ readonly message: string }> {}

/** Every failure the port reports. */
export type SalesforcePortError =
  | RateLimited
  | RowLocked
  | SessionExpired
  | Revoked
  | AccessDenied
  | ValidationFailed
  | NotFound
  | OutcomeUnknown
  | Unavailable;

/** API usage as Salesforce reports it in `Sforce-Limit-Info` (`api-usage=used/max`). */
export interface ApiUsage {
  /** API calls the org used in the current 24-hour window, as last reported; 0 before any. */
  readonly used: number;
  /** The org's 24-hour API call allowance, as last reported; 0 before any report. */
  readonly max: number;
  /** Calls this port made since it was created. */
  readonly callsMade: number;
}

/**
 * The Salesforce port. See the file comment for the contract every implementation keeps.
 *
 * @example
 * ```ts
 * const pulled = yield* port.pullScope({ userId, watermarks: {}, mirrored: emptyMirror });
 * ```
 */
export interface SalesforcePort {
  /**
   * The book's records changed since `watermarks`, with cascades into the scope and the
   * mirrored ids that left it (scope rules 1–4 of docs/architecture.md).
   */
  readonly pullScope: (request: ScopePullRequest) => Effect.Effect<ScopePull, SalesforcePortError>;
  /** The Tasks and Events of the Key contacts: those in the window, plus the latest per contact. */
  readonly pullActivities: (request: ActivityPullRequest) => Effect.Effect<ActivityPull, SalesforcePortError>;
  /**
   * Makes the writes in order and returns one result per write, in the same order; a lost
   * response is `OutcomeUnknown`, never retried by the port.
   */
  readonly push: (
    writes: ReadonlyArray<SalesforceWrite>,
  ) => Effect.Effect<ReadonlyArray<WriteResult>, SalesforcePortError>;
  /** For every key asked, the id of the Task created with it, or `null` when there is none. */
  readonly lookup: (
    keys: ReadonlyArray<IdempotencyKey>,
  ) => Effect.Effect<ReadonlyMap<IdempotencyKey, SalesforceId | null>, SalesforcePortError>;
  /** The API usage Salesforce last reported, and the calls this port made. */
  readonly usage: () => ApiUsage;
  /**
   * What the book shows of the org beyond its records: the instance URL (for links to a
   * record), the active opportunity stages in sales-process order (`OpportunityStage`), and,
   * given a request, the user's time zone (`User.TimeZoneSidKey`), the describe of each synced
   * object as the user sees it (the shape's fields and the configured extra ones; a field
   * describe does not list becomes a `fieldNotes` entry), and the record types available to the
   * user with their picklist values. A few reads; optional so a port written before it still
   * syncs (the book then has no `meta.org`, and the screens fall back to stage names).
   */
  readonly pullOrgInfo?: ((request?: OrgInfoRequest) => Effect.Effect<OrgInfo, SalesforcePortError>) | undefined;
}
