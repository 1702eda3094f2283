/**
 * `pullScope`: docs/architecture.md, "Scope of a book", rules 1–4 relative to what the caller mirrors, in as few calls as
 * possible.
 *
 * Round 1 (one composite call when nothing changed, whatever the size of the book):
 * - opportunities: in full, the owned open ones; incrementally, every visible opportunity
 *   changed since `watermark − overlap` through queryAll (entries, changes, closes, reassigns
 *   and deletes), getDeleted (deletes purged from the recycle bin) and `count()` of the scope,
 *   which proves no exit went unseen — when it disagrees, the scope's ids are reconciled;
 * - every account in scope (a semi-join; one page up to 2,000), so the account scope is exact;
 * - contacts: in full, those at the scope's accounts; incrementally, every visible contact
 *   changed since the watermark through queryAll, plus getDeleted;
 * - contact roles of the scope's opportunities, in full or changed since (queryAll), plus getDeleted.
 * Round 2 (only when the scope moved): the opportunities, accounts, contacts and roles that
 * entered it (cascades, whatever their age), the contacts and roles of what left it, and full
 * id reconciles where getDeleted could not cover the window.
 *
 * Invariants: every upsert is in scope now; every removed id is mirrored and out of scope; no
 * id appears twice; a mirrored record at or below its watermark is not re-sent; watermarks
 * never move backwards.
 */
import type {
  AccountRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
  SalesforceId,
  SalesforcePortError,
  ScopeObject,
  ScopePull,
  ScopePullRequest,
  Watermarks,
} from "@tandem/engine";
import { readSalesforceId } from "@tandem/engine";
import { Effect, Result } from "effect";
import { type ReadOutcome, type ReadSpec, runReads } from "../client/batch-reads.js";
import type { SalesforceClient } from "../client/salesforce-client.js";
import { chunkedStatements, select, soqlId } from "../soql/builder.js";
import { soqlDateTime } from "../soql/literal.js";
import type { PullOptions } from "./pull-options.js";
import {
  ACCOUNT_FIELDS,
  CONTACT_FIELDS,
  CONTACT_ROLE_FIELDS,
  idOrNull,
  modstampOf,
  OPPORTUNITY_FIELDS,
  toAccount,
  toContact,
  toContactRole,
  toOpportunity,
} from "./records.js";

type Row = Readonly<Record<string, unknown>>;
type Outcome = Result.Result<ReadOutcome, SalesforcePortError>;

/** Formats a getDeleted/getUpdated bound as jsforce does (`YYYY-MM-DDTHH:mm:ss+00:00`). */
export function replicationDate(date: Date): string {
  return soqlDateTime(date).replace(/Z$/, "+00:00");
}

/** Collects rows by id, keeping the max SystemModstamp seen. */
class Collected<T> {
  readonly byId = new Map<SalesforceId, T>();
  maxModstamp: string | undefined;
  constructor(private readonly convert: (row: Row) => T) {}
  add(row: Row): T {
    const record = this.convert(row);
    this.byId.set(readSalesforceId(String(row.Id)), record);
    this.seen(row);
    return record;
  }
  seen(row: Row): void {
    if (typeof row.SystemModstamp !== "string") return;
    const stamp = modstampOf(row);
    if (this.maxModstamp === undefined || stamp > this.maxModstamp) this.maxModstamp = stamp;
  }
}

function since(watermark: string, overlapMs: number): string {
  return soqlDateTime(new Date(Date.parse(watermark) - overlapMs));
}

function rowsOf(outcome: Outcome | undefined): Effect.Effect<ReadonlyArray<Row>, SalesforcePortError> {
  if (outcome === undefined) return Effect.succeed([]);
  if (Result.isFailure(outcome)) return Effect.fail(outcome.failure);
  return Effect.succeed(outcome.success.kind === "query" ? outcome.success.records : []);
}

