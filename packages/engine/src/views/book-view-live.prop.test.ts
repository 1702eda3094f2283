/**
 * Property: a live book view, kept current through random changes, shows exactly what a fresh
 * view of the same document at the same clock shows (book-view.ts's invariant), now that it
 * re-derives only what a change touches (per-contact cache, shared per-account Other lists,
 * `contact-cache.ts`). The changes: contacts added, edited (name, title, email, account) and
 * removed, roles and activities (shared ones too, `WhoIds`) coming and going, interactions,
 * overrides, field edits (extra fields too) with receipts, logged activities, and the user's
 * time zone in `meta.org`.
 *
 * `TANDEM_PROP_RUNS` raises the number of runs; `TANDEM_PROP_SEED` replays a failure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ActivityRecord, ContactRecord } from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";
import type { Intent, ReceiptStatus } from "../model/schemas.js";
import { testContact, testOpportunity } from "../testing/record-factories.js";
import { createBookView } from "./book-view.js";

const RUNS = Number(process.env.TANDEM_PROP_RUNS ?? 60);
const SEED = process.env.TANDEM_PROP_SEED === undefined ? undefined : Number(process.env.TANDEM_PROP_SEED);
const params = { numRuns: Math.max(1, RUNS), ...(SEED === undefined ? {} : { seed: SEED }) };

const id = (prefix: string, n: number): SalesforceId => to18(`${prefix}${String(n).padStart(12, "0")}`);
const USER = id("005", 1);
const STAMP = "2026-01-01T00:00:00.000Z";
const NOW = new Date("2026-03-03T07:30:00.000Z");
const ACCOUNTS = [id("001", 1), id("001", 2), null] as const;
const NAMES = ["Ada", "Bob", "Cyd", "Ada"] as const;
const EMAILS = [null, "ada@acme.example", " ADA@acme.example", "bob@acme.example"] as const;
const ZONES = ["UTC", "America/Los_Angeles", "Asia/Tokyo"] as const;
const DATES = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"] as const;
const TIMES = ["2026-03-02T20:00:00.000Z", "2026-03-03T07:00:00.000Z", "2026-03-03T09:00:00.000Z"] as const;
const STATUSES: ReadonlyArray<ReceiptStatus> = ["sending", "applied", "failed", "conflict", "cancelled"];
const OPPS = 3;
const CONTACTS = 6;

const contactId = (n: number) => id("003", n + 1);
const oppId = (n: number) => id("006", n + 1);

type Op =
  | { op: "contact"; n: number; account: number; name: number; email: number; title: boolean }
  | { op: "dropContact"; n: number }
  | { op: "role"; n: number; opp: number; contact: number; drop: boolean }
  | { op: "activity"; n: number; who: number; also: number[]; what: boolean; kind: number; date: number; drop: boolean }
  | { op: "interaction"; n: number; email: number; time: number }
  | { op: "tier"; n: number; opp: number; contact: number; tier: "key" | "other" | "auto" }
  | { op: "edit"; n: number; contact: number; field: "Title" | "LastName" | "Department"; opp: boolean }
  | { op: "log"; n: number; opp: number; contact: number; time: number }
  | { op: "receipt"; n: number; status: number }
  | { op: "zone"; zone: number };

const nat = (n: number) => fc.nat(n - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("contact" as const),
    n: nat(CONTACTS),
    account: nat(ACCOUNTS.length),
    name: nat(NAMES.length),
    email: nat(EMAILS.length),
    title: fc.boolean(),
  }),
  fc.record({ op: fc.constant("dropContact" as const), n: nat(CONTACTS) }),
  fc.record({
    op: fc.constant("role" as const),
    n: nat(4),
    opp: nat(OPPS),
    contact: nat(CONTACTS),
    drop: fc.boolean(),
  }),
  fc.record({
    op: fc.constant("activity" as const),
    n: nat(5),
    who: nat(CONTACTS),
    also: fc.array(nat(CONTACTS), { maxLength: 2 }),
    what: fc.boolean(),
    kind: nat(3),
    date: nat(DATES.length),
    drop: fc.boolean(),
  }),
  fc.record({ op: fc.constant("interaction" as const), n: nat(3), email: nat(EMAILS.length), time: nat(TIMES.length) }),
  fc.record({
    op: fc.constant("tier" as const),
    n: nat(4),
    opp: nat(OPPS),
    contact: nat(CONTACTS),
    tier: fc.constantFrom("key" as const, "other" as const, "auto" as const),
  }),
  fc.record({
    op: fc.constant("edit" as const),
    n: nat(4),
    contact: nat(CONTACTS),
    field: fc.constantFrom("Title" as const, "LastName" as const, "Department" as const),
    opp: fc.boolean(),
  }),
  fc.record({
    op: fc.constant("log" as const),
    n: nat(3),
    opp: nat(OPPS),
    contact: nat(CONTACTS),
    time: nat(TIMES.length),
  }),
  fc.record({ op: fc.constant("receipt" as const), n: nat(12), status: nat(STATUSES.length) }),
  fc.record({ op: fc.constant("zone" as const), zone: nat(ZONES.length) }),
);

function contact(n: number, account: number, name: number, email: number, title: boolean): ContactRecord {
  return testContact({
    Id: contactId(n),
    AccountId: ACCOUNTS[account] ?? null,
    LastName: `${NAMES[name] ?? "Ada"}`,
    Title: title ? "CFO" : null,
    Email: EMAILS[email] ?? null,
  });
}

function activity(o: Extract<Op, { op: "activity" }>): ActivityRecord {
  const date = DATES[o.date] ?? "2026-03-01";
  const whoIds = [contactId(o.who), ...o.also.map(contactId)];
  const common = {
    WhoId: contactId(o.who),
    WhatId: o.what ? oppId(o.n % OPPS) : null,
    Subject: `Activity ${o.n}`,
    Description: null,
    OwnerId: USER,
    SystemModstamp: STAMP,
    CompletedDateTime: null,
    CreatedDate: null,
    ...(o.also.length > 0 ? { WhoIds: whoIds } : {}),
  };
  if (o.kind === 2)
    return {
      ...common,
      Id: id("00U", o.n + 1),
      Type: "Event",
      Status: null,
      ActivityDate: date,
      StartDateTime: `${date}T18:00:00.000Z`,
      TaskSubtype: null,
      IsClosed: null,
    };
  return {
    ...common,
    Id: id("00T", o.n + 1),
    Type: "Task",
    Status: o.kind === 0 ? "Completed" : "Not Started",
    ActivityDate: date,
    StartDateTime: null,
    TaskSubtype: "Call",
    IsClosed: o.kind === 0,
  };
}

const intentId = (n: number) => `0190000${String(n).padStart(2, "0")}-0000-7000-8000-000000000000`;

function apply(doc: Y.Doc, o: Op, seq: number): void {
  const m = bookMaps(doc);
  const common = { at: STAMP, hlc: `${String(seq).padStart(12, "0")}-0000-phone`, device: "phone" };
  const intent = (n: number, body: Record<string, unknown>): void => {
    doc.transact(() => m.intents.set(intentId(n), { ...common, id: intentId(n), ...body } as Intent), "phone");
  };
  const mirror = (fn: () => unknown): void => {
    doc.transact(fn, SALESFORCE_ORIGIN);
  };
  switch (o.op) {
    case "contact":
      mirror(() => m.contacts.set(contactId(o.n), contact(o.n, o.account, o.name, o.email, o.title)));
      return;
    case "dropContact":
      mirror(() => m.contacts.delete(contactId(o.n)));
      return;
    case "role":
      mirror(() => {
        const key = id("00K", o.n + 1);
        if (o.drop) m.contactRoles.delete(key);
        else
          m.contactRoles.set(key, {
            Id: key,
            OpportunityId: oppId(o.opp),
            ContactId: contactId(o.contact),
            Role: null,
            IsPrimary: false,
          });
      });
      return;
    case "activity": {
      const a = activity(o);
      mirror(() => (o.drop ? m.activities.delete(a.Id) : m.activities.set(a.Id, a)));
      return;
    }
    case "interaction": {
      const email = EMAILS[o.email] ?? "ada@acme.example";
      const key = `interaction-${o.n}`;
      doc.transact(
        () => m.interactions.set(key, { id: key, email, kind: "email", at: TIMES[o.time] ?? STAMP, source: "gmail" }),
        "phone",
      );
      return;
    }
    case "tier":
      intent(o.n, {
        kind: "setContactTier",
        opportunityId: oppId(o.opp),
        contactId: contactId(o.contact),
        tier: o.tier,
      });
      return;
    case "edit":
      intent(4 + o.n, {
        kind: "editField",
        sobject: o.opp ? "Opportunity" : "Contact",
        recordId: o.opp ? oppId(o.contact % OPPS) : contactId(o.contact),
        field: o.field === "Department" && o.opp ? "Competitor__c" : o.field,
        value: `v${seq}`,
        base: null,
      });
      return;
    case "log":
      intent(8 + o.n, {
        kind: "logActivity",
        opportunityId: oppId(o.opp),
        contactId: contactId(o.contact),
        activity: { type: "call", occurredAt: TIMES[o.time] ?? STAMP },
      });
      return;
    case "receipt": {
      const key = intentId(o.n);
      const status = STATUSES[o.status] ?? "applied";
      // A logged call's Task, when applied, is one of the activities the ops write.
      const salesforceId = status === "applied" && o.n >= 8 ? { salesforceId: id("00T", (o.n % 5) + 1) } : {};
      mirror(() => m.receipts.set(key, { intentId: key, status, attempts: 1, updatedAt: STAMP, ...salesforceId }));
      return;
    }
    case "zone":
      mirror(() => m.meta.set("org", { instanceUrl: null, stages: [], timeZone: ZONES[o.zone] ?? "UTC" }));
      return;
  }
}

function seedDoc(): Y.Doc {
  const doc = new Y.Doc();
  const m = bookMaps(doc);
  doc.transact(() => {
    for (const a of ACCOUNTS) if (a !== null) m.accounts.set(a, { Id: a, Name: `Account ${a}` });
    for (let n = 0; n < OPPS; n++)
      m.opportunities.set(
        oppId(n),
        testOpportunity({
          Id: oppId(n),
          Name: `Deal ${n}`,
          AccountId: ACCOUNTS[n % ACCOUNTS.length] ?? null,
          OwnerId: USER,
        }),
      );
    for (let n = 0; n < CONTACTS; n++) m.contacts.set(contactId(n), contact(n, n % 2, n % NAMES.length, 0, false));
  }, SALESFORCE_ORIGIN);
  return doc;
}

const shown = (doc: Y.Doc) => {
  const view = createBookView(doc, { now: () => NOW });
  try {
    return JSON.stringify(view.getSnapshot().opportunities);
  } finally {
    view.dispose();
  }
};

/** Applies `ops` one transaction at a time, comparing the live view with a fresh one after each. */
function checkOps(ops: ReadonlyArray<Op>): void {
  const doc = seedDoc();
  const live = createBookView(doc, { now: () => NOW });
  try {
    ops.forEach((o, seq) => {
      apply(doc, o, seq);
      expect(JSON.parse(JSON.stringify(live.getSnapshot().opportunities))).toEqual(JSON.parse(shown(doc)));
    });
  } finally {
    live.dispose();
  }
}

describe("book view: a live view equals a fresh one", () => {
  it("after every random change, the live snapshot's opportunities equal a fresh view's", () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), checkOps), params);
  });

  it("regression: a logged call rewritten for another contact", () => {
    checkOps([
      { op: "log", n: 1, opp: 0, contact: 0, time: 0 },
      { op: "log", n: 0, opp: 0, contact: 5, time: 0 },
      { op: "log", n: 1, opp: 0, contact: 5, time: 0 },
    ]);
  });
});
