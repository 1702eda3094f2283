/**
 * The book view judges time by its clock (issue 20, "Time"): nothing dated after `now` is a
 * Last Interaction, a future Event is the opportunity's next meeting instead, and an email or
 * meeting promotes a contact to Key only within the interaction window.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ActivityRecord, ContactRecord, OpportunityRecord } from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";
import type { LogActivityIntent } from "../model/schemas.js";
import { createBookView } from "./book-view.js";

const id = (prefix: string, n: number): SalesforceId => to18(`${prefix}${String(n).padStart(12, "0")}`);
const USER = id("005", 1);
const ACC = id("001", 1);
const OPP = id("006", 1);
const ADA = id("003", 1);
const BOB = id("003", 2);
const STAMP = "2026-01-01T00:00:00.000Z";
const NOW = new Date("2026-03-10T12:00:00.000Z");
const clock = (at: Date = NOW) => ({ now: () => at });

const opportunity: OpportunityRecord = {
  Id: OPP,
  Name: "Renewal",
  AccountId: ACC,
  Amount: 100,
  StageName: "Prospecting",
  CloseDate: "2026-06-30",
  Probability: 10,
  Description: null,
  ForecastCategoryName: "Pipeline",
  IsClosed: false,
  OwnerId: USER,
  SystemModstamp: STAMP,
};
const contact = (Id: SalesforceId, Name: string, Email: string): ContactRecord => ({
  Id,
  AccountId: ACC,
  FirstName: null,
  LastName: Name,
  Name,
  Title: null,
  Email,
  Phone: null,
  MobilePhone: null,
  SystemModstamp: STAMP,
});
const base = {
  WhatId: OPP,
  Description: null,
  OwnerId: USER,
  SystemModstamp: STAMP,
  CompletedDateTime: null,
  CreatedDate: null,
};
const event = (n: number, WhoId: SalesforceId, start: string): ActivityRecord => ({
  ...base,
  Id: id("00U", n),
  Type: "Event",
  WhoId,
  Subject: `Meeting ${n}`,
  Status: null,
  ActivityDate: start.slice(0, 10),
  StartDateTime: start,
  TaskSubtype: null,
  IsClosed: null,
});
const doneTask = (n: number, WhoId: SalesforceId, ActivityDate: string): ActivityRecord => ({
  ...base,
  Id: id("00T", n),
  Type: "Task",
  WhoId,
  Subject: `Call ${n}`,
  Status: "Completed",
  ActivityDate,
  StartDateTime: null,
  TaskSubtype: "Call",
  IsClosed: true,
});

/** A book with Ada (Key by role) and Bob (same account, no role). */
function seed(activities: ActivityRecord[] = []): Y.Doc {
  const doc = new Y.Doc();
  const m = bookMaps(doc);
  doc.transact(() => {
    m.accounts.set(ACC, { Id: ACC, Name: "Acme" });
    m.opportunities.set(OPP, opportunity);
    m.contacts.set(ADA, contact(ADA, "Ada", "ada@acme.example"));
    m.contacts.set(BOB, contact(BOB, "Bob", "bob@acme.example"));
    m.contactRoles.set(id("00K", 1), {
      Id: id("00K", 1),
      OpportunityId: OPP,
      ContactId: ADA,
      Role: null,
      IsPrimary: false,
    });
    for (const a of activities) m.activities.set(a.Id, a);
  }, SALESFORCE_ORIGIN);
  return doc;
}

