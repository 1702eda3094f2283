/**
 * A contact change in a large account (issue 20, "Scale"): the view recomputes that contact
 * only. Every opportunity of the account shows the same view object for a contact it shows
 * alike, an unchanged contact keeps its object across the change, and what the live view shows
 * still equals a fresh view of the same document.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ContactRecord } from "../model/records.js";
import { testContact, testId, testOpportunity } from "../testing/record-factories.js";
import { createBookView } from "./book-view.js";
import type { ContactView } from "./types.js";

const id = testId;
const ACC = id("001", 1);
const NOW = new Date("2026-03-10T12:00:00.000Z");
const CONTACTS = 300;
const OPPS = 5;

const contact = (n: number, Title: string | null = null): ContactRecord =>
  testContact({
    Id: id("003", n),
    AccountId: ACC,
    LastName: `Contact ${String(n).padStart(4, "0")}`,
    Title,
    Email: `c${n}@big.example`,
  });

/** One account, 300 contacts, five opportunities each with its own role. */
function seed(): Y.Doc {
  const doc = new Y.Doc();
  const m = bookMaps(doc);
  doc.transact(() => {
    m.accounts.set(ACC, { Id: ACC, Name: "Big" });
    for (let n = 1; n <= CONTACTS; n++) m.contacts.set(id("003", n), contact(n));
    for (let o = 1; o <= OPPS; o++) {
      m.opportunities.set(
        id("006", o),
        testOpportunity({ Id: id("006", o), Name: `Deal ${o}`, AccountId: ACC, OwnerId: id("005", 1) }),
      );
      m.contactRoles.set(id("00K", o), {
        Id: id("00K", o),
        OpportunityId: id("006", o),
        ContactId: id("003", o),
        Role: null,
        IsPrimary: true,
      });
    }
  }, SALESFORCE_ORIGIN);
  return doc;
}

const byId = (views: ReadonlyArray<ContactView>) => new Map(views.map((v) => [v.contact.Id as string, v]));

describe("book view: a contact change in a large account", () => {
  it("shares Other contact views across opportunities and replaces only the changed contact's", () => {
    const doc = seed();
    const view = createBookView(doc, { now: () => NOW });
    const before = Array.from({ length: OPPS }, (_, o) => view.getOpportunity(id("006", o + 1)));
    for (const opp of before) expect(opp?.otherContacts).toHaveLength(CONTACTS - 1);
    // Contact 100 is Other everywhere: one object in every opportunity.
    const shared = before.map((o) => byId(o?.otherContacts ?? []).get(id("003", 100)));
    expect(new Set(shared).size).toBe(1);

    doc.transact(() => bookMaps(doc).contacts.set(id("003", 100), contact(100, "CFO")), SALESFORCE_ORIGIN);
    for (const [o, prev] of before.entries()) {
      const next = view.getOpportunity(id("006", o + 1));
      expect(next).not.toBe(prev);
      const old = byId(prev?.otherContacts ?? []);
      for (const v of next?.otherContacts ?? []) {
        if (v.contact.Id === id("003", 100)) expect(v.contact.Title).toBe("CFO");
        else expect(v).toBe(old.get(v.contact.Id));
      }
      // The Key contact (by role) keeps its content.
      expect(next?.keyContacts).toEqual(prev?.keyContacts);
    }
    const fresh = createBookView(doc, { now: () => NOW });
    expect(JSON.stringify(view.getSnapshot().opportunities)).toBe(JSON.stringify(fresh.getSnapshot().opportunities));
    fresh.dispose();
    view.dispose();
  });

  it("moves a contact between Other and Key per opportunity when a role comes and goes", () => {
    const doc = seed();
    const view = createBookView(doc, { now: () => NOW });
    const m = bookMaps(doc);
    const roleId = id("00K", 99);
    doc.transact(
      () =>
        m.contactRoles.set(roleId, {
          Id: roleId,
          OpportunityId: id("006", 2),
          ContactId: id("003", 200),
          Role: "Champion",
          IsPrimary: false,
        }),
      SALESFORCE_ORIGIN,
    );
    const two = view.getOpportunity(id("006", 2));
    expect(two?.keyContacts.map((k) => k.contact.Id)).toEqual([id("003", 2), id("003", 200)]);
    expect(two?.otherContacts.some((v) => v.contact.Id === id("003", 200))).toBe(false);
    expect(view.getOpportunity(id("006", 3))?.otherContacts.some((v) => v.contact.Id === id("003", 200))).toBe(true);
    doc.transact(() => m.contactRoles.delete(roleId), SALESFORCE_ORIGIN);
    expect(view.getOpportunity(id("006", 2))?.otherContacts).toHaveLength(CONTACTS - 1);
    const fresh = createBookView(doc, { now: () => NOW });
    expect(JSON.stringify(view.getSnapshot().opportunities)).toBe(JSON.stringify(fresh.getSnapshot().opportunities));
    fresh.dispose();
    view.dispose();
  });
});
