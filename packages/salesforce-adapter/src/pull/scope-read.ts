/**
 * The reading half of `pullScope`: turns the rows of each planned read into records, the scope
 * as it is now, and the mirrored ids that left it, then assembles the `ScopePull`. The driver
 * (`scope-pull.ts`) feeds it one read's rows at a time, in plan order.
 *
 * Invariants: every upsert is in scope now; every removed id is mirrored and out of scope; no
 * id appears twice; a mirrored record at or below its watermark is not re-sent; watermarks
 * never move backwards. Nothing here does IO.
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
import { Result } from "effect";
import type { ReadOutcome } from "../client/batch-reads.js";
import { scopeReadings } from "./extra-fields.js";
import { idOrNull, modstampOf, toAccount, toContactRole } from "./records.js";
import type { Round2Group, ScopeFull, ScopeRound2Input } from "./scope-plan.js";

type Row = Readonly<Record<string, unknown>>;

/** The outcome of one planned read. */
export type Outcome = Result.Result<ReadOutcome, SalesforcePortError>;

/** Collects rows by id, keeping the max SystemModstamp seen. */
class Collected<T> {
  readonly byId = new Map<SalesforceId, T>();
  /** The id of every row read, kept or not (a deleted or out-of-scope row too). */
  readonly seenIds = new Set<string>();
  maxModstamp: string | undefined;
  constructor(private readonly convert: (row: Row) => T) {}
  add(row: Row): T {
    const record = this.convert(row);
    this.byId.set(rowId(row), record);
    this.seen(row);
    return record;
  }
  seen(row: Row): void {
    if (typeof row.Id === "string") this.seenIds.add(row.Id);
    if (typeof row.SystemModstamp !== "string") return;
    const stamp = modstampOf(row);
    if (this.maxModstamp === undefined || stamp > this.maxModstamp) this.maxModstamp = stamp;
  }
}

function rowId(row: Row): SalesforceId {
  return readSalesforceId(String(row.Id));
}

