import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ActivityRecord, ContactRecord, OpportunityRecord } from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";
import type { Intent, Receipt } from "../model/schemas.js";
import { createBookView } from "./book-view.js";

const id = (prefix: string, n: number): SalesforceId => to18(`${prefix}${String(n).padStart(12, "0")}`);
const USER = id("005", 1);
const ACC = id("001", 1);
const ACC2 = id("001", 2);
const OPP = id("006", 1);
const OPP2 = id("006", 2);
const OPP3 = id("006", 3);
const [ADA, BOB, CYD, DAN] = [1, 2, 3, 4].map((n) => id("003", n)) as [
  SalesforceId,
  SalesforceId,
  SalesforceId,
  SalesforceId,
];
const STAMP = "2026-01-01T00:00:00.000Z";
/** The views' clock: a month after the fixtures, so their interactions are past and within the Key window. */
const CLOCK = { now: () => new Date("2026-02-01T00:00:00.000Z") };

const opp = (Id: SalesforceId, AccountId: SalesforceId, Name: string, CloseDate: string): OpportunityRecord => ({
  Id,
  Name,
  AccountId,
  Amount: 100,
  StageName: "Prospecting",
  CloseDate,
  Probability: 10,
  Description: null,
  ForecastCategoryName: "Pipeline",
  IsClosed: false,
  OwnerId: USER,
  SystemModstamp: STAMP,
});
const contact = (
  Id: SalesforceId,
  AccountId: SalesforceId,
  FirstName: string,
  LastName: string,
  Email: string | null,
): ContactRecord => ({
  Id,
  AccountId,
  FirstName,
  LastName,
  Name: `${FirstName} ${LastName}`,
  Title: null,
  Email,
  Phone: null,
  MobilePhone: null,
  SystemModstamp: STAMP,
});
const task = (n: number, WhoId: SalesforceId, WhatId: SalesforceId | null, ActivityDate: string): ActivityRecord => ({
  Id: id("00T", n),
  Type: "Task",
  WhoId,
  WhatId,
  Subject: `Task ${n}`,
  Status: "Completed",
  ActivityDate,
  StartDateTime: null,
  Description: null,
  TaskSubtype: "Call",
  IsClosed: true,
  CompletedDateTime: null,
  CreatedDate: null,
  OwnerId: USER,
  SystemModstamp: STAMP,
});
const common = (n: number, device = "phone") => ({
  id: `0190000${n}-0000-7000-8000-000000000000`,
  at: `2026-01-0${n}T00:00:00.000Z`,
  hlc: `0000000000${n}-0000-${device}`,
  device,
});

function seed(): Y.Doc {
  const doc = new Y.Doc();
  const m = bookMaps(doc);
  doc.transact(() => {
    m.accounts.set(ACC, { Id: ACC, Name: "Acme" });
    m.accounts.set(ACC2, { Id: ACC2, Name: "Globex" });
    m.opportunities.set(OPP, opp(OPP, ACC, "Renewal", "2026-03-31"));
    m.opportunities.set(OPP2, opp(OPP2, ACC, "Expansion", "2026-02-28"));
    m.opportunities.set(OPP3, opp(OPP3, ACC2, "Globex deal", "2026-05-01"));
    m.contacts.set(ADA, contact(ADA, ACC, "Ada", "Lovelace", "Ada.Lovelace@Acme.example"));
    m.contacts.set(BOB, contact(BOB, ACC, "Bob", "Babbage", "bob@acme.example"));
    m.contacts.set(CYD, contact(CYD, ACC, "Cyd", "Charisse", null));
    m.contacts.set(DAN, contact(DAN, ACC2, "Dan", "Dare", "dan@globex.example"));
    m.contactRoles.set(id("00K", 1), {
      Id: id("00K", 1),
      OpportunityId: OPP,
      ContactId: ADA,
      Role: "Decision Maker",
      IsPrimary: true,
    });
  }, SALESFORCE_ORIGIN);
  return doc;
}

