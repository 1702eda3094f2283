/**
 * The Salesforce port contract as a Vitest suite. Every implementation runs it: the in-memory
 * fake here, and `@tandem/salesforce-adapter` against the emulator over HTTP.
 *
 * Invariants: the suite only seeds and changes the org through the small, data-level
 * {@link PortContractHarness}, so a real org behind an API can implement it; assertions only
 * look at records the test itself created, so an org shared between tests works too.
 */
import { Effect } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { IdempotencyKey, MirroredIds, SalesforcePort, ScopePull, Watermarks } from "../port/salesforce-port.js";

/** Seeding and changing the org behind a port, as an administrator would. */
export interface ContractOrg {
  createAccount(fields: { readonly Name: string }): Promise<SalesforceId>;
  createContact(fields: {
    readonly AccountId: SalesforceId;
    readonly LastName: string;
    readonly FirstName?: string | undefined;
    readonly Email?: string | undefined;
  }): Promise<SalesforceId>;
  createOpportunity(fields: {
    readonly Name: string;
    readonly AccountId: SalesforceId;
    readonly OwnerId: SalesforceId;
    readonly StageName: string;
    readonly CloseDate: string;
    readonly Amount?: number | undefined;
  }): Promise<SalesforceId>;
  createContactRole(fields: {
    readonly OpportunityId: SalesforceId;
    readonly ContactId: SalesforceId;
    readonly Role?: string | undefined;
  }): Promise<SalesforceId>;
  /** A Task on a contact (`ActivityDate` `YYYY-MM-DD`). */
  createTask(fields: {
    readonly WhoId: SalesforceId;
    readonly WhatId?: SalesforceId | undefined;
    readonly Subject: string;
    readonly ActivityDate: string;
    readonly OwnerId: SalesforceId;
  }): Promise<SalesforceId>;
  /** Updates fields (e.g. `{ OwnerId }` to reassign, `{ StageName: "Closed Won" }` to close). */
  updateRecord(
    sobject: "Opportunity" | "Contact" | "Account",
    id: SalesforceId,
    fields: Readonly<Record<string, unknown>>,
  ): Promise<void>;
  deleteRecord(sobject: "Opportunity" | "Contact" | "OpportunityContactRole" | "Task", id: SalesforceId): Promise<void>;
  /** Lets SystemModstamp move on (an emulator advances its clock; a real org waits a second). */
  tick(): Promise<void>;
}

/** What the contract suite needs from an implementation. */
export interface PortContractHarness {
  /** Two ordinary users of the org (same profile, no View All). */
  readonly users: readonly [SalesforceId, SalesforceId];
  /** A port acting as `userId`. */
  port(userId: SalesforceId): SalesforcePort;
  readonly org: ContractOrg;
  close?(): Promise<void>;
}

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect);

const emptyMirror = (): MirroredIds => ({
  opportunityIds: new Set(),
  accountIds: new Set(),
  contactIds: new Set(),
  contactRoleIds: new Set(),
});

/** What a caller mirrors after applying pulls: the port's view of "mirrored". */
class Mirror {
  ids = emptyMirror();
  watermarks: Watermarks = {};
  apply(pull: ScopePull): void {
    const add = (
      set: ReadonlySet<SalesforceId>,
      ids: ReadonlyArray<SalesforceId>,
      removed: ReadonlyArray<SalesforceId>,
    ) => {
      const next = new Set(set);
      for (const id of ids) next.add(id);
      for (const id of removed) next.delete(id);
      return next;
    };
    this.ids = {
      opportunityIds: add(
        this.ids.opportunityIds,
        pull.opportunities.map((r) => r.Id),
        pull.removed.opportunityIds,
      ),
      accountIds: add(
        this.ids.accountIds,
        pull.accounts.map((r) => r.Id),
        pull.removed.accountIds,
      ),
      contactIds: add(
        this.ids.contactIds,
        pull.contacts.map((r) => r.Id),
        pull.removed.contactIds,
      ),
      contactRoleIds: add(
        this.ids.contactRoleIds,
        pull.contactRoles.map((r) => r.Id),
        pull.removed.contactRoleIds,
      ),
    };
    this.watermarks = pull.watermarks;
  }
}

/**
 * Registers the port contract suite.
 *
 * @remarks `makeHarness` is called before each test; `close` after it.
 * @example
 * ```ts
 * describePortContract("fake port", async () => fakeHarness());
 * ```
 */
