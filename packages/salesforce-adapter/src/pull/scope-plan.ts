/**
 * The reads `pullScope` makes, planned as data: which SOQL queries, queryAll and getDeleted
 * calls each round runs for a scope request, and at which position of the round's read list
 * each one's outcome will be (see `scope-pull.ts` for the rounds and why).
 *
 * Invariants: planning does no IO and reads no clock (`now` is passed in); a read appears in a
 * plan only when its outcome is used; every `IN (…)` list is split so each request URL stays
 * within `maxUrlLength`.
 */
import type { SalesforceId, ScopeObject, ScopePullRequest, Watermarks } from "@tandem/engine";
import type { ReadSpec } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { chunkedStatements, select, soqlId } from "../soql/builder.js";
import { soqlDateTime } from "../soql/literal.js";
import { scopeReadings } from "./extra-fields.js";
import type { PullOptions } from "./pull-options.js";
import { ACCOUNT_FIELDS, CONTACT_ROLE_FIELDS } from "./records.js";

/** What planning needs of the client: the URLs it builds, pure functions of its configuration. */
export type ScopeEndpoints = Pick<SalesforceClient, "apiBase" | "queryUrl" | "queryUrlPrefixLength">;

/** The tunables planning reads, with the clock already read. */
export type ScopePlanOptions = Pick<PullOptions, "overlapMs" | "maxUrlLength" | "deletedWindowMs"> & {
  /** See `PullOptions.bulkThreshold`; absent: never. */
  readonly bulkThreshold?: number | undefined;
  readonly now: Date;
};

/** Per scope object, whether it is pulled in full (it has no watermark yet). */
export interface ScopeFull {
  readonly opportunities: boolean;
  readonly accounts: boolean;
  readonly contacts: boolean;
  readonly contactRoles: boolean;
}

/** A getDeleted read: its position and the start of the window it asks about. */
export interface DeletedRead {
  readonly index: number;
  readonly start: Date;
}

/** Round 1: the scope's records (in full or changed since the watermark) and its deletes. */
export interface ScopeRound1Plan {
  readonly reads: ReadonlyArray<ReadSpec>;
  readonly full: ScopeFull;
  readonly opportunities: number;
  /** `count()` of the scope's opportunities; only for an incremental pull. */
  readonly opportunityCount: number | undefined;
  readonly accounts: number;
  readonly contacts: number;
  readonly contactRoles: number;
  /**
   * The `ContactId` of every role of the scope's opportunities (role-linked contacts are in
   * scope), read here only when contacts are pulled in full and roles are not: a full role pull
   * names them all, and otherwise round 2 reads them when something shows they can matter.
   */
  readonly roleContacts: number | undefined;
  /** Absent when the object is pulled in full or its window is older than getDeleted keeps. */
  readonly opportunityDeletes: DeletedRead | undefined;
  readonly contactDeletes: DeletedRead | undefined;
  readonly contactRoleDeletes: DeletedRead | undefined;
  /** The queryAll that lists the scope's opportunity ids, run when the count disagrees. */
  readonly opportunityReconcile: string;
}

/** What round 1 found that round 2 follows up: entries, exits and uncovered deletes. */
export interface ScopeRound2Input {
  /** Opportunities that entered the scope without their row in round 1. */
  readonly missingOpportunities: ReadonlyArray<SalesforceId>;
  /** Accounts that entered the scope without their row in round 1. */
  readonly missingAccounts: ReadonlyArray<SalesforceId>;
  /** Opportunities and accounts new to the mirror: their roles and contacts cascade in. */
  readonly newOpportunities: ReadonlyArray<SalesforceId>;
  readonly newAccounts: ReadonlyArray<SalesforceId>;
  /** Mirrored opportunities and accounts that left the scope: their roles and contacts leave. */
  readonly removedOpportunities: ReadonlyArray<SalesforceId>;
  readonly exitingAccounts: ReadonlyArray<SalesforceId>;
  /** Whether getDeleted covered the window for contacts and for roles. */
  readonly contactDeletesKnown: boolean;
  readonly contactRoleDeletesKnown: boolean;
  /** Contacts a role brings into the scope that are neither mirrored nor read yet (whatever their account). */
  readonly missingRoleContacts: ReadonlyArray<SalesforceId>;
  /** Whether round 1 named every role-linked contact (a full pull of contacts or of roles). */
  readonly roleContactsKnown: boolean;
  /**
   * Whether a mirrored contact changed since its delivery, works outside the scope's accounts and
   * no role read so far names it: it stays only if a role brings it, so the role-linked contacts
   * must be listed.
   */
  readonly contactsAwaitRoles: boolean;
  /**
   * Whether a role changed, was deleted or left with its opportunity: a contact only a role
   * brought may have left, so the scope's contact ids are listed to find it.
   */
  readonly rolesMoved: boolean;
}