/** Reads a getDeleted body; `null` when it cannot cover the window (fall back to a reconcile). */
function deletedIds(outcome: Outcome | undefined, start: Date): ReadonlySet<SalesforceId> | null {
  if (outcome === undefined || Result.isFailure(outcome) || outcome.success.kind !== "get") return null;
  const body = outcome.success.body as { deletedRecords?: unknown; earliestDateAvailable?: unknown } | undefined;
  if (body === undefined || body === null || !Array.isArray(body.deletedRecords)) return null;
  if (typeof body.earliestDateAvailable === "string") {
    const earliest = Date.parse(body.earliestDateAvailable.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
    if (!Number.isNaN(earliest) && earliest > start.getTime()) return null;
  }
  const ids = new Set<SalesforceId>();
  for (const item of body.deletedRecords as ReadonlyArray<{ id?: unknown }>) {
    if (typeof item?.id === "string") ids.add(readSalesforceId(item.id));
  }
  return ids;
}

/**
 * Whether a changed row read through the overlap window is news to the caller: rows the
 * caller mirrors at a SystemModstamp not above its watermark were already delivered.
 */
function isNews(row: Row, mirroredIds: ReadonlySet<SalesforceId>, watermark: string | undefined): boolean {
  if (watermark === undefined || typeof row.SystemModstamp !== "string") return true;
  if (!mirroredIds.has(readSalesforceId(String(row.Id)))) return true;
  return modstampOf(row) > watermark;
}

function maxWatermark(previous: string | undefined, seen: string | undefined): string | undefined {
  if (previous === undefined) return seen;
  if (seen === undefined) return previous;
  return seen > previous ? seen : previous;
}

/**
 * Pulls the scope of `request.userId` relative to `request.mirrored`.
 *
 * @remarks See the file comment for the rounds; an object without a watermark is pulled in
 * full and its mirrored ids reconciled against the result.
 */
export function pullScope(
  client: SalesforceClient,
  request: ScopePullRequest,
  options: PullOptions,
): Effect.Effect<ScopePull, SalesforcePortError> {
  return Effect.gen(function* () {
    const { watermarks, mirrored } = request;
    const user = soqlId(request.userId);
    const scopeCondition = `OwnerId = ${user} AND IsClosed = false`;
    const scopeOppIds = `SELECT Id FROM Opportunity WHERE ${scopeCondition}`;
    const scopeAccountIds = `SELECT AccountId FROM Opportunity WHERE ${scopeCondition}`;
    const now = options.now();
    const inQueries = (values: ReadonlyArray<string>, field: string, build: (condition: string) => string) =>
      chunkedStatements(values, field, soqlId, build, {
        baseUrlLength: client.queryUrlPrefixLength,
        maxUrlLength: options.maxUrlLength,
      });

    const fullOf = (object: ScopeObject) => watermarks[object] === undefined;
    const fullOpp = fullOf("Opportunity");
    const fullAccount = fullOf("Account");
    const fullContact = fullOf("Contact");
    const fullRole = fullOf("OpportunityContactRole");

    // Round 1.
    const specs: ReadSpec[] = [];
    const slot = (spec: ReadSpec) => specs.push(spec) - 1;
    const changedSince = (object: ScopeObject) =>
      `SystemModstamp > ${since(watermarks[object] ?? "", options.overlapMs)}`;
    // Full: the whole scope. Incremental: every visible opportunity changed since the watermark,
    // deleted ones included (entries, changes and most exits), and the scope's size to prove
    // no exit went unseen (e.g. reassigned to someone whose records this user cannot see).
    const oppQuery = fullOpp
      ? slot({
          kind: "query",
          soql: select({ fields: OPPORTUNITY_FIELDS, from: "Opportunity", where: [scopeCondition] }),
        })
      : slot({
          kind: "query",
          includeDeleted: true,
          soql: select({
            fields: [...OPPORTUNITY_FIELDS, "IsDeleted"],
            from: "Opportunity",
            where: [changedSince("Opportunity")],
          }),
        });
    const oppCount = fullOpp
      ? -1
      : slot({ kind: "get", url: client.queryUrl(`SELECT count() FROM Opportunity WHERE ${scopeCondition}`) });
    // Every account in scope (one page for up to 2,000): the exact account scope, changed ones kept.
    const accountQuery = slot({
      kind: "query",
      soql: select({ fields: ACCOUNT_FIELDS, from: "Account", where: [`Id IN (${scopeAccountIds})`] }),
    });
    const contactQuery = slot(
      fullContact
        ? {
            kind: "query",
            soql: select({ fields: CONTACT_FIELDS, from: "Contact", where: [`AccountId IN (${scopeAccountIds})`] }),
          }
        : {
            // Every visible contact changed since the watermark, deleted ones included (queryAll):
            // in-scope ones are upserts; mirrored ones now deleted or at an out-of-scope account are exits.
            kind: "query",
            includeDeleted: true,
            soql: select({
              fields: [...CONTACT_FIELDS, "IsDeleted"],
              from: "Contact",
              where: [`SystemModstamp > ${since(watermarks.Contact ?? "", options.overlapMs)}`],
            }),
          },
    );
    const roleQuery = slot({
      kind: "query",
      includeDeleted: !fullRole,
      soql: select({
        fields: fullRole ? CONTACT_ROLE_FIELDS : [...CONTACT_ROLE_FIELDS, "IsDeleted"],
        from: "OpportunityContactRole",
        where: [
          `OpportunityId IN (${scopeOppIds})`,
          ...(fullRole
            ? []
            : [`SystemModstamp > ${since(watermarks.OpportunityContactRole ?? "", options.overlapMs)}`]),
        ],
      }),
    });
    // Deletes to look for happened after the last applied pull, which came after every
    // watermark: start from the latest watermark (capped at now) minus the overlap.
    const latestMark = Math.min(
      now.getTime(),
      Math.max(
        0,
        ...Object.values(watermarks)
          .filter((mark): mark is string => typeof mark === "string")
          .map((mark) => Date.parse(mark)),
      ),
    );
    const deletedSpec = (object: ScopeObject) => {
      if (watermarks[object] === undefined) return { index: -1, start: now };
      const start = new Date(latestMark - options.overlapMs);
      if (now.getTime() - start.getTime() > options.deletedWindowMs) return { index: -1, start };
      // getDeleted ignores seconds and needs start < end; the server caps end at its now.
      const end = new Date(Math.max(now.getTime(), latestMark) + 60_000);
      const url = `${client.apiBase}/sobjects/${object}/deleted/?start=${encodeURIComponent(replicationDate(start))}&end=${encodeURIComponent(replicationDate(end))}`;
      return { index: slot({ kind: "get", url }), start };
    };
    const oppDeleted = fullOpp ? { index: -1, start: now } : deletedSpec("Opportunity");
    const contactDeleted = fullContact ? { index: -1, start: now } : deletedSpec("Contact");
    const roleDeleted = fullRole ? { index: -1, start: now } : deletedSpec("OpportunityContactRole");

    const round1 = yield* runReads(client, specs, { useComposite: options.useComposite });
    const at = (index: number) => (index < 0 ? undefined : round1[index]);

    // Opportunities: the scope now, and what changed.
    const me = readSalesforceId(request.userId);
    const opportunities = new Collected<OpportunityRecord>(toOpportunity);
    const scopeOpps = new Map<SalesforceId, SalesforceId | null>();
    const removedOppSet = new Set<SalesforceId>();
    if (fullOpp) {
      for (const row of yield* rowsOf(at(oppQuery))) {
        const record = opportunities.add(row);
        scopeOpps.set(record.Id, record.AccountId);
      }
      for (const oppId of mirrored.opportunityIds) if (!scopeOpps.has(oppId)) removedOppSet.add(oppId);
    } else {
      for (const oppId of mirrored.opportunityIds) scopeOpps.set(oppId, null);
      const leave = (oppId: SalesforceId) => {
        scopeOpps.delete(oppId);
        if (mirrored.opportunityIds.has(oppId)) removedOppSet.add(oppId);
      };
      for (const row of yield* rowsOf(at(oppQuery))) {
        const oppId = readSalesforceId(String(row.Id));
        const owner = typeof row.OwnerId === "string" ? readSalesforceId(row.OwnerId) : null;
        const inScope = row.IsDeleted !== true && row.IsClosed !== true && owner === me;
        if (!inScope) {
          opportunities.seen(row);
          leave(oppId);
        } else if (isNews(row, mirrored.opportunityIds, watermarks.Opportunity)) {
          const record = opportunities.add(row);
          scopeOpps.set(oppId, record.AccountId);
        } else {
          opportunities.seen(row);
          scopeOpps.set(oppId, idOrNull(row, "AccountId"));
        }
      }
      for (const oppId of deletedIds(at(oppDeleted.index), oppDeleted.start) ?? []) leave(oppId);
      const countOutcome = at(oppCount);
      const counted =
        countOutcome !== undefined && Result.isSuccess(countOutcome) && countOutcome.success.kind === "get"
          ? (countOutcome.success.body as { totalSize?: unknown } | undefined)?.totalSize
          : undefined;
      if (counted !== scopeOpps.size) {
        // Something entered or left unseen: reconcile the scope's ids.
        const present = new Map<SalesforceId, SalesforceId | null>();
        const rows = yield* client.queryAll(
          select({ fields: ["Id", "AccountId"], from: "Opportunity", where: [scopeCondition] }),
        );
        for (const row of rows) present.set(readSalesforceId(String(row.Id)), idOrNull(row, "AccountId"));
        for (const oppId of [...scopeOpps.keys()]) if (!present.has(oppId)) leave(oppId);
        for (const [oppId, accountId] of present)
          if (!scopeOpps.has(oppId) || scopeOpps.get(oppId) === null) scopeOpps.set(oppId, accountId);
      }
    }
    const removedOpps = [...removedOppSet];
    const newOpps = [...scopeOpps.keys()].filter((oppId) => !mirrored.opportunityIds.has(oppId));
    const missingOpps = newOpps.filter((oppId) => !opportunities.byId.has(oppId));

    const accountRows = yield* rowsOf(at(accountQuery));
    const scopeAccounts = new Set<SalesforceId>();
    for (const row of accountRows) scopeAccounts.add(readSalesforceId(String(row.Id)));
    for (const accountId of scopeOpps.values()) if (accountId !== null) scopeAccounts.add(accountId);

    const accounts = new Collected<AccountRecord>(toAccount);
    for (const row of accountRows) {
      const accountId = readSalesforceId(String(row.Id));
      if (scopeAccounts.has(accountId) && isNews(row, mirrored.accountIds, watermarks.Account)) accounts.add(row);
      else accounts.seen(row);
    }
    const newAccounts = [...scopeAccounts].filter((accountId) => !mirrored.accountIds.has(accountId));
    const missingAccounts = newAccounts.filter((accountId) => !accounts.byId.has(accountId));
    const exitingAccounts = [...mirrored.accountIds].filter((accountId) => !scopeAccounts.has(accountId));

    const contacts = new Collected<ContactRecord>(toContact);
    const removedContacts = new Set<SalesforceId>();
    for (const row of yield* rowsOf(at(contactQuery))) {
      const accountId = idOrNull(row, "AccountId");
      const contactId = readSalesforceId(String(row.Id));
      const inScope = row.IsDeleted !== true && accountId !== null && scopeAccounts.has(accountId);
      if (inScope && isNews(row, mirrored.contactIds, watermarks.Contact)) contacts.add(row);
      else if (inScope) contacts.seen(row);
      else {
        contacts.seen(row);
        if (mirrored.contactIds.has(contactId)) removedContacts.add(contactId);
      }
    }
    const roles = new Collected<ContactRoleRecord>(toContactRole);
    const removedRoles = new Set<SalesforceId>();
    for (const row of yield* rowsOf(at(roleQuery))) {
      if (row.IsDeleted !== true) {
        if (isNews(row, mirrored.contactRoleIds, watermarks.OpportunityContactRole)) roles.add(row);
        else roles.seen(row);
      } else {
        roles.seen(row);
        const roleId = readSalesforceId(String(row.Id));
        if (mirrored.contactRoleIds.has(roleId)) removedRoles.add(roleId);
      }
    }

    const contactDeletes = fullContact ? null : deletedIds(at(contactDeleted.index), contactDeleted.start);
    const roleDeletes = fullRole ? null : deletedIds(at(roleDeleted.index), roleDeleted.start);
    for (const contactId of contactDeletes ?? [])
      if (mirrored.contactIds.has(contactId)) removedContacts.add(contactId);
    for (const roleId of roleDeletes ?? []) if (mirrored.contactRoleIds.has(roleId)) removedRoles.add(roleId);

    // Round 2: cascades, exits and reconciles.
    const specs2: ReadSpec[] = [];
    const slot2 = (spec: ReadSpec) => specs2.push(spec) - 1;
    const many = (statements: ReadonlyArray<string>, includeDeleted = false) =>
      statements.map((soql) => slot2({ kind: "query", soql, includeDeleted }));
    const fetchOpps = many(
      inQueries(missingOpps, "Id", (c) =>
        select({ fields: OPPORTUNITY_FIELDS, from: "Opportunity", where: [c, scopeCondition] }),
      ),
    );
    const fetchAccounts = many(
      inQueries(missingAccounts, "Id", (c) => select({ fields: ACCOUNT_FIELDS, from: "Account", where: [c] })),
    );
    const cascadeContacts = fullContact
      ? []
      : many(
          inQueries(newAccounts, "AccountId", (c) => select({ fields: CONTACT_FIELDS, from: "Contact", where: [c] })),
        );
    const exitContacts = fullContact
      ? []
      : many(inQueries(exitingAccounts, "AccountId", (c) => select({ fields: ["Id"], from: "Contact", where: [c] })));
    const cascadeRoles = fullRole
      ? []
      : many(
          inQueries(newOpps, "OpportunityId", (c) =>
            select({ fields: CONTACT_ROLE_FIELDS, from: "OpportunityContactRole", where: [c] }),
          ),
        );
    const exitRoles = fullRole
      ? []
      : many(
          inQueries(removedOpps, "OpportunityId", (c) =>
            select({ fields: ["Id"], from: "OpportunityContactRole", where: [c] }),
          ),
          true,
        );
    const reconcileContacts =
      !fullContact && contactDeletes === null && mirrored.contactIds.size > 0
        ? slot2({
            kind: "query",
            soql: select({ fields: ["Id"], from: "Contact", where: [`AccountId IN (${scopeAccountIds})`] }),
          })
        : -1;
    const reconcileRoles =
      !fullRole && roleDeletes === null && mirrored.contactRoleIds.size > 0
        ? slot2({
            kind: "query",
            soql: select({
              fields: ["Id"],
              from: "OpportunityContactRole",
              where: [`OpportunityId IN (${scopeOppIds})`],
            }),
          })
        : -1;

    const round2 = specs2.length > 0 ? yield* runReads(client, specs2, { useComposite: options.useComposite }) : [];
    const rows2 = (indexes: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        const out: Row[] = [];
        for (const index of indexes) out.push(...(yield* rowsOf(round2[index])));
        return out;
      });

    for (const row of yield* rows2(fetchOpps)) {
      const record = opportunities.add(row);
      scopeOpps.set(record.Id, record.AccountId);
    }
    for (const row of yield* rows2(fetchAccounts)) accounts.add(row);
    for (const row of yield* rows2(cascadeContacts)) contacts.add(row);
    for (const row of yield* rows2(exitContacts)) {
      const contactId = readSalesforceId(String(row.Id));
      if (mirrored.contactIds.has(contactId) && !contacts.byId.has(contactId)) removedContacts.add(contactId);
    }
    for (const row of yield* rows2(cascadeRoles)) roles.add(row);
    for (const row of yield* rows2(exitRoles)) {
      const roleId = readSalesforceId(String(row.Id));
      if (mirrored.contactRoleIds.has(roleId)) removedRoles.add(roleId);
    }
    if (reconcileContacts >= 0) {
      const present = new Set((yield* rows2([reconcileContacts])).map((row) => readSalesforceId(String(row.Id))));
      for (const contactId of mirrored.contactIds) if (!present.has(contactId)) removedContacts.add(contactId);
    }
    if (reconcileRoles >= 0) {
      const present = new Set((yield* rows2([reconcileRoles])).map((row) => readSalesforceId(String(row.Id))));
      for (const roleId of mirrored.contactRoleIds) if (!present.has(roleId)) removedRoles.add(roleId);
    }

    // Full pulls reconcile against what they returned.
    if (fullContact) {
      for (const contactId of mirrored.contactIds) if (!contacts.byId.has(contactId)) removedContacts.add(contactId);
    }
    if (fullRole) {
      for (const roleId of mirrored.contactRoleIds) if (!roles.byId.has(roleId)) removedRoles.add(roleId);
    }
    // An upserted record is in scope: never also removed.
    for (const contactId of contacts.byId.keys()) removedContacts.delete(contactId);
    for (const roleId of roles.byId.keys()) removedRoles.delete(roleId);
    // Roles of opportunities that left the scope are gone even if their delete was not seen.
    const roleList = [...roles.byId.values()].filter((role) => scopeOpps.has(role.OpportunityId));

    const nextWatermarks: Watermarks = {
      ...watermarks,
      ...definedEntry("Opportunity", maxWatermark(watermarks.Opportunity, opportunities.maxModstamp)),
      ...definedEntry("Account", maxWatermark(watermarks.Account, accounts.maxModstamp)),
      ...definedEntry("Contact", maxWatermark(watermarks.Contact, contacts.maxModstamp)),
      ...definedEntry("OpportunityContactRole", maxWatermark(watermarks.OpportunityContactRole, roles.maxModstamp)),
    };

    return {
      opportunities: [...opportunities.byId.values()].filter((opp) => scopeOpps.has(opp.Id)),
      accounts: [...accounts.byId.values()].filter((account) => scopeAccounts.has(account.Id)),
      contacts: [...contacts.byId.values()],
      contactRoles: roleList,
      removed: {
        opportunityIds: removedOpps,
        accountIds: exitingAccounts,
        contactIds: [...removedContacts],
        contactRoleIds: [...removedRoles],
      },
      watermarks: nextWatermarks,
      full: fullOpp && fullAccount && fullContact && fullRole,
    };
  });
}

function definedEntry(key: ScopeObject, value: string | undefined): Watermarks {
  return value === undefined ? {} : { [key]: value };
}
