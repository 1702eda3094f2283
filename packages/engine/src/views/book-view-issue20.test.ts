/**
 * The book view on a real salesperson's org (issue 20): times judged as instants and local days
 * in the user's time zone (`meta.org.timeZone`), role-linked contacts at other accounts or none,
 * shared activities (`WhoIds`), extra fields with their pending edits, and the next meeting on
 * the recommendation cards.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ActivityRecord, ContactRecord } from "../model/records.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { EditFieldIntent, Interaction, OrgInfo } from "../model/schemas.js";
import { testContact, testEvent, testId, testOpportunity, testTask } from "../testing/record-factories.js";
import { createBookView } from "./book-view.js";
import { bookRecommendations, recommendationsFor } from "./recommendations.js";

const id = testId;
const USER = id("005", 1);
const ACC = id("001", 1);
const ACC2 = id("001", 2);
const OPP = id("006", 1);
const ADA = id("003", 1);
const BOB = id("003", 2);
const CYD = id("003", 3);
const STAMP = "2026-01-01T00:00:00.000Z";
const LA = "America/Los_Angeles";
/** 23:30 on 2 March in Los Angeles: "today" there is 2 March, in UTC it is already 3 March. */
const LA_NIGHT = new Date("2026-03-03T07:30:00.000Z");

const opportunity = testOpportunity({ Id: OPP, Name: "Renewal", AccountId: ACC, OwnerId: USER });
const contact = (Id: SalesforceId, Name: string, AccountId: SalesforceId | null = ACC): ContactRecord =>
  testContact({ Id, AccountId, LastName: Name, Email: `${Name.toLowerCase()}@example.com` });
const task = (n: number, WhoId: SalesforceId, ActivityDate: string, closed = true): ActivityRecord =>
  testTask({
    Id: id("00T", n),
    WhoId,
    OwnerId: USER,
    Subject: `Call ${n}`,
    Status: closed ? "Completed" : "Not Started",
    ActivityDate,
    IsClosed: closed,
  });
const event = (n: number, WhoId: SalesforceId, start: string, WhoIds?: SalesforceId[]): ActivityRecord =>
  testEvent({
    Id: id("00U", n),
    WhoId,
    OwnerId: USER,
    Subject: `Meeting ${n}`,
    StartDateTime: start,
    ...(WhoIds === undefined ? {} : { WhoIds }),
  });
const email = (n: number, address: string, at: string): Interaction => ({
  id: `interaction-${n}`,
  email: address,
  kind: "email",
  at,
  source: "gmail",
});
const org = (timeZone: string): OrgInfo => ({ instanceUrl: null, stages: [], timeZone });
const role = (n: number, ContactId: SalesforceId) => ({
  Id: id("00K", n),
  OpportunityId: OPP,
  ContactId,
  Role: "Decision Maker",
  IsPrimary: n === 1,
});

/** A book with Ada (Key by role) and Bob at Acme, in `timeZone` when given. */
function seed(fill: (m: ReturnType<typeof bookMaps>) => void, timeZone?: string): Y.Doc {
  const doc = new Y.Doc();
  const m = bookMaps(doc);
  doc.transact(() => {
    m.accounts.set(ACC, { Id: ACC, Name: "Acme" });
    m.opportunities.set(OPP, opportunity);
    m.contacts.set(ADA, contact(ADA, "Ada"));
    m.contacts.set(BOB, contact(BOB, "Bob"));
    m.contactRoles.set(id("00K", 1), role(1, ADA));
    if (timeZone !== undefined) m.meta.set("org", org(timeZone));
    fill(m);
  }, SALESFORCE_ORIGIN);
  return doc;
}