/** The groups of round 2, in the order their outcomes are read. */
export const ROUND2_GROUPS = [
  "roleContactIds",
  "newRoleContacts",
  "opportunities",
  "accounts",
  "cascadeContacts",
  "exitContacts",
  "roleContacts",
  "cascadeContactRoles",
  "exitContactRoles",
  "reconcileContacts",
  "reconcileContactRoles",
] as const;

/** A group of round-2 reads. */
export type Round2Group = (typeof ROUND2_GROUPS)[number];

/** Round 2: cascades, exits and id reconciles; per group the positions of its reads. */
export interface ScopeRound2Plan {
  readonly reads: ReadonlyArray<ReadSpec>;
  readonly groups: Readonly<Record<Round2Group, ReadonlyArray<number>>>;
}

/** Formats a getDeleted/getUpdated bound as jsforce does (`YYYY-MM-DDTHH:mm:ss+00:00`). */
export function replicationDate(date: Date): string {
  return soqlDateTime(date).replace(/Z$/, "+00:00");
}

/** The scope of `userId` as SOQL: the condition and the semi-joins built on it. */
export function scopeSoql(userId: SalesforceId) {
  const condition = `OwnerId = ${soqlId(userId)} AND IsClosed = false`;
  return {
    /** The user's open opportunities. */
    condition,
    /** Sub-select of the scope's opportunity ids. */
    opportunityIds: `SELECT Id FROM Opportunity WHERE ${condition}`,
    /** Sub-select of the scope's account ids. */
    accountIds: `SELECT AccountId FROM Opportunity WHERE ${condition}`,
  };
}

/** The contacts at the scope's accounts (a full pull), optionally only those changed up to `upTo`. */
export function contactsAtScopeAccounts(
  scope: ReturnType<typeof scopeSoql>,
  fields: ReadonlyArray<string>,
  upTo?: Date,
): string {
  return select({
    fields,
    from: "Contact",
    where: [
      `AccountId IN (${scope.accountIds})`,
      ...(upTo === undefined ? [] : [`SystemModstamp <= ${soqlDateTime(upTo)}`]),
    ],
  });
}

/** The `ContactId` of every role of the scope's opportunities. */
function roleContactIdsSoql(scope: ReturnType<typeof scopeSoql>): string {
  return select({
    fields: ["ContactId"],
    from: "OpportunityContactRole",
    where: [`OpportunityId IN (${scope.opportunityIds})`],
  });
}

/** Which objects a request pulls in full. */
export function fullPulls(watermarks: Watermarks): ScopeFull {
  return {
    opportunities: watermarks.Opportunity === undefined,
    accounts: watermarks.Account === undefined,
    contacts: watermarks.Contact === undefined,
    contactRoles: watermarks.OpportunityContactRole === undefined,
  };
}

function changedSince(watermarks: Watermarks, object: ScopeObject, overlapMs: number): string {
  return `SystemModstamp > ${soqlDateTime(new Date(Date.parse(watermarks[object] ?? "") - overlapMs))}`;
}

/**
 * The getDeleted reads of the incremental objects. Deletes to look for happened after the last
 * applied pull, which came after every watermark: start from the latest watermark (capped at
 * now) minus the overlap; past getDeleted's window the caller reconciles ids instead.
 */
function planDeletes(
  watermarks: Watermarks,
  objects: ReadonlyArray<ScopeObject>,
  options: ScopePlanOptions,
  endpoints: ScopeEndpoints,
  slot: (spec: ReadSpec) => number,
): ReadonlyMap<ScopeObject, DeletedRead> {
  const now = options.now.getTime();
  const marks = Object.values(watermarks).filter((mark): mark is string => typeof mark === "string");
  const latestMark = Math.min(now, Math.max(0, ...marks.map((mark) => Date.parse(mark))));
  const start = new Date(latestMark - options.overlapMs);
  const reads = new Map<ScopeObject, DeletedRead>();
  if (now - start.getTime() > options.deletedWindowMs) return reads;
  // getDeleted ignores seconds and needs start < end; the server caps end at its now.
  const end = new Date(Math.max(now, latestMark) + 60_000);
  for (const object of objects) {
    const url = `${endpoints.apiBase}/sobjects/${object}/deleted/?start=${encodeURIComponent(replicationDate(start))}&end=${encodeURIComponent(replicationDate(end))}`;
    reads.set(object, { index: slot({ kind: "get", url }), start });
  }
  return reads;
}