describe("book view: time", () => {
  it("never takes a future Event or a future-dated completed Task as the Last Interaction", () => {
    const doc = seed([
      event(1, ADA, "2026-03-17T09:00:00.000Z"),
      doneTask(2, ADA, "2026-03-20"),
      doneTask(3, ADA, "2026-03-02"),
    ]);
    const view = createBookView(doc, clock());
    const o = view.getOpportunity(OPP);
    expect(o?.lastInteraction).toMatchObject({ refId: id("00T", 3), at: "2026-03-02", source: "activity" });
    expect(o?.keyContacts[0]?.lastInteraction).toMatchObject({ refId: id("00T", 3) });
    view.dispose();
  });

  it("never takes a future interaction or a future logged activity as the Last Interaction", () => {
    const doc = seed([doneTask(3, ADA, "2026-03-02")]);
    const m = bookMaps(doc);
    doc.transact(() => {
      m.interactions.set("i1", {
        id: "i1",
        email: "ada@acme.example",
        kind: "email",
        at: "2026-04-01T00:00:00.000Z",
        source: "gmail",
      });
    }, "phone");
    const logged: LogActivityIntent = {
      id: "01900001-0000-7000-8000-000000000000",
      at: NOW.toISOString(),
      hlc: "00000000001-0000-phone",
      device: "phone",
      kind: "logActivity",
      opportunityId: OPP,
      contactId: ADA,
      activity: { type: "call", subject: "Call", occurredAt: "2026-03-11T12:00:00.000Z" },
    };
    doc.transact(() => m.intents.set(logged.id, logged), "phone");
    const view = createBookView(doc, clock());
    expect(view.getOpportunity(OPP)?.lastInteraction?.refId).toBe(id("00T", 3));
    // The same book a day and a half later: the call has happened, the email not yet.
    const later = createBookView(doc, clock(new Date("2026-03-12T00:00:00.000Z")));
    expect(later.getOpportunity(OPP)?.lastInteraction).toMatchObject({ refId: logged.id, source: "logged" });
    view.dispose();
    later.dispose();
  });

  it("shows the soonest future Event with a Key contact as the next meeting, with the contact", () => {
    const doc = seed([
      event(1, ADA, "2026-03-24T09:00:00.000Z"),
      event(2, ADA, "2026-03-17T09:00:00.000Z"),
      event(3, ADA, "2026-03-01T09:00:00.000Z"),
    ]);
    const view = createBookView(doc, clock());
    const o = view.getOpportunity(OPP);
    expect(o?.nextMeeting).toEqual({
      at: "2026-03-17T09:00:00.000Z",
      activityId: id("00U", 2),
      subject: "Meeting 2",
      contactId: ADA,
      contactName: "Ada",
    });
    expect(o?.keyContacts[0]?.nextMeeting?.activityId).toBe(id("00U", 2));
    // The past Event is the Last Interaction, not a next meeting.
    expect(o?.lastInteraction?.refId).toBe(id("00U", 3));
    view.dispose();
  });

  it("has no next meeting when nothing is scheduled, and refresh() moves a started meeting to the past", () => {
    let now = NOW;
    const doc = seed([event(1, ADA, "2026-03-10T13:00:00.000Z")]);
    const view = createBookView(doc, { now: () => now });
    expect(view.getOpportunity(OPP)?.nextMeeting?.activityId).toBe(id("00U", 1));
    expect(view.getOpportunity(OPP)?.lastInteraction).toBeNull();
    let calls = 0;
    view.subscribe(() => calls++);
    view.refresh();
    expect(calls).toBe(0);
    now = new Date("2026-03-10T14:00:00.000Z");
    const before = view.getSnapshot();
    view.refresh();
    expect(calls).toBe(1);
    expect(view.getSnapshot()).not.toBe(before);
    expect(view.getOpportunity(OPP)?.nextMeeting).toBeNull();
    expect(view.getOpportunity(OPP)?.lastInteraction?.refId).toBe(id("00U", 1));
    view.dispose();
  });

  it("promotes a contact by an interaction only within the window, and the evidence carries its date", () => {
    const doc = seed();
    const m = bookMaps(doc);
    doc.transact(() => {
      m.interactions.set("old", {
        id: "old",
        email: "bob@acme.example",
        kind: "email",
        at: "2025-11-01T00:00:00.000Z",
        source: "gmail",
      });
    }, "phone");
    const tierOfBob = (v: ReturnType<typeof createBookView>) =>
      v.getOpportunity(OPP)?.keyContacts.some((k) => k.contact.Id === BOB) ? "key" : "other";
    // 129 days before NOW: outside the default 90 days, inside a 180-day window.
    expect(tierOfBob(createBookView(doc, clock()))).toBe("other");
    const wide = createBookView(doc, { ...clock(), interactionWindowDays: 180 });
    expect(tierOfBob(wide)).toBe("key");
    expect(wide.getOpportunity(OPP)?.keyContacts.find((k) => k.contact.Id === BOB)?.evidence).toEqual([
      {
        kind: "interaction",
        interactionId: "old",
        interaction: "email",
        at: "2025-11-01T00:00:00.000Z",
        source: "gmail",
      },
    ]);
    // An interaction dated after now (a meeting to come) promotes nobody.
    doc.transact(() => {
      m.interactions.set("next", {
        id: "next",
        email: "bob@acme.example",
        kind: "meeting",
        at: "2026-03-20T00:00:00.000Z",
        source: "calendar",
      });
    }, "phone");
    expect(tierOfBob(createBookView(doc, clock()))).toBe("other");
    // A recent one does.
    doc.transact(() => {
      m.interactions.set("new", {
        id: "new",
        email: "bob@acme.example",
        kind: "email",
        at: "2026-03-01T00:00:00.000Z",
        source: "gmail",
      });
    }, "phone");
    expect(tierOfBob(createBookView(doc, clock()))).toBe("key");
  });
});
