/**
 * The port contract cases of issue 20: contacts linked by a role wherever they work, shared
 * activities (TaskRelation / EventRelation), the activity window bounded on both sides, the
 * user's time zone and describe in `pullOrgInfo`, and configured extra fields under
 * field-level security in pulls and pushes.
 *
 * Invariant: a test that changes field access or a time zone sets it back before it ends, so
 * an org shared between tests is left as it was found.
 */
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { FieldSelection } from "../port/salesforce-port.js";
import { type ContractContext, Mirror, run } from "./port-contract-context.js";

const WINDOW = {
  windowStart: "2026-01-01T00:00:00.000Z",
  windowEnd: "2026-09-01T00:00:00.000Z",
  now: "2026-03-10T12:00:00.000Z",
};

/** Registers the scope, activity and field cases of issue 20. */
export function describeFieldsAndRelations(c: ContractContext): void {
  describe("role-linked contacts, shared activities and the window", () => {
    it("a contact linked by a role at another account, or at none, is pulled, and leaves with its role", async () => {
      const deal = await c.seedDeal(c.me, "r1");
      const elsewhere = await c.h.org.createAccount({ Name: "Partner r1" });
      const consultant = await c.h.org.createContact({ AccountId: elsewhere, LastName: "Consultant r1" });
      const loner = await c.h.org.createContact({ AccountId: null, LastName: "Freelancer r1" });
      const mirror = new Mirror();
      mirror.apply(await c.pull(mirror));
      expect(mirror.ids.contactIds.has(consultant)).toBe(false);
      await c.h.org.tick();
      const r1 = await c.h.org.createContactRole({
        OpportunityId: deal.opp,
        ContactId: consultant,
        Role: "Influencer",
      });
      const r2 = await c.h.org.createContactRole({ OpportunityId: deal.opp, ContactId: loner, Role: "Evaluator" });
      const next = await c.pull(mirror);
      mirror.apply(next);
      expect(next.contacts.map((x) => x.Id)).toEqual(expect.arrayContaining([consultant, loner]));
      expect(next.contacts.find((x) => x.Id === loner)?.AccountId).toBeNull();
      expect(next.accounts.map((a) => a.Id)).not.toContain(elsewhere);
      await c.h.org.tick();
      await c.h.org.deleteRecord("OpportunityContactRole", r1);
      await c.h.org.deleteRecord("OpportunityContactRole", r2);
      const after = await c.pull(mirror);
      expect(after.removed.contactIds).toEqual(expect.arrayContaining([consultant, loner]));
      expect(after.removed.contactIds).not.toContain(deal.ada);
    });

    it("a shared activity counts for every related contact, and lists them all in WhoIds", async () => {
      const deal = await c.seedDeal(c.me, "s1");
      const task = await c.h.org.createTask({
        WhoId: deal.ada,
        WhatId: deal.opp,
        Subject: "Workshop s1",
        ActivityDate: "2026-03-02",
        OwnerId: c.me,
        Status: "Completed",
      });
      await c.h.org.relateContact("Task", task, deal.bob);
      const event = await c.h.org.createEvent({
        WhoId: deal.ada,
        WhatId: deal.opp,
        Subject: "Demo s1",
        StartDateTime: "2026-03-03T17:00:00.000Z",
        OwnerId: c.me,
      });
      await c.h.org.relateContact("Event", event, deal.bob);
      const pulled = await run(
        c.port.pullActivities({ whoIds: [deal.bob], ...WINDOW, watermarks: {}, mirroredIds: new Set() }),
      );
      const byId = new Map(pulled.activities.map((a) => [a.Id, a]));
      expect([...byId.keys()]).toEqual(expect.arrayContaining([task, event]));
      expect(byId.get(task)?.WhoIds).toEqual([deal.ada, deal.bob]);
      expect(byId.get(event)?.WhoIds).toEqual([deal.ada, deal.bob]);
      expect(byId.get(task)?.WhoId).toBe(deal.ada);
    });

    it("the window is bounded on both sides, and the latest past activity is kept whatever its age", async () => {
      const deal = await c.seedDeal(c.me, "w1");
      const old = await c.h.org.createTask({
        WhoId: deal.ada,
        Subject: "Old call w1",
        ActivityDate: "2024-05-01",
        OwnerId: c.me,
        Status: "Completed",
      });
      const older = await c.h.org.createTask({
        WhoId: deal.ada,
        Subject: "Older call w1",
        ActivityDate: "2023-05-01",
        OwnerId: c.me,
        Status: "Completed",
      });
      const farTask = await c.h.org.createTask({
        WhoId: deal.ada,
        Subject: "Renewal w1",
        ActivityDate: "2027-01-15",
        OwnerId: c.me,
      });
      const farEvent = await c.h.org.createEvent({
        WhoId: deal.ada,
        Subject: "Kick-off w1",
        StartDateTime: "2026-12-01T16:00:00.000Z",
        OwnerId: c.me,
      });
      const soon = await c.h.org.createEvent({
        WhoId: deal.ada,
        Subject: "Review w1",
        StartDateTime: "2026-08-01T16:00:00.000Z",
        OwnerId: c.me,
      });
      const pulled = await run(
        c.port.pullActivities({ whoIds: [deal.ada], ...WINDOW, watermarks: {}, mirroredIds: new Set() }),
      );
      const ids = pulled.activities.map((a) => a.Id);
      expect(ids).toEqual(expect.arrayContaining([old, soon]));
      expect(ids).not.toContain(older);
      expect(ids).not.toContain(farTask);
      expect(ids).not.toContain(farEvent);
    });
  });
  describeOrgFields(c);
}