export function describePortContract(name: string, makeHarness: () => Promise<PortContractHarness>): void {
  describe(`SalesforcePort contract: ${name}`, () => {
    let h: PortContractHarness;
    let me: SalesforceId;
    let other: SalesforceId;
    let port: SalesforcePort;

    beforeEach(async () => {
      h = await makeHarness();
      [me, other] = h.users;
      port = h.port(me);
    });
    afterEach(async () => {
      await h.close?.();
    });

    /** An account with two contacts and an open opportunity owned by `owner`, with one role. */
    const seedDeal = async (owner: SalesforceId, tag: string) => {
      const account = await h.org.createAccount({ Name: `Acme ${tag}` });
      const ada = await h.org.createContact({
        AccountId: account,
        FirstName: "Ada",
        LastName: `Lovelace ${tag}`,
        Email: `ada.${tag}@example.com`,
      });
      const bob = await h.org.createContact({ AccountId: account, FirstName: "Bob", LastName: `Babbage ${tag}` });
      const opp = await h.org.createOpportunity({
        Name: `Deal ${tag}`,
        AccountId: account,
        OwnerId: owner,
        StageName: "Prospecting",
        CloseDate: "2026-06-30",
        Amount: 1000,
      });
      const role = await h.org.createContactRole({ OpportunityId: opp, ContactId: ada, Role: "Decision Maker" });
      return { account, ada, bob, opp, role };
    };

    const pull = (mirror: Mirror) =>
      run(port.pullScope({ userId: me, watermarks: mirror.watermarks, mirrored: mirror.ids }));

    it("a first pull returns the user's open opportunities with their accounts, contacts and roles, and nobody else's", async () => {
      const mine = await seedDeal(me, "a1");
      const theirs = await seedDeal(other, "a2");
      const closed = await h.org.createOpportunity({
        Name: "Closed a3",
        AccountId: mine.account,
        OwnerId: me,
        StageName: "Closed Won",
        CloseDate: "2026-01-15",
      });
      const result = await pull(new Mirror());
      const oppIds = result.opportunities.map((o) => o.Id);
      expect(oppIds).toContain(mine.opp);
      expect(oppIds).not.toContain(theirs.opp);
      expect(oppIds).not.toContain(closed);
      const opp = result.opportunities.find((o) => o.Id === mine.opp);
      expect(opp).toMatchObject({ Name: "Deal a1", AccountId: mine.account, OwnerId: me, IsClosed: false });
      expect(opp?.Id).toHaveLength(18);
      expect(result.accounts.map((a) => a.Id)).toContain(mine.account);
      expect(result.accounts.map((a) => a.Id)).not.toContain(theirs.account);
      expect(result.contacts.map((c) => c.Id)).toEqual(expect.arrayContaining([mine.ada, mine.bob]));
      expect(result.contacts.map((c) => c.Id)).not.toContain(theirs.ada);
      expect(result.contactRoles.find((r) => r.Id === mine.role)).toMatchObject({
        OpportunityId: mine.opp,
        ContactId: mine.ada,
        Role: "Decision Maker",
      });
      const ids = result.opportunities.map((o) => o.Id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(result.full).toBe(true);
    });

    it("an incremental pull returns what changed, with no spurious changes, and watermarks never move backwards", async () => {
      const deal = await seedDeal(me, "b1");
      const mirror = new Mirror();
      const first = await pull(mirror);
      mirror.apply(first);
      const firstMarks = mirror.watermarks;
      // An unchanged re-pull may repeat records inside the port's overlap window, but only
      // with the values already pulled, and removes nothing.
      const unchanged = await pull(mirror);
      for (const o of unchanged.opportunities) expect(o).toEqual(first.opportunities.find((x) => x.Id === o.Id));
      for (const c of unchanged.contacts) expect(c).toEqual(first.contacts.find((x) => x.Id === c.Id));
      expect(unchanged.removed.opportunityIds).toEqual([]);
      expect(unchanged.removed.contactIds).toEqual([]);
      expect(unchanged.full).toBe(false);
      mirror.apply(unchanged);
      await h.org.tick();
      await h.org.updateRecord("Opportunity", deal.opp, { Amount: 2000 });
      await h.org.updateRecord("Contact", deal.bob, { Title: "CTO" });
      const changed = await pull(mirror);
      expect(changed.opportunities.find((o) => o.Id === deal.opp)?.Amount).toBe(2000);
      expect(changed.contacts.find((c) => c.Id === deal.bob)?.Title).toBe("CTO");
      const ids = changed.contacts.map((c) => c.Id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const [object, mark] of Object.entries(firstMarks)) {
        const next = (changed.watermarks as Record<string, string | undefined>)[object];
        expect(next !== undefined && next >= (mark ?? "")).toBe(true);
      }
    });

    it("scope exits: a closed or reassigned opportunity is reported removed, with what nothing else references", async () => {
      const closing = await seedDeal(me, "c1");
      const leaving = await seedDeal(me, "c2");
      const mirror = new Mirror();
      mirror.apply(await pull(mirror));
      await h.org.tick();
      await h.org.updateRecord("Opportunity", closing.opp, { StageName: "Closed Won" });
      await h.org.updateRecord("Opportunity", leaving.opp, { OwnerId: other });
      const result = await pull(mirror);
      expect(result.removed.opportunityIds).toEqual(expect.arrayContaining([closing.opp, leaving.opp]));
      expect(result.removed.accountIds).toEqual(expect.arrayContaining([closing.account, leaving.account]));
      expect(result.removed.contactIds).toEqual(expect.arrayContaining([closing.ada, leaving.bob]));
      expect(result.opportunities.map((o) => o.Id)).not.toContain(closing.opp);
    });

    it("cascades: an opportunity newly owned brings its account, every contact there and its roles, whatever their age", async () => {
      const deal = await seedDeal(other, "d1");
      const mirror = new Mirror();
      mirror.apply(await pull(mirror));
      expect(mirror.ids.opportunityIds.has(deal.opp)).toBe(false);
      await h.org.tick();
      await h.org.updateRecord("Opportunity", deal.opp, { OwnerId: me });
      const result = await pull(mirror);
      expect(result.opportunities.map((o) => o.Id)).toContain(deal.opp);
      expect(result.accounts.map((a) => a.Id)).toContain(deal.account);
      expect(result.contacts.map((c) => c.Id)).toEqual(expect.arrayContaining([deal.ada, deal.bob]));
      expect(result.contactRoles.map((r) => r.Id)).toContain(deal.role);
    });

    it("deletions of mirrored records are reported", async () => {
      const deal = await seedDeal(me, "e1");
      const mirror = new Mirror();
      mirror.apply(await pull(mirror));
      await h.org.tick();
      await h.org.deleteRecord("Contact", deal.bob);
      await h.org.deleteRecord("OpportunityContactRole", deal.role);
      const result = await pull(mirror);
      expect(result.removed.contactIds).toContain(deal.bob);
      expect(result.removed.contactRoleIds).toContain(deal.role);
      expect(result.removed.contactIds).not.toContain(deal.ada);
    });

    it("pullActivities returns Key contacts' activities in the window plus each one's most recent, and no one else's", async () => {
      const deal = await seedDeal(me, "f1");
      const recent = await h.org.createTask({
        WhoId: deal.ada,
        WhatId: deal.opp,
        Subject: "Recent call",
        ActivityDate: "2026-03-01",
        OwnerId: me,
      });
      const old = await h.org.createTask({ WhoId: deal.ada, Subject: "Old", ActivityDate: "2025-01-01", OwnerId: me });
      const onlyOld = await h.org.createTask({
        WhoId: deal.bob,
        Subject: "Bob old",
        ActivityDate: "2025-02-01",
        OwnerId: me,
      });
      const other2 = await h.org.createTask({
        WhoId: deal.bob,
        Subject: "Bob older",
        ActivityDate: "2024-02-01",
        OwnerId: me,
      });
      const result = await run(
        port.pullActivities({
          whoIds: [deal.ada, deal.bob],
          windowStart: "2026-01-01T00:00:00.000Z",
          watermarks: {},
          mirroredIds: new Set(),
        }),
      );
      const ids = result.activities.map((a) => a.Id);
      expect(ids).toContain(recent);
      expect(ids).toContain(onlyOld);
      expect(ids).not.toContain(old);
      expect(ids).not.toContain(other2);
      expect(result.activities.find((a) => a.Id === recent)).toMatchObject({
        Type: "Task",
        WhoId: deal.ada,
        WhatId: deal.opp,
        Subject: "Recent call",
        ActivityDate: "2026-03-01",
      });
      const none = await run(
        port.pullActivities({
          whoIds: [deal.ada],
          windowStart: "2026-01-01T00:00:00.000Z",
          watermarks: {},
          mirroredIds: new Set(),
        }),
      );
      expect(none.activities.map((a) => a.Id)).not.toContain(onlyOld);
    });

    it("push creates a completed Task whose key lookup finds, exactly one result per write, in order", async () => {
      const deal = await seedDeal(me, "g1");
      const key = `tdm:contract-${Math.random().toString(36).slice(2)}` as IdempotencyKey;
      const missing = `tdm:missing-${Math.random().toString(36).slice(2)}` as IdempotencyKey;
      const results = await run(
        port.push([
          {
            kind: "createTask",
            intentId: "i1",
            key,
            fields: {
              WhoId: deal.ada,
              WhatId: deal.opp,
              Subject: "Call with Ada",
              Description: "Pricing",
              ActivityDate: "2026-03-02",
              Status: "Completed",
              TaskSubtype: "Call",
              CallType: "Outbound",
              CallDurationInSeconds: 60,
            },
          },
          {
            kind: "updateField",
            intentId: "i2",
            sobject: "Opportunity",
            recordId: deal.opp,
            field: "Amount",
            base: 1000,
            value: 1500,
          },
        ]),
      );
      expect(results.map((r) => r.intentId)).toEqual(["i1", "i2"]);
      const created = results[0];
      expect(created?.outcome).toBe("applied");
      const taskId = created?.outcome === "applied" ? created.salesforceId : null;
      expect(taskId).toHaveLength(18);
      const found = await run(port.lookup([key, missing]));
      expect(found.get(key)).toBe(taskId);
      expect(found.get(missing)).toBeNull();
      const acts = await run(
        port.pullActivities({
          whoIds: [deal.ada],
          windowStart: "2026-01-01T00:00:00.000Z",
          watermarks: {},
          mirroredIds: new Set(),
        }),
      );
      expect(acts.activities.find((a) => a.Id === taskId)).toMatchObject({
        Status: "Completed",
        Subject: "Call with Ada",
        WhoId: deal.ada,
        WhatId: deal.opp,
        ActivityDate: "2026-03-02",
      });
    });

    it("updates apply only when Salesforce still holds the base: applied, unchanged or conflict with theirs", async () => {
      const deal = await seedDeal(me, "h1");
      const update = (intentId: string, base: unknown, value: unknown) =>
        ({
          kind: "updateField",
          intentId,
          sobject: "Opportunity",
          recordId: deal.opp,
          field: "StageName",
          base,
          value,
        }) as const;
      const [applied] = await run(port.push([update("u1", "Prospecting", "Qualification")]));
      expect(applied?.outcome).toBe("applied");
      const [unchanged] = await run(port.push([update("u2", "Prospecting", "Qualification")]));
      expect(unchanged?.outcome).toBe("unchanged");
      const [conflict] = await run(port.push([update("u3", "Prospecting", "Needs Analysis")]));
      expect(conflict).toMatchObject({ outcome: "conflict", theirs: "Qualification" });
      const mirror = new Mirror();
      const after = await pull(mirror);
      expect(after.opportunities.find((o) => o.Id === deal.opp)?.StageName).toBe("Qualification");
    });

    it("per-record failures are typed: validation names the field, a missing record is NotFound, another user's opportunity is AccessDenied", async () => {
      const deal = await seedDeal(me, "k1");
      const theirs = await seedDeal(other, "k2");
      await h.org.deleteRecord("Contact", deal.bob);
      const results = await run(
        port.push([
          {
            kind: "updateField",
            intentId: "v1",
            sobject: "Contact",
            recordId: deal.ada,
            field: "LastName",
            base: "Lovelace k1",
            value: "",
          },
          {
            kind: "updateField",
            intentId: "v2",
            sobject: "Contact",
            recordId: deal.bob,
            field: "Title",
            base: null,
            value: "CEO",
          },
          {
            kind: "updateField",
            intentId: "v3",
            sobject: "Opportunity",
            recordId: theirs.opp,
            field: "Amount",
            base: 1000,
            value: 1,
          },
        ]),
      );
      expect(results).toHaveLength(3);
      const [bad, missing, denied] = results;
      expect(bad?.outcome === "failed" && bad.error._tag).toBe("ValidationFailed");
      expect(bad?.outcome === "failed" && bad.error._tag === "ValidationFailed" && bad.error.fields).toContain(
        "LastName",
      );
      expect(missing?.outcome === "failed" && missing.error._tag).toBe("NotFound");
      expect(denied?.outcome === "failed" && denied.error._tag).toBe("AccessDenied");
    });

    it("usage reports the org's API usage and counts this port's calls", async () => {
      const before = port.usage();
      await pull(new Mirror());
      const after = port.usage();
      expect(after.callsMade).toBeGreaterThan(before.callsMade);
      expect(after.max).toBeGreaterThan(0);
      expect(after.used).toBeGreaterThanOrEqual(0);
      expect(after.used).toBeLessThanOrEqual(after.max);
    });
  });
}
