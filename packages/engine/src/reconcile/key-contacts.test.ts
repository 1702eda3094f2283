import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ContactRecord, OpportunityRecord } from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";
import type { ContactTier, SetContactTierIntent } from "../model/schemas.js";
import { createBookView } from "../views/book-view.js";
import { keyContactIds, keyContactsByOpportunity, latestOverrides, resolveTier } from "./key-contacts.js";

const id = (prefix: string, n: number): SalesforceId => to18(`${prefix}${String(n).padStart(12, "0")}`);
const STAMP = "2026-01-01T00:00:00.000Z";
const [ACME, GLOBEX] = [id("001", 1), id("001", 2)];
const OPP = id("006", 1);
const [ADA, DAN] = [id("003", 1), id("003", 2)];

const tier = (n: number, contactId: SalesforceId, t: ContactTier, hlc = n): SetContactTierIntent => ({
  id: `0190000${n}-0000-7000-8000-000000000000`,
  at: STAMP,
  hlc: `0000000000${hlc}-0000-phone`,
  device: "phone",
  kind: "setContactTier",
  opportunityId: OPP,
  contactId,
  tier: t,
});

const contact = (Id: SalesforceId, AccountId: SalesforceId | null): ContactRecord => ({
  Id,
  AccountId,
  FirstName: null,
  LastName: Id,
  Name: Id,
  Title: null,
  Email: null,
  Phone: null,
  MobilePhone: null,
  SystemModstamp: STAMP,
});

const opportunity: OpportunityRecord = {
  Id: OPP,
  Name: "Deal",
  AccountId: ACME,
  Amount: null,
  StageName: "Prospecting",
  CloseDate: "2026-06-30",
  Probability: null,
  Description: null,
  ForecastCategoryName: null,
  IsClosed: false,
  OwnerId: id("005", 1),
  SystemModstamp: STAMP,
};

describe("Key-contact rule", () => {
  it("an override wins over the rule, and auto returns to it", () => {
    expect(resolveTier(false, undefined)).toEqual({ tier: "other", override: null });
    expect(resolveTier(true, undefined)).toEqual({ tier: "key", override: null });
    expect(resolveTier(true, tier(1, ADA, "other"))).toEqual({ tier: "other", override: "other" });
    expect(resolveTier(false, tier(1, ADA, "key"))).toEqual({ tier: "key", override: "key" });
    expect(resolveTier(true, tier(1, ADA, "auto"))).toEqual({ tier: "key", override: null });
  });

  it("the latest live override counts: by HLC, then id; cancelled, failed and superseded ones do not", () => {
    const older = tier(1, ADA, "key");
    const newer = tier(2, ADA, "other");
    const sameClock = tier(3, ADA, "auto", 2);
    const entries = [newer, sameClock, older].map((t) => [t.id, t] as const);
    expect(
      latestOverrides(
        entries,
        () => undefined,
        (t) => t.contactId,
      ).get(ADA),
    ).toBe(sameClock);
    const withdrawn = new Map([
      [sameClock.id, "cancelled" as const],
      [newer.id, "superseded" as const],
    ]);
    expect(
      latestOverrides(
        entries,
        (k) => withdrawn.get(k),
        (t) => t.contactId,
      ).get(ADA),
    ).toBe(older);
    expect(
      latestOverrides(
        entries,
        () => "failed",
        (t) => t.contactId,
      ).size,
    ).toBe(0);
  });

  // Shrunk counterexample of key-contacts.prop.test.ts: the worker pulled the activities of a
  // contact promoted for an opportunity it is not one of the contacts of, which no view shows.
  it("regression: promoting a contact of another account, with no role, makes them Key nowhere", () => {
    const doc = new Y.Doc();
    const m = bookMaps(doc);
    doc.transact(() => {
      m.accounts.set(ACME, { Id: ACME, Name: "Acme" });
      m.opportunities.set(OPP, opportunity);
      m.contacts.set(ADA, contact(ADA, ACME));
      m.contacts.set(DAN, contact(DAN, GLOBEX));
    }, SALESFORCE_ORIGIN);
    const promoteDan = tier(1, DAN, "key");
    const promoteAda = tier(2, ADA, "key");
    m.intents.set(promoteDan.id, promoteDan);
    m.intents.set(promoteAda.id, promoteAda);
    expect(keyContactsByOpportunity(m).get(OPP)).toEqual(new Set([ADA]));
    expect(keyContactIds(m)).toEqual(new Set([ADA]));
    const view = createBookView(doc);
    expect(view.getOpportunity(OPP)?.keyContacts.map((k) => k.contact.Id)).toEqual([ADA]);
    view.dispose();
  });

  it("an interaction promotes only within the window before now: not older, not in the future", () => {
    const doc = new Y.Doc();
    const m = bookMaps(doc);
    doc.transact(() => {
      m.accounts.set(ACME, { Id: ACME, Name: "Acme" });
      m.opportunities.set(OPP, opportunity);
      m.contacts.set(ADA, { ...contact(ADA, ACME), Email: "ada@acme.example" });
      m.interactions.set("i", { id: "i", email: "ada@acme.example", kind: "email", at: STAMP, source: "gmail" });
    }, SALESFORCE_ORIGIN);
    const at = (iso: string) => ({ now: new Date(iso) });
    expect(keyContactIds(m, at("2026-03-31T00:00:00.000Z"))).toEqual(new Set([ADA])); // 89 days
    expect(keyContactIds(m, at("2026-04-01T00:00:00.000Z"))).toEqual(new Set([ADA])); // 90 days: still in
    expect(keyContactIds(m, at("2026-04-02T00:00:00.000Z"))).toEqual(new Set()); // 91 days
    expect(keyContactIds(m, { ...at("2026-04-02T00:00:00.000Z"), interactionWindowDays: 120 })).toEqual(new Set([ADA]));
    expect(keyContactIds(m, at("2025-12-31T23:59:59.000Z"))).toEqual(new Set()); // still to come
  });
});