/** The time zone, describe and extra-field cases. */
function describeOrgFields(c: ContractContext): void {
  describe("time zone, describe and extra fields", () => {
    it("pullOrgInfo gives the user's time zone, the fields they can read and edit, and notes for the others", async () => {
      const pullOrgInfo = c.port.pullOrgInfo;
      if (pullOrgInfo === undefined) throw new Error("the port has no pullOrgInfo");
      const zone = await c.h.org.setTimeZone(c.me, "Europe/Paris");
      const competitor = await c.h.org.setFieldAccess("Opportunity", "Competitor__c", {
        readable: true,
        editable: false,
      });
      const budget = await c.h.org.setFieldAccess("Opportunity", "Budget_Confirmed__c", {
        readable: false,
        editable: false,
      });
      try {
        const org = await run(
          pullOrgInfo({
            userId: c.me,
            extraFields: { Opportunity: ["NextStep", "Competitor__c", "Budget_Confirmed__c", "No_Such_Field__c"] },
          }),
        );
        expect(org.timeZone).toBe("Europe/Paris");
        const opp = new Map((org.fields?.Opportunity ?? []).map((f) => [f.name, f]));
        expect(opp.get("StageName")).toMatchObject({ extra: false, updateable: true });
        expect(opp.get("NextStep")).toMatchObject({ extra: true, updateable: true });
        expect(opp.get("Competitor__c")).toMatchObject({ extra: true, updateable: false, type: "picklist" });
        expect(opp.get("Competitor__c")?.picklist).toEqual(expect.arrayContaining(["Acme Corp", "Globex"]));
        expect(opp.has("Budget_Confirmed__c")).toBe(false);
        expect(org.fields?.Contact?.some((f) => f.name === "Email")).toBe(true);
        const notes = (org.fieldNotes ?? []).map((n) => `${n.sobject}.${n.field}:${n.reason}`);
        expect(notes).toEqual(
          expect.arrayContaining(["Opportunity.Budget_Confirmed__c:hidden", "Opportunity.No_Such_Field__c:hidden"]),
        );
      } finally {
        await c.h.org.setFieldAccess("Opportunity", "Competitor__c", competitor);
        await c.h.org.setFieldAccess("Opportunity", "Budget_Confirmed__c", budget);
        await c.h.org.setTimeZone(c.me, zone);
      }
    });

    it("pulls carry the selected extra fields, leave hidden ones out, and refuse an unreadable one", async () => {
      const deal = await c.seedDeal(c.me, "x1");
      // The org may keep Competitor__c read-only for the users (the emulator's seed does).
      const open = { readable: true, editable: true };
      const seeded = await c.h.org.setFieldAccess("Opportunity", "Competitor__c", open);
      await c.h.org.updateRecord("Opportunity", deal.opp, { NextStep: "Send the proposal", Competitor__c: "Globex" });
      await c.h.org.setFieldAccess("Opportunity", "Competitor__c", seeded);
      const fields: FieldSelection = {
        Opportunity: { extra: ["NextStep", "Competitor__c"], hidden: ["Description"] },
      };
      const pulled = await run(c.port.pullScope({ userId: c.me, watermarks: {}, mirrored: new Mirror().ids, fields }));
      const opp = pulled.opportunities.find((o) => o.Id === deal.opp);
      expect(opp?.extra).toEqual({ NextStep: "Send the proposal", Competitor__c: "Globex" });
      expect(opp?.Description).toBeNull();
      expect(pulled.contacts.find((x) => x.Id === deal.ada)?.extra).toBeUndefined();
      const budget = await c.h.org.setFieldAccess("Opportunity", "Budget_Confirmed__c", {
        readable: false,
        editable: false,
      });
      try {
        const refused = await Effect.runPromise(
          Effect.result(
            c.port.pullScope({
              userId: c.me,
              watermarks: {},
              mirrored: new Mirror().ids,
              fields: { Opportunity: { extra: ["Budget_Confirmed__c"], hidden: [] } },
            }),
          ),
        );
        expect(refused._tag).toBe("Failure");
      } finally {
        await c.h.org.setFieldAccess("Opportunity", "Budget_Confirmed__c", budget);
      }
    });

    it("an extra field is written with its precondition; a read-only one is refused", async () => {
      const deal = await c.seedDeal(c.me, "x2");
      const edit = (field: string, base: unknown, value: unknown, intentId: string) =>
        run(
          c.port.push([
            {
              kind: "updateField",
              intentId,
              sobject: "Opportunity",
              recordId: deal.opp as SalesforceId,
              field,
              base,
              value,
            },
          ]),
        );
      const [applied] = await edit("NextStep", null, "Book the demo", "x2-1");
      expect(applied?.outcome).toBe("applied");
      const pulled = await run(
        c.port.pullScope({
          userId: c.me,
          watermarks: {},
          mirrored: new Mirror().ids,
          fields: { Opportunity: { extra: ["NextStep"], hidden: [] } },
        }),
      );
      expect(pulled.opportunities.find((o) => o.Id === deal.opp)?.extra?.NextStep).toBe("Book the demo");
      const competitor = await c.h.org.setFieldAccess("Opportunity", "Competitor__c", {
        readable: true,
        editable: false,
      });
      try {
        const [refused] = await edit("Competitor__c", null, "Initech", "x2-2");
        expect(refused?.outcome).toBe("failed");
      } finally {
        await c.h.org.setFieldAccess("Opportunity", "Competitor__c", competitor);
      }
    });
  });
}