describe("book view: Key and Other contacts", () => {
  it("classifies by role, by email and calendar interactions (case and whitespace ignored), with evidence", () => {
    const doc = seed();
    const m = bookMaps(doc);
    const view = createBookView(doc, CLOCK);
    let o = view.getOpportunity(OPP);
    expect(o?.keyContacts.map((k) => k.contact.Id)).toEqual([ADA]);
    expect(o?.keyContacts[0]?.evidence).toEqual([
      { kind: "role", contactRoleId: id("00K", 1), role: "Decision Maker", isPrimary: true },
    ]);
    expect(o?.otherContacts.map((k) => k.contact.Id)).toEqual([BOB, CYD]);
    expect(view.getOpportunity(OPP2)?.keyContacts).toEqual([]);

    m.interactions.set("i1", {
      id: "i1",
      email: "  BOB@ACME.example ",
      kind: "email",
      at: "2026-01-03T10:00:00.000Z",
      source: "gmail",
      subject: "Hi",
    });
    m.interactions.set("i2", {
      id: "i2",
      email: "bob@acme.example",
      kind: "meeting",
      at: "2026-01-04T10:00:00.000Z",
      source: "calendar",
    });
    o = view.getOpportunity(OPP);
    const bob = o?.keyContacts.find((k) => k.contact.Id === BOB);
    expect(bob?.evidence).toEqual([
      {
        kind: "interaction",
        interactionId: "i1",
        interaction: "email",
        at: "2026-01-03T10:00:00.000Z",
        source: "gmail",
      },
      {
        kind: "interaction",
        interactionId: "i2",
        interaction: "meeting",
        at: "2026-01-04T10:00:00.000Z",
        source: "calendar",
      },
    ]);
    // Email interactions make the contact Key at every opportunity of the account.
    expect(view.getOpportunity(OPP2)?.keyContacts.map((k) => k.contact.Id)).toEqual([BOB]);
    expect(view.getOpportunity(OPP3)?.keyContacts).toEqual([]);
    view.dispose();
  });

  it("applies overrides per opportunity, latest by HLC, and honours cancellation", () => {
    const doc = seed();
    const m = bookMaps(doc);
    const view = createBookView(doc, CLOCK);
    const demote: Intent = { ...common(1), kind: "setContactTier", opportunityId: OPP, contactId: ADA, tier: "other" };
    const promote: Intent = { ...common(2), kind: "setContactTier", opportunityId: OPP, contactId: CYD, tier: "key" };
    m.intents.set(demote.id, demote);
    m.intents.set(promote.id, promote);
    let o = view.getOpportunity(OPP);
    expect(o?.keyContacts.map((k) => k.contact.Id)).toEqual([CYD]);
    expect(o?.keyContacts[0]?.override).toBe("key");
    expect(o?.keyContacts[0]?.evidence.map((e) => e.kind)).toEqual(["override"]);
    expect(o?.otherContacts.find((c) => c.contact.Id === ADA)?.override).toBe("other");
    expect(view.getOpportunity(OPP2)?.keyContacts).toEqual([]);
    const auto: Intent = { ...common(3), kind: "setContactTier", opportunityId: OPP, contactId: ADA, tier: "auto" };
    m.intents.set(auto.id, auto);
    expect(view.getOpportunity(OPP)?.keyContacts.map((k) => k.contact.Id)).toEqual([ADA, CYD]);
    const receipt: Receipt = { intentId: promote.id, status: "cancelled", attempts: 0, updatedAt: STAMP };
    m.receipts.set(promote.id, receipt);
    o = view.getOpportunity(OPP);
    expect(o?.keyContacts.map((k) => k.contact.Id)).toEqual([ADA]);
    view.dispose();
  });
});

describe("book view: activities and last interaction", () => {
  it("takes the latest of synced activities, logged-not-synced ones and interactions, with the source", () => {
    const doc = seed();
    const m = bookMaps(doc);
    const view = createBookView(doc, CLOCK);
    m.activities.set(id("00T", 1), task(1, ADA, OPP, "2026-01-02"));
    let o = view.getOpportunity(OPP);
    expect(o?.lastInteraction).toMatchObject({
      source: "activity",
      at: "2026-01-02",
      refId: id("00T", 1),
      contactId: ADA,
    });
    // An open follow-up Task due later is a to-do, not an interaction.
    m.activities.set(id("00T", 2), { ...task(2, ADA, OPP, "2026-02-01"), Status: "Not Started", IsClosed: false });
    expect(view.getOpportunity(OPP)?.lastInteraction).toMatchObject({ refId: id("00T", 1) });
    expect(view.getOpportunity(OPP)?.keyContacts[0]?.lastInteraction).toMatchObject({ refId: id("00T", 1) });
    m.activities.delete(id("00T", 2));
    m.interactions.set("i1", {
      id: "i1",
      email: "ada.lovelace@acme.example",
      kind: "email",
      at: "2026-01-03T09:00:00.000Z",
      source: "outlook",
    });
    o = view.getOpportunity(OPP);
    expect(o?.lastInteraction).toMatchObject({ source: "interaction", kind: "email", origin: "outlook" });
    const log: Intent = {
      ...common(4),
      kind: "logActivity",
      opportunityId: OPP,
      contactId: ADA,
      activity: { type: "call", subject: "Call with Ada Lovelace", occurredAt: "2026-01-04T08:00:00.000Z" },
    };
    m.intents.set(log.id, log);
    o = view.getOpportunity(OPP);
    expect(o?.lastInteraction).toMatchObject({ source: "logged", kind: "call", refId: log.id, origin: "phone" });
    expect(o?.activities.map((a) => [a.source, a.status])).toEqual([
      ["logged", "queued"],
      ["salesforce", "in-salesforce"],
    ]);
    // The created Task arrives: the logged row gives way to it, once.
    m.receipts.set(log.id, {
      intentId: log.id,
      status: "applied",
      attempts: 1,
      updatedAt: STAMP,
      salesforceId: id("00T", 9),
    });
    expect(view.getOpportunity(OPP)?.activities.map((a) => a.status)).toEqual(["in-salesforce", "in-salesforce"]);
    expect(view.getOpportunity(OPP)?.activities[0]?.source).toBe("logged");
    m.activities.set(id("00T", 9), { ...task(9, ADA, OPP, "2026-01-04"), Subject: "Call with Ada Lovelace" });
    o = view.getOpportunity(OPP);
    expect(o?.activities.map((a) => [a.key, a.source, a.intentId])).toEqual([
      [id("00T", 9), "salesforce", log.id],
      [id("00T", 1), "salesforce", null],
    ]);
    view.dispose();
  });
});

