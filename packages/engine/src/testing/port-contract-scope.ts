/**
 * The scope-pull cases of the port contract suite (docs/architecture.md, "Scope of a book"):
 * first and incremental pulls, scope exits, cascades and deletions.
 */
import { describe, expect, it } from "vitest";
import { type ContractContext, Mirror } from "./port-contract-context.js";

/** Registers the scope-pull cases. */
export function describeScopePulls(c: ContractContext): void {
  describe("scope pulls", () => {
    it("a first pull returns the user's open opportunities with their accounts, contacts and roles, and nobody else's", async () => {
      const mine = await c.seedDeal(c.me, "a1");
      const theirs = await c.seedDeal(c.other, "a2");
      const closed = await c.h.org.createOpportunity({
        Name: "Closed a3",
        AccountId: mine.account,
        OwnerId: c.me,
        StageName: "Closed Won",
        CloseDate: "2026-01-15",
      });
      const result = await c.pull(new Mirror());
      const oppIds = result.opportunities.map((o) => o.Id);
      expect(oppIds).toContain(mine.opp);
      expect(oppIds).not.toContain(theirs.opp);
      expect(oppIds).not.toContain(closed);
      const opp = result.opportunities.find((o) => o.Id === mine.opp);
      expect(opp).toMatchObject({ Name: "Deal a1", AccountId: mine.account, OwnerId: c.me, IsClosed: false });
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
      const deal = await c.seedDeal(c.me, "b1");
      const mirror = new Mirror();
      const first = await c.pull(mirror);
      mirror.apply(first);
      const firstMarks = mirror.watermarks;
      // An unchanged re-pull may repeat records inside the port's overlap window, but only
      // with the values already pulled, and removes nothing.
      const unchanged = await c.pull(mirror);
      for (const o of unchanged.opportunities) expect(o).toEqual(first.opportunities.find((x) => x.Id === o.Id));
      for (const c of unchanged.contacts) expect(c).toEqual(first.contacts.find((x) => x.Id === c.Id));
      expect(unchanged.removed.opportunityIds).toEqual([]);
      expect(unchanged.removed.contactIds).toEqual([]);
      expect(unchanged.full).toBe(false);
      mirror.apply(unchanged);
      await c.h.org.tick();
      await c.h.org.updateRecord("Opportunity", deal.opp, { Amount: 2000 });
      await c.h.org.updateRecord("Contact", deal.bob, { Title: "CTO" });
      const changed = await c.pull(mirror);
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
      const closing = await c.seedDeal(c.me, "c1");
      const leaving = await c.seedDeal(c.me, "c2");
      const mirror = new Mirror();
      mirror.apply(await c.pull(mirror));
      await c.h.org.tick();
      await c.h.org.updateRecord("Opportunity", closing.opp, { StageName: "Closed Won" });
      await c.h.org.updateRecord("Opportunity", leaving.opp, { OwnerId: c.other });
      const result = await c.pull(mirror);
      expect(result.removed.opportunityIds).toEqual(expect.arrayContaining([closing.opp, leaving.opp]));
      expect(result.removed.accountIds).toEqual(expect.arrayContaining([closing.account, leaving.account]));
      expect(result.removed.contactIds).toEqual(expect.arrayContaining([closing.ada, leaving.bob]));
      expect(result.opportunities.map((o) => o.Id)).not.toContain(closing.opp);
    });

    it("cascades: an opportunity newly owned brings its account, every contact there and its roles, whatever their age", async () => {
      const deal = await c.seedDeal(c.other, "d1");
      const mirror = new Mirror();
      mirror.apply(await c.pull(mirror));
      expect(mirror.ids.opportunityIds.has(deal.opp)).toBe(false);
      await c.h.org.tick();
      await c.h.org.updateRecord("Opportunity", deal.opp, { OwnerId: c.me });
      const result = await c.pull(mirror);
      expect(result.opportunities.map((o) => o.Id)).toContain(deal.opp);
      expect(result.accounts.map((a) => a.Id)).toContain(deal.account);
      expect(result.contacts.map((c) => c.Id)).toEqual(expect.arrayContaining([deal.ada, deal.bob]));
      expect(result.contactRoles.map((r) => r.Id)).toContain(deal.role);
    });

    it("deletions of mirrored records are reported", async () => {
      const deal = await c.seedDeal(c.me, "e1");
      const mirror = new Mirror();
      mirror.apply(await c.pull(mirror));
      await c.h.org.tick();
      await c.h.org.deleteRecord("Contact", deal.bob);
      await c.h.org.deleteRecord("OpportunityContactRole", deal.role);
      const result = await c.pull(mirror);
      expect(result.removed.contactIds).toContain(deal.bob);
      expect(result.removed.contactRoleIds).toContain(deal.role);
      expect(result.removed.contactIds).not.toContain(deal.ada);
    });
  });
}