describe("book view: instants and local days in the user's time zone", () => {
  it("a Task dated today there (time unknown) beats an email from earlier today; one dated tomorrow there is future", () => {
    const doc = seed((m) => {
      // 12:00 on 2 March in Los Angeles.
      m.interactions.set("interaction-1", email(1, "ada@example.com", "2026-03-02T20:00:00.000Z"));
      m.activities.set(id("00T", 1), task(1, ADA, "2026-03-02"));
    }, LA);
    const view = createBookView(doc, { now: () => LA_NIGHT });
    const opp = view.getOpportunity(OPP);
    expect(opp?.lastInteraction).toMatchObject({ at: "2026-03-02", source: "activity", refId: id("00T", 1) });
    expect(opp?.keyContacts[0]?.lastInteraction?.refId).toBe(id("00T", 1));
    // Dated 3 March: still to come in Los Angeles (it is 2 March there), though 3 March has begun in UTC.
    doc.transact(() => bookMaps(doc).activities.set(id("00T", 2), task(2, ADA, "2026-03-03")), SALESFORCE_ORIGIN);
    const later = view.getOpportunity(OPP);
    expect(later?.lastInteraction?.refId).toBe(id("00T", 1));
    expect(later?.keyContacts[0]?.lastInteraction?.refId).toBe(id("00T", 1));
    // Newest first, by instant: the future-dated Task, then today's Task, which outranks no later datetime.
    expect(later?.activities.map((a) => a.key)).toEqual([id("00T", 2), id("00T", 1)]);
    view.dispose();
  });

  it("a Task dated yesterday there loses to an email this morning", () => {
    const doc = seed((m) => {
      m.activities.set(id("00T", 1), task(1, ADA, "2026-03-01"));
      // 09:00 on 2 March in Los Angeles.
      m.interactions.set("interaction-1", email(1, "ada@example.com", "2026-03-02T17:00:00.000Z"));
    }, LA);
    const view = createBookView(doc, { now: () => LA_NIGHT });
    expect(view.getOpportunity(OPP)?.lastInteraction).toMatchObject({ source: "interaction", refId: "interaction-1" });
    view.dispose();
  });

  it("orders a bare-dated Task after an Event earlier that local day", () => {
    const doc = seed((m) => {
      m.activities.set(id("00T", 1), task(1, ADA, "2026-03-02"));
      // 10:00 on 2 March in Los Angeles: before the end of that day, though after its UTC end.
      m.activities.set(id("00U", 1), event(1, ADA, "2026-03-02T18:00:00.000Z"));
    }, LA);
    const view = createBookView(doc, { now: () => LA_NIGHT });
    expect(view.getOpportunity(OPP)?.activities.map((a) => a.key)).toEqual([id("00T", 1), id("00U", 1)]);
    view.dispose();
  });

  it("a to-do is overdue once its due date's local day has ended", () => {
    const doc = seed((m) => {
      m.activities.set(id("00T", 1), task(1, ADA, "2026-03-01", false));
      m.activities.set(id("00T", 2), task(2, ADA, "2026-03-02", false));
    }, LA);
    const view = createBookView(doc, { now: () => LA_NIGHT });
    const overdue = Object.fromEntries(view.getOpportunity(OPP)?.openTasks.map((t) => [t.key, t.overdue]) ?? []);
    expect(overdue).toEqual({ [id("00T", 1)]: true, [id("00T", 2)]: false });
    view.dispose();
  });

  it("follows a change of the user's time zone in meta.org", () => {
    const doc = seed((m) => m.activities.set(id("00T", 1), task(1, ADA, "2026-03-03")));
    const view = createBookView(doc, { now: () => LA_NIGHT });
    // In UTC, 3 March has begun: the Task has happened.
    expect(view.getOpportunity(OPP)?.lastInteraction?.refId).toBe(id("00T", 1));
    doc.transact(() => bookMaps(doc).meta.set("org", org(LA)), SALESFORCE_ORIGIN);
    expect(view.getSnapshot().org.timeZone).toBe(LA);
    expect(view.getOpportunity(OPP)?.lastInteraction).toBeNull();
    expect(view.getOpportunity(OPP)?.keyContacts[0]?.lastInteraction).toBeNull();
    view.dispose();
  });

  it("a close date passes on the cards once its local day is over", () => {
    const doc = seed((m) => m.opportunities.set(OPP, { ...opportunity, CloseDate: "2026-03-02" }), LA);
    const view = createBookView(doc, { now: () => LA_NIGHT });
    const kinds = bookRecommendations(view.getSnapshot(), LA_NIGHT).map((c) => c.kind);
    expect(kinds).toContain("close-date-soon");
    expect(kinds).not.toContain("close-date-passed");
    view.dispose();
  });
});