/**
 * Plans round 1 of a scope pull.
 *
 * @remarks Full: the whole scope. Incremental: every visible record changed since the
 * watermark, deleted ones included (queryAll: entries, changes and most exits), the scope's
 * opportunity count to prove no exit went unseen (e.g. reassigned to someone whose records
 * this user cannot see), and getDeleted for deletes purged from the recycle bin. Every
 * account in scope is read either way (one page for up to 2,000), so the account scope is exact.
 * @example
 * ```ts
 * const plan = planScopeRound1(request, { ...options, now: new Date() }, client);
 * const outcomes = yield* runReads(client, plan.reads);
 * ```
 */
export function planScopeRound1(
  request: ScopePullRequest,
  options: ScopePlanOptions,
  endpoints: ScopeEndpoints,
): ScopeRound1Plan {
  const { watermarks } = request;
  const scope = scopeSoql(request.userId);
  const full = fullPulls(watermarks);
  const readings = scopeReadings(request.fields);
  const reads: ReadSpec[] = [];
  const slot = (spec: ReadSpec) => reads.push(spec) - 1;
  const since = (object: ScopeObject) => changedSince(watermarks, object, options.overlapMs);

  const opportunities = slot(
    full.opportunities
      ? {
          kind: "query",
          soql: select({ fields: readings.opportunity.fields, from: "Opportunity", where: [scope.condition] }),
        }
      : {
          kind: "query",
          includeDeleted: true,
          soql: select({
            fields: [...readings.opportunity.fields, "IsDeleted"],
            from: "Opportunity",
            where: [since("Opportunity")],
          }),
        },
  );
  const opportunityCount = full.opportunities
    ? undefined
    : slot({ kind: "get", url: endpoints.queryUrl(`SELECT count() FROM Opportunity WHERE ${scope.condition}`) });
  const accounts = slot({
    kind: "query",
    soql: select({ fields: ACCOUNT_FIELDS, from: "Account", where: [`Id IN (${scope.accountIds})`] }),
  });
  // Incremental: in-scope changed contacts are upserts; mirrored ones now deleted or at an
  // out-of-scope account are exits.
  const contacts = slot(
    full.contacts
      ? {
          kind: "query",
          soql: contactsAtScopeAccounts(scope, readings.contact.fields),
          // A true first sync of many contacts goes through Bulk 2.0 (scope-bulk.ts).
          stopAbove: request.mirrored.contactIds.size === 0 ? options.bulkThreshold : undefined,
        }
      : {
          kind: "query",
          includeDeleted: true,
          soql: select({
            fields: [...readings.contact.fields, "IsDeleted"],
            from: "Contact",
            where: [since("Contact")],
          }),
        },
  );
  const contactRoles = slot({
    kind: "query",
    includeDeleted: !full.contactRoles,
    soql: select({
      fields: full.contactRoles ? CONTACT_ROLE_FIELDS : [...CONTACT_ROLE_FIELDS, "IsDeleted"],
      from: "OpportunityContactRole",
      where: [
        `OpportunityId IN (${scope.opportunityIds})`,
        ...(full.contactRoles ? [] : [since("OpportunityContactRole")]),
      ],
    }),
  });
  const roleContacts =
    full.contacts && !full.contactRoles ? slot({ kind: "query", soql: roleContactIdsSoql(scope) }) : undefined;
  const incremental: ReadonlyArray<ScopeObject> = [
    ...(full.opportunities ? [] : (["Opportunity"] as const)),
    ...(full.contacts ? [] : (["Contact"] as const)),
    ...(full.contactRoles ? [] : (["OpportunityContactRole"] as const)),
  ];
  const deletes = planDeletes(watermarks, incremental, options, endpoints, slot);
  return {
    reads,
    full,
    opportunities,
    opportunityCount,
    accounts,
    contacts,
    contactRoles,
    roleContacts,
    opportunityDeletes: deletes.get("Opportunity"),
    contactDeletes: deletes.get("Contact"),
    contactRoleDeletes: deletes.get("OpportunityContactRole"),
    opportunityReconcile: select({ fields: ["Id", "AccountId"], from: "Opportunity", where: [scope.condition] }),
  };
}

