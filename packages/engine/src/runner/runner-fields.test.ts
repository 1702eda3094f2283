/**
 * Issue 20 through whole cycles on the fake org: the user's time zone dates a logged call,
 * configured extra fields are described, pulled and written, field-level security makes a
 * field read-only or leaves it out with a note, and the activity window has an upper bound.
 */
import { Exit } from "effect";
import { describe, expect, it } from "vitest";
import { bookMaps } from "../doc/layout.js";
import type { OrgInfo } from "../model/schemas.js";
import { createBookFixture } from "../testing/book-fixture.js";

const ok = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value;
  throw new Error(`cycle failed: ${String(exit.cause)}`);
};

const EXTRA = { Opportunity: ["NextStep", "Competitor__c", "Budget_Confirmed__c", "Nope__c"] };

describe("the user's time zone", () => {
  it("dates a call logged at 23:30 in Los Angeles on 2 March as 2 March", async () => {
    const f = createBookFixture();
    f.org.timeZones.set(f.user, "America/Los_Angeles");
    ok(await f.sync());
    expect((bookMaps(f.doc).meta.get("org") as OrgInfo).timeZone).toBe("America/Los_Angeles");
    // 23:30 on 2 March in Los Angeles (PST, UTC-8) is 07:30 on 3 March UTC.
    f.clock.advance(Date.parse("2026-03-03T07:35:00.000Z") - f.clock.now().getTime());
    const logged = f.device("phone").logActivity({
      opportunityId: f.ids.opp,
      contactId: f.ids.ada,
      type: "call",
      occurredAt: "2026-03-03T07:30:00.000Z",
    });
    expect(logged.ok).toBe(true);
    ok(await f.sync());
    const task = [...f.org.activities.values()].find((a) => a.Subject === "Call with Ada Lovelace");
    expect(task?.ActivityDate).toBe("2026-03-02");
  });

  it("follows the user to a new time zone once meta.org is stale", async () => {
    const f = createBookFixture();
    ok(await f.sync());
    f.org.timeZones.set(f.user, "Asia/Tokyo");
    f.clock.advance(60_000);
    ok(await f.sync());
    expect((bookMaps(f.doc).meta.get("org") as OrgInfo).timeZone).toBe("America/Los_Angeles");
    f.clock.advance(25 * 3_600_000);
    ok(await f.sync());
    expect((bookMaps(f.doc).meta.get("org") as OrgInfo).timeZone).toBe("Asia/Tokyo");
  });
});

describe("configured extra fields under field-level security", () => {
  it("syncs readable extra fields into extra, notes the others, and writes an editable one back", async () => {
    const f = createBookFixture();
    f.org.updateRecord("Opportunity", f.ids.opp, { NextStep: "Send the proposal", Competitor__c: "Globex" });
    f.org.fieldAccess.set("Opportunity.Competitor__c", { readable: true, editable: false });
    f.org.fieldAccess.set("Opportunity.Budget_Confirmed__c", { readable: false, editable: false });
    f.org.fieldAccess.set("Opportunity.Description", { readable: false, editable: false });
    ok(await f.sync({ extraFields: EXTRA }));
    const maps = bookMaps(f.doc);
    const opp = maps.opportunities.get(f.ids.opp);
    expect(opp?.extra).toEqual({ NextStep: "Send the proposal", Competitor__c: "Globex" });
    expect(opp?.Description).toBeNull();
    const org = maps.meta.get("org") as OrgInfo;
    expect(org.fieldNotes?.map((n) => n.field).sort()).toEqual(["Budget_Confirmed__c", "Nope__c"]);

    const device = f.device("phone");
    const readOnly = device.editField({
      sobject: "Opportunity",
      recordId: f.ids.opp,
      field: "Competitor__c",
      value: "Initech",
    });
    expect(readOnly.ok).toBe(false);
    const edit = device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "NextStep", value: "Demo" });
    expect(edit.ok).toBe(true);
    if (!edit.ok) return;
    expect(edit.value.base).toBe("Send the proposal");
    f.clock.advance(1000);
    ok(await f.sync({ extraFields: EXTRA }));
    expect(maps.receipts.get(edit.value.id)?.status).toBe("applied");
    expect(f.org.extras.get(f.ids.opp)?.NextStep).toBe("Demo");
    expect(maps.opportunities.get(f.ids.opp)?.extra?.NextStep).toBe("Demo");
  });

  it("refuses, without a Salesforce call, an edit of a field describe marks read-only or a bad picklist value", async () => {
    const f = createBookFixture();
    f.org.fieldAccess.set("Opportunity.Amount", { readable: true, editable: false });
    ok(await f.sync({ extraFields: EXTRA }));
    const maps = bookMaps(f.doc);
    // A device that skipped its own checks (or an older one) wrote these anyway.
    const write = (field: string, value: unknown) => {
      const id = `0190f0e0-0000-7000-8000-${field.length.toString().padStart(12, "0")}`;
      maps.intents.set(id, {
        id,
        kind: "editField",
        at: f.clock.now().toISOString(),
        hlc: `${f.clock.now().getTime().toString(36).padStart(11, "0")}-0000-rogue`,
        device: "rogue",
        sobject: "Opportunity",
        recordId: f.ids.opp,
        field,
        value,
        base: null,
      });
      return id;
    };
    const amount = write("Amount", 5);
    const competitor = write("Competitor__c", "Umbrella");
    const before = f.org.apiCalls;
    const report = ok(await f.sync({ extraFields: EXTRA }));
    expect(report.pushed).toBe(0);
    expect(maps.receipts.get(amount)).toMatchObject({ status: "failed", error: { code: "FIELD_NOT_EDITABLE" } });
    expect(maps.receipts.get(competitor)).toMatchObject({ status: "failed", error: { code: "INVALID_VALUE" } });
    expect(f.org.apiCalls - before).toBe(2);
  });

  it("re-reads an object in full when its configured fields change", async () => {
    const f = createBookFixture();
    f.org.updateRecord("Opportunity", f.ids.opp, { NextStep: "Call back" });
    ok(await f.sync());
    const maps = bookMaps(f.doc);
    expect(maps.opportunities.get(f.ids.opp)?.extra).toBeUndefined();
    f.clock.advance(60_000);
    ok(await f.sync({ extraFields: { Opportunity: ["NextStep"] } }));
    expect(maps.opportunities.get(f.ids.opp)?.extra).toEqual({ NextStep: "Call back" });
  });
});

describe("the activity window's upper bound", () => {
  it("leaves out a Task dated beyond the horizon until the horizon reaches it", async () => {
    const f = createBookFixture();
    const far = f.org.createActivity({
      WhoId: f.ids.ada,
      Subject: "Renewal talk",
      ActivityDate: "2026-09-01",
      OwnerId: f.user,
    });
    const old = f.org.createActivity({
      WhoId: f.ids.ada,
      Subject: "First call",
      ActivityDate: "2024-02-01",
      OwnerId: f.user,
      Status: "Completed",
    });
    ok(await f.sync({ activityHorizonDays: 60 }));
    const maps = bookMaps(f.doc);
    expect(maps.activities.has(far)).toBe(false);
    // The seeded activities are the latest past ones in the window; the old call is not needed.
    expect(maps.activities.has(old)).toBe(false);
    ok(await f.sync({ activityHorizonDays: 400 }));
    expect(maps.activities.has(far)).toBe(true);
  });
});
