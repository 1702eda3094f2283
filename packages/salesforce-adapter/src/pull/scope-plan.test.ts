import { type MirroredIds, readSalesforceId, type SalesforceId, type ScopePullRequest } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import type { ReadSpec } from "../client/batch-reads.js";
import {
  planScopeRound1,
  planScopeRound2,
  replicationDate,
  type ScopeEndpoints,
  type ScopePlanOptions,
  type ScopeRound2Input,
} from "./scope-plan.js";

const API = "/services/data/v60.0";
const endpoints: ScopeEndpoints = {
  apiBase: API,
  queryUrlPrefixLength: `https://example.my.salesforce.com${API}/queryAll?q=`.length,
  queryUrl: (soql, all = false) => `${API}/${all ? "queryAll" : "query"}?q=${encodeURIComponent(soql)}`,
};
const NOW = new Date("2026-11-26T10:00:00.000Z");
const options: ScopePlanOptions = {
  overlapMs: 5 * 60_000,
  maxUrlLength: 8_000,
  deletedWindowMs: 15 * 86_400_000,
  now: NOW,
};
const USER = readSalesforceId("005000000000001");
const SCOPE = `OwnerId = '${USER}' AND IsClosed = false`;
const NONE: MirroredIds = {
  opportunityIds: new Set(),
  accountIds: new Set(),
  contactIds: new Set(),
  contactRoleIds: new Set(),
};
const WATERMARKS = {
  Opportunity: "2026-11-26T09:00:00.000Z",
  Account: "2026-11-26T08:00:00.000Z",
  Contact: "2026-11-26T09:30:00.000Z",
  OpportunityContactRole: "2026-11-25T09:00:00.000Z",
};

const ids = (prefix: string, count: number): SalesforceId[] =>
  Array.from({ length: count }, (_, i) => readSalesforceId(`${prefix}${String(i + 1).padStart(12, "0")}`));

const soqlOf = (spec: ReadSpec | undefined) => (spec?.kind === "query" ? spec.soql : undefined);
const urlOf = (spec: ReadSpec | undefined) => (spec?.kind === "get" ? spec.url : undefined);

function request(watermarks: ScopePullRequest["watermarks"], mirrored: MirroredIds = NONE): ScopePullRequest {
  return { userId: USER, watermarks, mirrored };
}

const nothingFound: ScopeRound2Input = {
  missingOpportunities: [],
  missingAccounts: [],
  newOpportunities: [],
  newAccounts: [],
  removedOpportunities: [],
  exitingAccounts: [],
  contactDeletesKnown: true,
  contactRoleDeletesKnown: true,
  missingRoleContacts: [],
  rolesMoved: false,
  roleContactsKnown: false,
  contactsAwaitRoles: false,
};

const ROLE_CONTACT_IDS = `SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId IN (SELECT Id FROM Opportunity WHERE ${SCOPE})`;