/** Reads a getDeleted body; `null` when it cannot cover the window (fall back to a reconcile). */
export function deletedIds(outcome: Outcome | undefined, start: Date): ReadonlySet<SalesforceId> | null {
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

/** The `totalSize` of a `count()` query read as a GET, or `undefined` when it did not answer. */
export function countOf(outcome: Outcome | undefined): unknown {
  return outcome !== undefined && Result.isSuccess(outcome) && outcome.success.kind === "get"
    ? (outcome.success.body as { totalSize?: unknown } | undefined)?.totalSize
    : undefined;
}

/**
 * Whether a changed row read through the overlap window is news to the caller: rows the
 * caller mirrors at a SystemModstamp not above its watermark were already delivered.
 */
function isNews(row: Row, mirroredIds: ReadonlySet<SalesforceId>, watermark: string | undefined): boolean {
  if (watermark === undefined || typeof row.SystemModstamp !== "string") return true;
  if (!mirroredIds.has(rowId(row))) return true;
  return modstampOf(row) > watermark;
}

function maxWatermark(previous: string | undefined, seen: string | undefined): string | undefined {
  if (previous === undefined) return seen;
  if (seen === undefined) return previous;
  return seen > previous ? seen : previous;
}

function definedEntry(key: ScopeObject, value: string | undefined): Watermarks {
  return value === undefined ? {} : { [key]: value };
}

/**
 * The state of one scope pull while its rows are read.
 *
 * @remarks Call in this order: `readOpportunities` (then `reconcileOpportunities` when
 * `opportunityCountDisagrees`), `readAccounts`, `readRoleContacts` (when planned),
 * `readContactRoles`, `readContacts`, `readDeletes`, `round2Input`, `readRound2` per group, `result`.
 */
export class ScopeReading {
  private readonly opportunities: Collected<OpportunityRecord>;
  /** The scope's opportunities now, with their account (`null` until known). */
  private readonly scopeOpps = new Map<SalesforceId, SalesforceId | null>();
  private readonly removedOpps = new Set<SalesforceId>();
  private countDisagrees = false;
  private readonly accounts = new Collected<AccountRecord>(toAccount);
  private readonly scopeAccounts = new Set<SalesforceId>();
  private exitingAccounts: ReadonlyArray<SalesforceId> = [];
  private readonly contacts: Collected<ContactRecord>;
  /** Contacts a role of an in-scope opportunity brings in, wherever they work. */
  private readonly roleContacts = new Set<SalesforceId>();
  /** Whether `roleContacts` is every role-linked contact (else only those changed roles name). */
  private roleContactsKnown: boolean;
  /** Changed contacts outside the scope's accounts, in scope only if a role not read yet brings them. */
  private readonly awaitingRoles: Row[] = [];
  /** Whether one of `awaitingRoles` is a mirrored contact that changed since it was delivered. */
  private awaitingNews = false;
  private rolesMoved = false;
  private readonly removedContacts = new Set<SalesforceId>();
  private readonly roles = new Collected<ContactRoleRecord>(toContactRole);
  private readonly removedRoles = new Set<SalesforceId>();
  private contactDeletesKnown = false;
  /** Every contact getDeleted named, mirrored or not. */
  private readonly deletedContactIds = new Set<SalesforceId>();
  private contactRoleDeletesKnown = false;

  constructor(
    private readonly request: ScopePullRequest,
    private readonly full: ScopeFull,
  ) {
    const readings = scopeReadings(request.fields);
    this.opportunities = new Collected<OpportunityRecord>(readings.opportunity.read);
    this.contacts = new Collected<ContactRecord>(readings.contact.read);
    this.roleContactsKnown = full.contactRoles;
  }

  /** Opportunities: the scope now, and what changed, entered or left. */
  readOpportunities(rows: ReadonlyArray<Row>, count: unknown, deletes: ReadonlySet<SalesforceId> | null): void {
    const mirrored = this.request.mirrored.opportunityIds;
    if (this.full.opportunities) {
      for (const row of rows) {
        const record = this.opportunities.add(row);
        this.scopeOpps.set(record.Id, record.AccountId);
      }
      for (const oppId of mirrored) if (!this.scopeOpps.has(oppId)) this.removedOpps.add(oppId);
      return;
    }
    for (const oppId of mirrored) this.scopeOpps.set(oppId, null);
    const me = readSalesforceId(this.request.userId);
    for (const row of rows) {
      const oppId = rowId(row);
      const owner = typeof row.OwnerId === "string" ? readSalesforceId(row.OwnerId) : null;
      const inScope = row.IsDeleted !== true && row.IsClosed !== true && owner === me;
      if (!inScope) {
        this.opportunities.seen(row);
        this.leave(oppId);
      } else if (isNews(row, mirrored, this.request.watermarks.Opportunity)) {
        const record = this.opportunities.add(row);
        this.scopeOpps.set(oppId, record.AccountId);
      } else {
        this.opportunities.seen(row);
        this.scopeOpps.set(oppId, idOrNull(row, "AccountId"));
      }
    }
    for (const oppId of deletes ?? []) this.leave(oppId);
    // Something entered or left unseen when the scope's size is not what the changes imply.
    this.countDisagrees = count !== this.scopeOpps.size;
  }

  private leave(oppId: SalesforceId): void {
    this.scopeOpps.delete(oppId);
    if (this.request.mirrored.opportunityIds.has(oppId)) this.removedOpps.add(oppId);
  }

  /** True when the scope's opportunity ids must be listed to find an unseen entry or exit. */
  get opportunityCountDisagrees(): boolean {
    return this.countDisagrees;
  }

  /** Reconciles the scope with the rows (Id, AccountId) of every opportunity in it. */
  reconcileOpportunities(rows: ReadonlyArray<Row>): void {
    const present = new Map<SalesforceId, SalesforceId | null>();
    for (const row of rows) present.set(rowId(row), idOrNull(row, "AccountId"));
    for (const oppId of [...this.scopeOpps.keys()]) if (!present.has(oppId)) this.leave(oppId);
    for (const [oppId, accountId] of present)
      if (!this.scopeOpps.has(oppId) || this.scopeOpps.get(oppId) === null) this.scopeOpps.set(oppId, accountId);
  }

  /** Accounts: every account in scope, and those of the scope's opportunities. */
  readAccounts(rows: ReadonlyArray<Row>): void {
    for (const row of rows) this.scopeAccounts.add(rowId(row));
    for (const accountId of this.scopeOpps.values()) if (accountId !== null) this.scopeAccounts.add(accountId);
    const mirrored = this.request.mirrored.accountIds;
    for (const row of rows) {
      if (this.scopeAccounts.has(rowId(row)) && isNews(row, mirrored, this.request.watermarks.Account))
        this.accounts.add(row);
      else this.accounts.seen(row);
    }
    this.exitingAccounts = [...mirrored].filter((accountId) => !this.scopeAccounts.has(accountId));
  }

  /** The `ContactId` of every role of the scope's opportunities. */
  readRoleContacts(rows: ReadonlyArray<Row>): void {
    for (const row of rows) {
      const contactId = idOrNull(row, "ContactId");
      if (contactId !== null) this.roleContacts.add(contactId);
    }
    this.roleContactsKnown = true;
  }

  /** Contacts at the scope's accounts or brought by a role; changed ones elsewhere or deleted are exits. */
  readContacts(rows: ReadonlyArray<Row>): void {
    for (const row of rows) {
      const accountId = idOrNull(row, "AccountId");
      const contactId = rowId(row);
      const atScopeAccount = accountId !== null && this.scopeAccounts.has(accountId);
      if (row.IsDeleted !== true && !atScopeAccount && !this.roleContactsKnown && !this.roleContacts.has(contactId)) {
        // Decided by the role-linked contacts when they are listed. Only a mirrored contact
        // that changed (it moved, or a role brings it) needs the listing: one not mirrored is
        // brought only by a role that changed (named above) or came with a new opportunity
        // (read in round 2); one re-read through the overlap was in scope when delivered, and
        // what could take it out (a role moved, its account left) lists them anyway.
        this.contacts.seen(row);
        this.awaitingRoles.push(row);
        if (
          this.request.mirrored.contactIds.has(contactId) &&
          isNews(row, this.request.mirrored.contactIds, this.request.watermarks.Contact)
        )
          this.awaitingNews = true;
      } else this.readContact(row, row.IsDeleted !== true && (atScopeAccount || this.roleContacts.has(contactId)));
    }
  }

  private readContact(row: Row, inScope: boolean): void {
    const mirrored = this.request.mirrored.contactIds;
    if (inScope && isNews(row, mirrored, this.request.watermarks.Contact)) this.contacts.add(row);
    else if (inScope) this.contacts.seen(row);
    else {
      this.contacts.seen(row);
      const contactId = rowId(row);
      if (mirrored.has(contactId)) this.removedContacts.add(contactId);
    }
  }

  /** Roles of the scope's opportunities; deleted ones are exits. */
  readContactRoles(rows: ReadonlyArray<Row>): void {
    const mirrored = this.request.mirrored.contactRoleIds;
    for (const row of rows) {
      // A mirrored role that changed (its contact may be another now) or went away may take a contact out.
      // (Rows re-read through the overlap at or below the watermark were seen before: not a move.)
      const news = isNews(row, mirrored, this.request.watermarks.OpportunityContactRole);
      if (!this.full.contactRoles && mirrored.has(rowId(row)) && (row.IsDeleted === true || news))
        this.rolesMoved = true;
      if (row.IsDeleted !== true) {
        // A role of an in-scope opportunity brings its contact in.
        const contactId = idOrNull(row, "ContactId");
        if (contactId !== null) this.roleContacts.add(contactId);
        if (news) this.roles.add(row);
        else this.roles.seen(row);
      } else {
        this.roles.seen(row);
        const roleId = rowId(row);
        if (mirrored.has(roleId)) this.removedRoles.add(roleId);
      }
    }
  }

  /** getDeleted's answers for contacts and roles; `null` where it could not cover the window. */
  readDeletes(contacts: ReadonlySet<SalesforceId> | null, roles: ReadonlySet<SalesforceId> | null): void {
    this.contactDeletesKnown = contacts !== null;
    for (const contactId of contacts ?? []) this.deletedContactIds.add(contactId);
    this.contactRoleDeletesKnown = roles !== null;
    const mirrored = this.request.mirrored;
    for (const contactId of contacts ?? []) if (mirrored.contactIds.has(contactId)) this.removedContacts.add(contactId);
    for (const roleId of roles ?? []) {
      if (!mirrored.contactRoleIds.has(roleId)) continue;
      this.removedRoles.add(roleId);
      this.rolesMoved = true;
    }
  }

  /** What round 2 must follow up, from what round 1 read. */
  round2Input(): ScopeRound2Input {
    const mirrored = this.request.mirrored;
    const newOpportunities = [...this.scopeOpps.keys()].filter((oppId) => !mirrored.opportunityIds.has(oppId));
    const newAccounts = [...this.scopeAccounts].filter((accountId) => !mirrored.accountIds.has(accountId));
    return {
      missingOpportunities: newOpportunities.filter((oppId) => !this.opportunities.byId.has(oppId)),
      missingAccounts: newAccounts.filter((accountId) => !this.accounts.byId.has(accountId)),
      newOpportunities,
      newAccounts,
      removedOpportunities: [...this.removedOpps],
      exitingAccounts: this.exitingAccounts,
      contactDeletesKnown: this.contactDeletesKnown,
      contactRoleDeletesKnown: this.contactRoleDeletesKnown,
      missingRoleContacts: [...this.roleContacts].filter(
        (contactId) =>
          !this.contacts.byId.has(contactId) && (this.full.contacts || !mirrored.contactIds.has(contactId)),
      ),
      rolesMoved: this.rolesMoved || this.removedOpps.size > 0,
      roleContactsKnown: this.roleContactsKnown,
      contactsAwaitRoles: this.awaitingNews,
    };
  }

  /** The rows of one planned round-2 group. */
  readRound2(group: Round2Group, rows: ReadonlyArray<Row>): void {
    const mirrored = this.request.mirrored;
    switch (group) {
      case "roleContactIds":
        this.readRoleContacts(rows);
        for (const row of this.awaitingRoles.splice(0)) this.readContact(row, this.roleContacts.has(rowId(row)));
        return;
      case "newRoleContacts":
        for (const row of rows) {
          const contactId = rowId(row);
          this.roleContacts.add(contactId);
          if (isNews(row, mirrored.contactIds, this.request.watermarks.Contact)) this.contacts.add(row);
        }
        return;
      case "opportunities":
        for (const row of rows) {
          const record = this.opportunities.add(row);
          this.scopeOpps.set(record.Id, record.AccountId);
        }
        return;
      case "accounts":
        for (const row of rows) this.accounts.add(row);
        return;
      case "cascadeContacts":
        for (const row of rows) this.contacts.add(row);
        return;
      case "exitContacts":
        for (const contactId of rows.map(rowId))
          if (
            mirrored.contactIds.has(contactId) &&
            !this.contacts.byId.has(contactId) &&
            !this.roleContacts.has(contactId)
          )
            this.removedContacts.add(contactId);
        return;
      case "roleContacts":
        for (const row of rows) this.contacts.add(row);
        return;
      case "cascadeContactRoles":
        for (const row of rows) this.roles.add(row);
        return;
      case "exitContactRoles":
        for (const roleId of rows.map(rowId)) if (mirrored.contactRoleIds.has(roleId)) this.removedRoles.add(roleId);
        return;
      case "reconcileContacts": {
        const present = new Set([...rows.map(rowId), ...this.roleContacts]);
        for (const contactId of mirrored.contactIds) if (!present.has(contactId)) this.removedContacts.add(contactId);
        return;
      }
      case "reconcileContactRoles": {
        const present = new Set(rows.map(rowId));
        for (const roleId of mirrored.contactRoleIds) if (!present.has(roleId)) this.removedRoles.add(roleId);
        return;
      }
    }
  }

  /**
   * Rows of a Bulk job's later page (a first sync continuing, `scope-bulk.ts`): contacts as of
   * the job's `upTo`, so an id this pull (or an earlier one since `upTo`, `skip`) delivered or
   * removed keeps the newer state; only contacts at the scope's accounts are taken.
   */
  readBulkContacts(rows: ReadonlyArray<Row>, skip: ReadonlySet<string>): void {
    for (const row of rows) {
      const contactId = rowId(row);
      if (skip.has(contactId) || this.contacts.seenIds.has(contactId) || this.removedContacts.has(contactId)) continue;
      const accountId = idOrNull(row, "AccountId");
      if (accountId !== null && this.scopeAccounts.has(accountId)) this.contacts.add(row);
    }
  }

  /**
   * The contact ids this pull read, delivered or saw deleted so far, in scope or not: a Bulk
   * page's older row of any of them must not win.
   */
  touchedContactIds(): ReadonlyArray<SalesforceId> {
    return [
      ...new Set<string>([
        ...this.contacts.byId.keys(),
        ...this.contacts.seenIds,
        ...this.removedContacts,
        ...this.deletedContactIds,
      ]),
    ].map(readSalesforceId);
  }

  /** Moves the contact watermark up to `stamp` (a Bulk job read everything up to it). */
  raiseContactWatermark(stamp: string): void {
    this.contacts.seen({ SystemModstamp: stamp });
  }

  /** The pull: upserts in scope, removals, and watermarks that never move backwards. */
  result(): ScopePull {
    const { mirrored, watermarks } = this.request;
    // Full pulls reconcile against what they returned.
    if (this.full.contacts) {
      for (const contactId of mirrored.contactIds)
        if (!this.contacts.byId.has(contactId)) this.removedContacts.add(contactId);
    }
    if (this.full.contactRoles) {
      for (const roleId of mirrored.contactRoleIds) if (!this.roles.byId.has(roleId)) this.removedRoles.add(roleId);
    }
    // An upserted record is in scope: never also removed.
    for (const contactId of this.contacts.byId.keys()) this.removedContacts.delete(contactId);
    for (const roleId of this.roles.byId.keys()) this.removedRoles.delete(roleId);
    return {
      opportunities: [...this.opportunities.byId.values()].filter((opp) => this.scopeOpps.has(opp.Id)),
      accounts: [...this.accounts.byId.values()].filter((account) => this.scopeAccounts.has(account.Id)),
      contacts: [...this.contacts.byId.values()],
      // Roles of opportunities that left the scope are gone even if their delete was not seen.
      contactRoles: [...this.roles.byId.values()].filter((role) => this.scopeOpps.has(role.OpportunityId)),
      removed: {
        opportunityIds: [...this.removedOpps],
        accountIds: [...this.exitingAccounts],
        contactIds: [...this.removedContacts],
        contactRoleIds: [...this.removedRoles],
      },
      watermarks: {
        ...watermarks,
        ...definedEntry("Opportunity", maxWatermark(watermarks.Opportunity, this.opportunities.maxModstamp)),
        ...definedEntry("Account", maxWatermark(watermarks.Account, this.accounts.maxModstamp)),
        ...definedEntry("Contact", maxWatermark(watermarks.Contact, this.contacts.maxModstamp)),
        ...definedEntry(
          "OpportunityContactRole",
          maxWatermark(watermarks.OpportunityContactRole, this.roles.maxModstamp),
        ),
      },
      full: this.full.opportunities && this.full.accounts && this.full.contacts && this.full.contactRoles,
    };
  }
}