/**
 * Plans round 2 of a scope pull from what round 1 found.
 *
 * @remarks Records that entered the scope are read whatever their age (so are the contacts
 * and roles that cascade in with new accounts and opportunities); the contacts and roles of
 * what left are listed by id; where getDeleted could not cover the window and something is
 * mirrored, the scope's contact or role ids are listed in full to reconcile. The role-linked
 * contact ids are listed only when round 1 could not name them and an exit or a contact outside
 * the scope's accounts depends on them (so an unchanged poll stays one call). An object pulled
 * in full needs none of this. An empty plan means round 2 is skipped.
 */
export function planScopeRound2(
  request: ScopePullRequest,
  found: ScopeRound2Input,
  options: Pick<ScopePlanOptions, "maxUrlLength">,
  endpoints: Pick<ScopeEndpoints, "queryUrlPrefixLength">,
): ScopeRound2Plan {
  const scope = scopeSoql(request.userId);
  const full = fullPulls(request.watermarks);
  const readings = scopeReadings(request.fields);
  const reads: ReadSpec[] = [];
  const slots = (statements: ReadonlyArray<string>, includeDeleted = false) =>
    statements.map((soql) => reads.push({ kind: "query", soql, includeDeleted }) - 1);
  const byIds = (ids: ReadonlyArray<string>, field: string, build: (condition: string) => string) =>
    chunkedStatements(ids, field, soqlId, build, {
      baseUrlLength: endpoints.queryUrlPrefixLength,
      maxUrlLength: options.maxUrlLength,
    });
  const exitContacts = full.contacts ? [] : found.exitingAccounts;
  const reconcileContacts =
    !full.contacts && (!found.contactDeletesKnown || found.rolesMoved) && request.mirrored.contactIds.size > 0;
  // The role-linked contacts matter only to decide an exit or a contact outside the scope's accounts.
  const listRoleContacts =
    !found.roleContactsKnown && (found.contactsAwaitRoles || exitContacts.length > 0 || reconcileContacts);
  const groups: Record<Round2Group, ReadonlyArray<number>> = {
    roleContactIds: listRoleContacts ? slots([roleContactIdsSoql(scope)]) : [],
    // The contacts the roles of new opportunities bring (a cascade that round 1 could not name).
    newRoleContacts: found.roleContactsKnown
      ? []
      : slots(
          byIds(found.newOpportunities, "OpportunityId", (c) =>
            select({
              fields: readings.contact.fields,
              from: "Contact",
              where: [`Id IN (SELECT ContactId FROM OpportunityContactRole WHERE ${c})`],
            }),
          ),
        ),
    opportunities: slots(
      byIds(found.missingOpportunities, "Id", (c) =>
        select({ fields: readings.opportunity.fields, from: "Opportunity", where: [c, scope.condition] }),
      ),
    ),
    accounts: slots(
      byIds(found.missingAccounts, "Id", (c) => select({ fields: ACCOUNT_FIELDS, from: "Account", where: [c] })),
    ),
    cascadeContacts: full.contacts
      ? []
      : slots(
          byIds(found.newAccounts, "AccountId", (c) =>
            select({ fields: readings.contact.fields, from: "Contact", where: [c] }),
          ),
        ),
    exitContacts: slots(
      byIds(exitContacts, "AccountId", (c) => select({ fields: ["Id"], from: "Contact", where: [c] })),
    ),
    roleContacts: slots(
      byIds(found.missingRoleContacts, "Id", (c) =>
        select({ fields: readings.contact.fields, from: "Contact", where: [c] }),
      ),
    ),
    cascadeContactRoles: full.contactRoles
      ? []
      : slots(
          byIds(found.newOpportunities, "OpportunityId", (c) =>
            select({ fields: CONTACT_ROLE_FIELDS, from: "OpportunityContactRole", where: [c] }),
          ),
        ),
    exitContactRoles: full.contactRoles
      ? []
      : slots(
          byIds(found.removedOpportunities, "OpportunityId", (c) =>
            select({ fields: ["Id"], from: "OpportunityContactRole", where: [c] }),
          ),
          true,
        ),
    reconcileContacts: reconcileContacts
      ? slots([select({ fields: ["Id"], from: "Contact", where: [`AccountId IN (${scope.accountIds})`] })])
      : [],
    reconcileContactRoles:
      !full.contactRoles && !found.contactRoleDeletesKnown && request.mirrored.contactRoleIds.size > 0
        ? slots([
            select({
              fields: ["Id"],
              from: "OpportunityContactRole",
              where: [`OpportunityId IN (${scope.opportunityIds})`],
            }),
          ])
        : [],
  };
  return { reads, groups };
}