describe("book view: role-linked contacts", () => {
  it("shows a contact a role links, at another account or at none, as Key by the role, and follows changes", () => {
    const doc = seed((m) => {
      m.contacts.set(CYD, contact(CYD, "Cyd", ACC2));
      m.contacts.set(id("003", 4), contact(id("003", 4), "Dee", null));
      m.contactRoles.set(id("00K", 2), role(2, CYD));
      m.contactRoles.set(id("00K", 3), role(3, id("003", 4)));
    });
    const view = createBookView(doc, { now: () => LA_NIGHT });
    const keys = () =>
      view.getOpportunity(OPP)?.keyContacts.map((k) => [k.contact.Name, k.evidence.map((e) => e.kind)]);
    expect(keys()).toEqual([
      ["Ada", ["role"]],
      ["Cyd", ["role"]],
      ["Dee", ["role"]],
    ]);
    expect(view.getOpportunity(OPP)?.otherContacts.map((k) => k.contact.Name)).toEqual(["Bob"]);
    const m = bookMaps(doc);
    doc.transact(() => m.contacts.set(CYD, { ...contact(CYD, "Cyd", ACC2), Title: "CFO" }), SALESFORCE_ORIGIN);
    expect(view.getOpportunity(OPP)?.keyContacts.find((k) => k.contact.Id === CYD)?.contact.Title).toBe("CFO");
    doc.transact(() => m.contactRoles.delete(id("00K", 2)), SALESFORCE_ORIGIN);
    // Without its role, a contact at another account is none of the opportunity's.
    expect(keys()).toEqual([
      ["Ada", ["role"]],
      ["Dee", ["role"]],
    ]);
    expect(view.getOpportunity(OPP)?.otherContacts.map((k) => k.contact.Name)).toEqual(["Bob"]);
    view.dispose();
  });
});

describe("book view: shared activities", () => {
  it("counts an activity for every related contact, and lists it once on the opportunity", () => {
    const doc = seed((m) => {
      m.contactRoles.set(id("00K", 2), role(2, BOB));
      m.activities.set(id("00U", 1), event(1, ADA, "2026-03-01T18:00:00.000Z", [ADA, BOB]));
      m.activities.set(id("00U", 2), event(2, ADA, "2026-03-05T18:00:00.000Z", [ADA, BOB]));
    });
    const view = createBookView(doc, { now: () => LA_NIGHT });
    const bob = () => view.getOpportunity(OPP)?.keyContacts.find((k) => k.contact.Id === BOB);
    expect(bob()?.lastInteraction).toMatchObject({ refId: id("00U", 1), contactId: BOB });
    expect(bob()?.nextMeeting).toMatchObject({ activityId: id("00U", 2), contactId: BOB, contactName: "Bob" });
    expect(view.getOpportunity(OPP)?.activities.map((a) => a.key)).toEqual([id("00U", 2), id("00U", 1)]);
    expect(view.getOpportunity(OPP)?.nextMeeting).toMatchObject({ activityId: id("00U", 2), contactName: "Ada" });
    // The relation to Bob is gone: so is the activity from his view.
    const m = bookMaps(doc);
    doc.transact(() => {
      m.activities.set(id("00U", 1), event(1, ADA, "2026-03-01T18:00:00.000Z", [ADA]));
      m.activities.set(id("00U", 2), event(2, ADA, "2026-03-05T18:00:00.000Z"));
    }, SALESFORCE_ORIGIN);
    expect(bob()?.lastInteraction).toBeNull();
    expect(bob()?.nextMeeting).toBeNull();
    view.dispose();
  });

  it("shows a shared activity of a Key contact whose WhoId is another contact", () => {
    const doc = seed((m) => m.activities.set(id("00T", 1), { ...task(1, BOB, "2026-03-01"), WhoIds: [BOB, ADA] }));
    const view = createBookView(doc, { now: () => LA_NIGHT });
    const opp = view.getOpportunity(OPP);
    expect(opp?.keyContacts[0]?.lastInteraction).toMatchObject({ refId: id("00T", 1), contactId: ADA });
    expect(opp?.activities.map((a) => a.key)).toEqual([id("00T", 1)]);
    view.dispose();
  });
});