describe("round 1 of a scope pull", () => {
  it("reads the whole scope in four queries when nothing is mirrored yet", () => {
    const plan = planScopeRound1(request({}), options, endpoints);
    expect(plan.full).toEqual({ opportunities: true, accounts: true, contacts: true, contactRoles: true });
    expect(plan.reads).toHaveLength(4);
    // The full role read names every role-linked contact: no separate ContactId listing.
    expect(plan.roleContacts).toBeUndefined();
    expect(plan.reads.every((spec) => spec.kind === "query" && spec.includeDeleted !== true)).toBe(true);
    expect(soqlOf(plan.reads[plan.opportunities])).toMatch(/^SELECT Id, Name, .* FROM Opportunity WHERE OwnerId = /);
    expect(soqlOf(plan.reads[plan.opportunities])).toContain(SCOPE);
    expect(soqlOf(plan.reads[plan.accounts])).toBe(
      `SELECT Id, Name, SystemModstamp FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE ${SCOPE})`,
    );
    expect(soqlOf(plan.reads[plan.contacts])).toContain(
      `FROM Contact WHERE AccountId IN (SELECT AccountId FROM Opportunity WHERE ${SCOPE})`,
    );
    expect(soqlOf(plan.reads[plan.contactRoles])).toBe(
      `SELECT Id, OpportunityId, ContactId, Role, IsPrimary, SystemModstamp FROM OpportunityContactRole WHERE OpportunityId IN (SELECT Id FROM Opportunity WHERE ${SCOPE})`,
    );
    expect(plan.opportunityCount).toBeUndefined();
    expect([plan.opportunityDeletes, plan.contactDeletes, plan.contactRoleDeletes]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("reads changes since each watermark minus the overlap, deleted ones included, plus the scope's count", () => {
    const plan = planScopeRound1(request(WATERMARKS), options, endpoints);
    const opps = plan.reads[plan.opportunities];
    expect(opps).toMatchObject({ kind: "query", includeDeleted: true });
    expect(soqlOf(opps)).toMatch(/, IsDeleted FROM Opportunity WHERE SystemModstamp > 2026-11-26T08:55:00Z$/);
    expect(soqlOf(plan.reads[plan.contacts])).toMatch(/WHERE SystemModstamp > 2026-11-26T09:25:00Z$/);
    const roles = plan.reads[plan.contactRoles];
    expect(roles).toMatchObject({ kind: "query", includeDeleted: true });
    expect(soqlOf(roles)).toContain("(OpportunityId IN (SELECT Id FROM Opportunity WHERE");
    expect(soqlOf(roles)).toMatch(/AND \(SystemModstamp > 2026-11-25T08:55:00Z\)$/);
    // Accounts are read in full whatever their watermark: the account scope must be exact.
    expect(plan.reads[plan.accounts]).toEqual({
      kind: "query",
      soql: `SELECT Id, Name, SystemModstamp FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE ${SCOPE})`,
    });
    expect(urlOf(plan.reads[plan.opportunityCount ?? -1])).toBe(
      endpoints.queryUrl(`SELECT count() FROM Opportunity WHERE ${SCOPE}`),
    );
    expect(plan.opportunityReconcile).toBe(`SELECT Id, AccountId FROM Opportunity WHERE ${SCOPE}`);
  });

  it("asks getDeleted from the latest watermark minus the overlap to a minute past now", () => {
    const plan = planScopeRound1(request(WATERMARKS), options, endpoints);
    const start = new Date("2026-11-26T09:25:00.000Z");
    const expectedUrl = (object: string) =>
      `${API}/sobjects/${object}/deleted/?start=${encodeURIComponent(replicationDate(start))}&end=${encodeURIComponent(replicationDate(new Date("2026-11-26T10:01:00.000Z")))}`;
    for (const [read, object] of [
      [plan.opportunityDeletes, "Opportunity"],
      [plan.contactDeletes, "Contact"],
      [plan.contactRoleDeletes, "OpportunityContactRole"],
    ] as const) {
      expect(read?.start).toEqual(start);
      expect(urlOf(plan.reads[read?.index ?? -1])).toBe(expectedUrl(object));
    }
    // Opportunities, count, accounts, contacts, roles, then the three getDeleted calls.
    expect(plan.reads).toHaveLength(8);
    expect(plan.roleContacts).toBeUndefined();
  });

  it("leaves getDeleted out when the window is older than Salesforce keeps deletes", () => {
    const old = { ...WATERMARKS, Opportunity: "2026-10-01T00:00:00.000Z", Contact: "2026-10-01T00:00:00.000Z" };
    const stale = { ...old, OpportunityContactRole: "2026-10-01T00:00:00.000Z", Account: "2026-10-01T00:00:00.000Z" };
    const plan = planScopeRound1(request(stale), options, endpoints);
    expect([plan.opportunityDeletes, plan.contactDeletes, plan.contactRoleDeletes]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(plan.reads.some((spec) => urlOf(spec)?.includes("/deleted/"))).toBe(false);
  });

  it("mixes full and incremental objects: getDeleted only for the incremental ones", () => {
    const { Contact: _contact, ...withoutContact } = WATERMARKS;
    const plan = planScopeRound1(request(withoutContact), options, endpoints);
    expect(plan.full.contacts).toBe(true);
    expect(plan.reads[plan.contacts]).not.toHaveProperty("includeDeleted");
    expect(plan.contactDeletes).toBeUndefined();
    expect(plan.opportunityDeletes).toBeDefined();
    expect(plan.contactRoleDeletes).toBeDefined();
    // Contacts in full, roles not: the role-linked contacts must be listed to pull those elsewhere.
    expect(soqlOf(plan.reads[plan.roleContacts ?? -1])).toBe(ROLE_CONTACT_IDS);
  });
});

describe("round 2 of a scope pull", () => {
  it("is empty when nothing entered or left and getDeleted covered the window", () => {
    const plan = planScopeRound2(request(WATERMARKS), nothingFound, options, endpoints);
    expect(plan.reads).toEqual([]);
    expect(Object.values(plan.groups).every((group) => group.length === 0)).toBe(true);
  });

  it("fetches entries whatever their age, cascades contacts and roles, and lists exits by id", () => {
    const [opp, gone] = ids("006", 2) as [SalesforceId, SalesforceId];
    const [account, left] = ids("001", 2) as [SalesforceId, SalesforceId];
    const found: ScopeRound2Input = {
      ...nothingFound,
      missingOpportunities: [opp],
      newOpportunities: [opp],
      missingAccounts: [account],
      newAccounts: [account],
      removedOpportunities: [gone],
      exitingAccounts: [left],
    };
    const plan = planScopeRound2(request(WATERMARKS), found, options, endpoints);
    const soql = (group: keyof typeof plan.groups) => plan.groups[group].map((index) => soqlOf(plan.reads[index]));
    expect(soql("opportunities")).toEqual([
      expect.stringMatching(new RegExp(`FROM Opportunity WHERE \\(Id IN \\('${opp}'\\)\\) AND \\(${SCOPE}\\)$`)),
    ]);
    expect(soql("accounts")).toEqual([`SELECT Id, Name, SystemModstamp FROM Account WHERE Id IN ('${account}')`]);
    expect(soql("cascadeContacts")).toEqual([
      expect.stringMatching(`FROM Contact WHERE AccountId IN \\('${account}'\\)$`),
    ]);
    expect(soql("exitContacts")).toEqual([`SELECT Id FROM Contact WHERE AccountId IN ('${left}')`]);
    expect(soql("cascadeContactRoles")).toEqual([
      expect.stringMatching(`FROM OpportunityContactRole WHERE OpportunityId IN \\('${opp}'\\)$`),
    ]);
    expect(soql("exitContactRoles")).toEqual([
      `SELECT Id FROM OpportunityContactRole WHERE OpportunityId IN ('${gone}')`,
    ]);
    // A deleted role of an opportunity that left still has to be seen: queryAll.
    expect(plan.reads[plan.groups.exitContactRoles[0] ?? -1]).toMatchObject({ includeDeleted: true });
    expect(plan.groups.reconcileContacts).toEqual([]);
    // A contact at the exiting account stays if a role brings it; the new opportunity's roles bring theirs.
    expect(soql("roleContactIds")).toEqual([ROLE_CONTACT_IDS]);
    expect(soql("newRoleContacts")).toEqual([
      expect.stringMatching(
        `FROM Contact WHERE Id IN \\(SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId IN \\('${opp}'\\)\\)$`,
      ),
    ]);
  });

  it("lists the role-linked contacts only when an exit or a contact outside the scope's accounts needs them", () => {
    const mirrored = { ...NONE, contactIds: new Set(ids("003", 2)) };
    const listing = (found: ScopeRound2Input) => {
      const plan = planScopeRound2(request(WATERMARKS, mirrored), found, options, endpoints);
      return plan.groups.roleContactIds.map((index) => soqlOf(plan.reads[index]));
    };
    expect(listing(nothingFound)).toEqual([]);
    expect(listing({ ...nothingFound, contactsAwaitRoles: true })).toEqual([ROLE_CONTACT_IDS]);
    expect(listing({ ...nothingFound, rolesMoved: true })).toEqual([ROLE_CONTACT_IDS]);
    // Round 1 already named them all (a full role or contact pull).
    expect(listing({ ...nothingFound, contactsAwaitRoles: true, rolesMoved: true, roleContactsKnown: true })).toEqual(
      [],
    );
  });

  it("splits long id lists so every request URL stays within the budget", () => {
    const many = ids("001", 400);
    const budget = 2_000;
    const plan = planScopeRound2(
      request(WATERMARKS),
      { ...nothingFound, missingAccounts: many, newAccounts: many },
      { maxUrlLength: budget },
      endpoints,
    );
    expect(plan.groups.accounts.length).toBeGreaterThan(1);
    const statements = plan.groups.accounts.map((index) => soqlOf(plan.reads[index]) ?? "");
    for (const soql of statements) {
      expect(endpoints.queryUrlPrefixLength + encodeURIComponent(soql).length).toBeLessThanOrEqual(budget);
    }
    expect(statements.join(" ").match(/'001/g)).toHaveLength(400);
  });

  it("reconciles contact and role ids only where getDeleted did not cover the window and something is mirrored", () => {
    const mirrored = { ...NONE, contactIds: new Set(ids("003", 1)), contactRoleIds: new Set(ids("00K", 1)) };
    const uncovered = { ...nothingFound, contactDeletesKnown: false, contactRoleDeletesKnown: false };
    const plan = planScopeRound2(request(WATERMARKS, mirrored), uncovered, options, endpoints);
    expect(plan.groups.reconcileContacts.map((index) => soqlOf(plan.reads[index]))).toEqual([
      `SELECT Id FROM Contact WHERE AccountId IN (SELECT AccountId FROM Opportunity WHERE ${SCOPE})`,
    ]);
    expect(plan.groups.reconcileContactRoles.map((index) => soqlOf(plan.reads[index]))).toEqual([
      `SELECT Id FROM OpportunityContactRole WHERE OpportunityId IN (SELECT Id FROM Opportunity WHERE ${SCOPE})`,
    ]);
    expect(planScopeRound2(request(WATERMARKS), uncovered, options, endpoints).reads).toEqual([]);
  });

  it("needs no cascades, exits or reconciles for objects pulled in full", () => {
    const [opp] = ids("006", 1) as [SalesforceId];
    const [account] = ids("001", 1) as [SalesforceId];
    const mirrored = { ...NONE, contactIds: new Set(ids("003", 1)), contactRoleIds: new Set(ids("00K", 1)) };
    const found: ScopeRound2Input = {
      ...nothingFound,
      newOpportunities: [opp],
      newAccounts: [account],
      removedOpportunities: [opp],
      exitingAccounts: [account],
      contactDeletesKnown: false,
      contactRoleDeletesKnown: false,
      roleContactsKnown: true,
    };
    const { Contact: _c, OpportunityContactRole: _r, ...oppAndAccount } = WATERMARKS;
    const plan = planScopeRound2(request(oppAndAccount, mirrored), found, options, endpoints);
    expect(plan.reads).toEqual([]);
  });
});

describe("role-linked contacts and field selections in a scope plan (issue 20)", () => {
  it("fetches the contacts a role brings in by id, and lists the scope's contacts when a mirrored role moved", () => {
    const [elsewhere] = ids("003", 1) as [SalesforceId];
    const mirrored = { ...NONE, contactIds: new Set(ids("003", 3).slice(1)) };
    const plan = planScopeRound2(
      request(WATERMARKS, mirrored),
      { ...nothingFound, missingRoleContacts: [elsewhere], rolesMoved: true },
      options,
      endpoints,
    );
    const soql = (group: keyof typeof plan.groups) => plan.groups[group].map((index) => soqlOf(plan.reads[index]));
    expect(soql("roleContacts")).toEqual([expect.stringMatching(`FROM Contact WHERE Id IN \\('${elsewhere}'\\)$`)]);
    expect(soql("reconcileContacts")).toEqual([
      `SELECT Id FROM Contact WHERE AccountId IN (SELECT AccountId FROM Opportunity WHERE ${SCOPE})`,
    ]);
    // A contact only a role brought is present only if some role still names it.
    expect(soql("roleContactIds")).toEqual([ROLE_CONTACT_IDS]);
    // Nothing moved, getDeleted covered the window: no contact listing.
    const quiet = planScopeRound2(request(WATERMARKS, mirrored), nothingFound, options, endpoints);
    expect(quiet.groups.reconcileContacts).toEqual([]);
  });

  it("selects the extra fields and leaves hidden shape fields out of every opportunity and contact read", () => {
    const fields = {
      Opportunity: { extra: ["NextStep", "Competitor__c", "bad name); DELETE"], hidden: ["Amount", "Id"] },
      Contact: { extra: ["LeadSource"], hidden: ["Phone"] },
    };
    const [opp] = ids("006", 1) as [SalesforceId];
    const [account] = ids("001", 1) as [SalesforceId];
    for (const marks of [{}, WATERMARKS]) {
      const req = { ...request(marks), fields };
      const round1 = planScopeRound1(req, options, endpoints);
      const round2 = planScopeRound2(
        req,
        { ...nothingFound, missingOpportunities: [opp], newAccounts: [account], missingRoleContacts: ids("003", 1) },
        options,
        endpoints,
      );
      const opps = [
        soqlOf(round1.reads[round1.opportunities]),
        ...round2.groups.opportunities.map((i) => soqlOf(round2.reads[i])),
      ];
      for (const soql of opps) {
        expect(soql).toMatch(
          /^SELECT Id, Name, AccountId, StageName, .*, NextStep, Competitor__c(, IsDeleted)? FROM Opportunity/,
        );
        expect(soql).not.toContain("Amount");
        expect(soql).not.toContain("DELETE");
      }
      const contactReads = [
        soqlOf(round1.reads[round1.contacts]),
        ...[...round2.groups.cascadeContacts, ...round2.groups.roleContacts].map((i) => soqlOf(round2.reads[i])),
      ];
      for (const soql of contactReads) {
        expect(soql).toContain(", LeadSource");
        expect(soql).not.toMatch(/ Phone,/);
      }
    }
  });
});

describe("replicationDate", () => {
  it("writes getDeleted bounds as jsforce does", () => {
    expect(replicationDate(new Date("2026-11-26T10:00:00.000Z"))).toMatch(/^2026-11-26T10:00:00\+00:00$/);
  });
});