describe("book view: pending edits, conflicts, sync status and subscriptions", () => {
  it("overlays pending edits until final and lists open conflicts until resolved", () => {
    const doc = seed();
    const m = bookMaps(doc);
    const view = createBookView(doc, CLOCK);
    let notified = 0;
    view.subscribe(() => notified++);
    const edit: Intent = {
      ...common(1),
      kind: "editField",
      sobject: "Opportunity",
      recordId: OPP,
      field: "StageName",
      value: "Qualification",
      base: "Prospecting",
    };
    m.intents.set(edit.id, edit);
    const snap1 = view.getSnapshot();
    expect(notified).toBe(1);
    expect(view.getSnapshot()).toBe(snap1);
    const o = snap1.opportunities.find((x) => x.id === OPP);
    expect(o?.record.StageName).toBe("Qualification");
    expect(o?.mirror.StageName).toBe("Prospecting");
    expect(o?.pendingFields.StageName).toMatchObject({ value: "Qualification", status: "pending" });
    expect(snap1.pending.map((p) => p.intent.id)).toEqual([edit.id]);
    expect(snap1.sync.queued).toBe(1);
    m.receipts.set(edit.id, {
      intentId: edit.id,
      status: "conflict",
      attempts: 1,
      updatedAt: STAMP,
      conflict: { base: "Prospecting", mine: "Qualification", theirs: "Needs Analysis" },
    });
    const snap2 = view.getSnapshot();
    expect(snap2).not.toBe(snap1);
    expect(snap2.opportunities.find((x) => x.id === OPP)?.record.StageName).toBe("Prospecting");
    expect(snap2.conflicts.map((c) => c.intent.id)).toEqual([edit.id]);
    expect(snap2.sync.conflicts).toBe(1);
    const resolve: Intent = { ...common(2), kind: "resolveConflict", intentId: edit.id, choice: "theirs" };
    m.intents.set(resolve.id, resolve);
    expect(view.getSnapshot().conflicts).toEqual([]);
    doc.transact(
      () =>
        m.meta.set("sync", {
          state: "error",
          lastSuccessAt: null,
          lastError: { code: "RateLimited", message: "slow down", at: STAMP },
          apiUsage: { used: 5, max: 10 },
        }),
      SALESFORCE_ORIGIN,
    );
    expect(view.getSnapshot().sync).toMatchObject({
      state: "error",
      lastError: { code: "RateLimited" },
      apiUsage: { used: 5, max: 10 },
      // A status written before record counts existed shows none.
      records: null,
    });
    view.dispose();
  });

  it("a change to one record re-derives only the opportunities that show it", () => {
    const doc = seed();
    const m = bookMaps(doc);
    const view = createBookView(doc, CLOCK);
    const before = view.getSnapshot();
    const o1 = view.getOpportunity(OPP);
    const o2 = view.getOpportunity(OPP2);
    const o3 = view.getOpportunity(OPP3);
    doc.transact(
      () => m.contacts.set(DAN, { ...contact(DAN, ACC2, "Dan", "Dare", "dan@globex.example"), Title: "CEO" }),
      SALESFORCE_ORIGIN,
    );
    expect(view.getOpportunity(OPP)).toBe(o1);
    expect(view.getOpportunity(OPP2)).toBe(o2);
    expect(view.getOpportunity(OPP3)).not.toBe(o3);
    expect(view.getOpportunity(OPP3)?.otherContacts[0]?.contact.Title).toBe("CEO");
    doc.transact(
      () => m.opportunities.set(OPP, { ...opp(OPP, ACC, "Renewal", "2026-03-31"), Amount: 5 }),
      SALESFORCE_ORIGIN,
    );
    expect(view.getOpportunity(OPP2)).toBe(o2);
    expect(view.getOpportunity(OPP)?.record.Amount).toBe(5);
    const after = view.getSnapshot();
    expect(after.opportunities.map((x) => x.id)).toEqual([OPP2, OPP, OPP3]);
    expect(before.opportunities.map((x) => x.id)).toEqual([OPP2, OPP, OPP3]);
    doc.transact(() => m.opportunities.delete(OPP2), SALESFORCE_ORIGIN);
    expect(view.getSnapshot().opportunities.map((x) => x.id)).toEqual([OPP, OPP3]);
    view.dispose();
  });
});