describe("book view: extra fields", () => {
  const edit = (n: number, sobject: "Opportunity" | "Contact", recordId: string, field: string, value: unknown) =>
    ({
      id: `0190000${n}-0000-7000-8000-000000000000`,
      kind: "editField",
      at: STAMP,
      hlc: `000000000${n}-0000-phone`,
      device: "phone",
      sobject,
      recordId,
      field,
      value,
      base: null,
    }) as EditFieldIntent;

  it("keeps pulled extra values and overlays a pending edit of an extra field on `extra`", () => {
    const doc = seed((m) => {
      m.opportunities.set(OPP, { ...opportunity, extra: { Competitor__c: "Globex", NextStep: "Call" } });
      m.contacts.set(ADA, { ...contact(ADA, "Ada"), extra: { Department: "IT" } });
    });
    const view = createBookView(doc, { now: () => LA_NIGHT });
    expect(view.getOpportunity(OPP)?.record.extra).toEqual({ Competitor__c: "Globex", NextStep: "Call" });
    const m = bookMaps(doc);
    doc.transact(() => {
      for (const e of [
        edit(1, "Opportunity", OPP, "Competitor__c", "Initech"),
        edit(2, "Opportunity", OPP, "StageName", "Qualification"),
        edit(3, "Contact", ADA, "Department", "Finance"),
      ])
        m.intents.set(e.id, e);
    }, "phone");
    const opp = view.getOpportunity(OPP);
    expect(opp?.record.extra).toEqual({ Competitor__c: "Initech", NextStep: "Call" });
    expect(opp?.record.StageName).toBe("Qualification");
    expect(Object.keys(opp?.record ?? {})).not.toContain("Competitor__c");
    expect(Object.keys(opp?.pendingFields ?? {}).sort()).toEqual(["Competitor__c", "StageName"]);
    expect(opp?.mirror.extra?.Competitor__c).toBe("Globex");
    const ada = opp?.keyContacts[0];
    expect(ada?.contact.extra).toEqual({ Department: "Finance" });
    expect(ada?.pendingFields).toEqual(["Department"]);
    view.dispose();
  });

  it("an extra edit on a record without extra values creates them", () => {
    const doc = seed(() => {});
    const view = createBookView(doc, { now: () => LA_NIGHT });
    const e = edit(1, "Opportunity", OPP, "Competitor__c", "Initech");
    doc.transact(() => bookMaps(doc).intents.set(e.id, e), "phone");
    expect(view.getOpportunity(OPP)?.record.extra).toEqual({ Competitor__c: "Initech" });
    view.dispose();
  });
});

describe("recommendation cards: next meeting", () => {
  it("each card carries the opportunity's next meeting, the same the opportunity shows", () => {
    const doc = seed((m) => m.activities.set(id("00U", 1), event(1, ADA, "2026-03-05T18:00:00.000Z")));
    const view = createBookView(doc, { now: () => LA_NIGHT });
    const opp = view.getOpportunity(OPP);
    if (opp === undefined) throw new Error("no opportunity");
    const cards = recommendationsFor(opp, LA_NIGHT);
    expect(cards.length).toBeGreaterThan(0);
    for (const c of cards) {
      expect(c.nextMeeting).toEqual(opp.nextMeeting);
      expect(c.nextMeeting).toMatchObject({ at: "2026-03-05T18:00:00.000Z", contactName: "Ada" });
    }
    doc.transact(() => bookMaps(doc).activities.delete(id("00U", 1)), SALESFORCE_ORIGIN);
    for (const c of bookRecommendations(view.getSnapshot(), LA_NIGHT)) expect(c.nextMeeting).toBeNull();
    view.dispose();
  });
});
