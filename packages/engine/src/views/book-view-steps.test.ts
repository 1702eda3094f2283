/**
 * The book view built in steps (`createBookViewInSteps`) is the view `createBookView` builds in
 * one call: on a seeded book of a few hundred opportunities, contacts, activities and intents,
 * the whole snapshot is equal after the build, also when the document changes between steps
 * (a sync message arriving while the client yields), and it stays equal to a fresh view through
 * later changes. A build abandoned midway stops observing the document.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ActivityRecord } from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";
import type { Intent } from "../model/schemas.js";
import { testContact, testOpportunity } from "../testing/record-factories.js";
import { type BookView, createBookView, createBookViewInSteps } from "./book-view.js";

const id = (prefix: string, n: number): SalesforceId => to18(`${prefix}${String(n).padStart(12, "0")}`);
const USER = id("005", 1);
const STAMP = "2026-01-01T00:00:00.000Z";
const NOW = new Date("2026-03-03T07:30:00.000Z");
const ACCOUNTS = 12;
const OPPS = 240;
const CONTACTS = 600;
const ZONES = ["UTC", "America/Los_Angeles", "Asia/Tokyo"] as const;
const DAYS = ["2026-02-20", "2026-03-01", "2026-03-03", "2026-03-05"] as const;

/** A small seeded generator (mulberry32), so that every run sees the same book and changes. */
function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const accountId = (n: number) => id("001", n + 1);
const oppId = (n: number) => id("006", n + 1);
const contactId = (n: number) => id("003", n + 1);
const intentId = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, "0")}`;

function activity(n: number, pick: (n: number) => number): ActivityRecord {
  const day = DAYS[pick(DAYS.length)] ?? "2026-03-01";
  const common = {
    WhoId: contactId(pick(CONTACTS)),
    WhatId: pick(3) === 0 ? null : oppId(pick(OPPS)),
    Subject: `Activity ${n}`,
    Description: null,
    OwnerId: USER,
    SystemModstamp: STAMP,
    CompletedDateTime: null,
    CreatedDate: null,
  };
  if (n % 3 === 0)
    return {
      ...common,
      Id: id("00U", n + 1),
      Type: "Event",
      Status: null,
      ActivityDate: day,
      StartDateTime: `${day}T18:00:00.000Z`,
      TaskSubtype: null,
      IsClosed: null,
    };
  return {
    ...common,
    Id: id("00T", n + 1),
    Type: "Task",
    Status: n % 3 === 1 ? "Completed" : "Not Started",
    ActivityDate: day,
    StartDateTime: null,
    TaskSubtype: "Call",
    IsClosed: n % 3 === 1,
  };
}

function intentBody(n: number, pick: (n: number) => number): Record<string, unknown> {
  switch (n % 3) {
    case 0:
      return {
        kind: "setContactTier",
        opportunityId: oppId(pick(OPPS)),
        contactId: contactId(pick(CONTACTS)),
        tier: "key",
      };
    case 1:
      return {
        kind: "editField",
        sobject: "Contact",
        recordId: contactId(pick(CONTACTS)),
        field: "Title",
        value: `Title ${n}`,
        base: null,
      };
    default:
      return {
        kind: "logActivity",
        opportunityId: oppId(pick(OPPS)),
        contactId: contactId(pick(CONTACTS)),
        activity: { type: "call", occurredAt: STAMP },
      };
  }
}

/** One random change of the book, as a sync message or a local write would make it. */
function change(doc: Y.Doc, pick: (n: number) => number, seq: number): void {
  const m = bookMaps(doc);
  const mirror = (fn: () => unknown) => doc.transact(fn, SALESFORCE_ORIGIN);
  const n = pick(CONTACTS);
  switch (pick(10)) {
    case 7: {
      // An activity already indexed moves to another contact (and opportunity).
      const a = activity(pick(300), pick);
      mirror(() => m.activities.set(a.Id, a));
      return;
    }
    case 8: {
      const c = m.contacts.get(contactId(n));
      if (c !== undefined) mirror(() => m.contacts.set(c.Id, { ...c, Email: `c${pick(500)}@acme.example` }));
      return;
    }
    case 9: {
      // A logged call applied: its receipt names the Task it made.
      const key = intentId(2 + 3 * pick(10));
      const salesforceId = id("00T", 1 + pick(300));
      mirror(() =>
        m.receipts.set(key, { intentId: key, status: "applied", attempts: 1, updatedAt: STAMP, salesforceId }),
      );
      return;
    }
    case 0:
      mirror(() =>
        m.contacts.set(
          contactId(n),
          testContact({
            Id: contactId(n),
            AccountId: accountId(pick(ACCOUNTS)),
            LastName: `Moved ${seq}`,
            Email: null,
          }),
        ),
      );
      return;
    case 1:
      mirror(() => m.contacts.delete(contactId(n)));
      return;
    case 2: {
      const o = pick(OPPS + 20);
      mirror(() =>
        m.opportunities.set(
          oppId(o),
          testOpportunity({
            Id: oppId(o),
            Name: `Deal ${o} v${seq}`,
            AccountId: accountId(pick(ACCOUNTS)),
            OwnerId: USER,
          }),
        ),
      );
      return;
    }
    case 3:
      mirror(() => m.opportunities.delete(oppId(pick(OPPS))));
      return;
    case 4: {
      const a = activity(400 + seq, pick);
      mirror(() => m.activities.set(a.Id, a));
      return;
    }
    case 5: {
      const key = intentId(1000 + seq);
      const body = intentBody(seq, pick);
      const hlc = `${String(1000 + seq).padStart(12, "0")}-0000-phone`;
      doc.transact(() => m.intents.set(key, { at: STAMP, hlc, device: "phone", id: key, ...body } as Intent), "phone");
      return;
    }
    default:
      mirror(() => m.meta.set("org", { instanceUrl: null, stages: [], timeZone: ZONES[pick(ZONES.length)] ?? "UTC" }));
  }
}

function seedDoc(): Y.Doc {
  const pick = random(24);
  const doc = new Y.Doc();
  const m = bookMaps(doc);
  doc.transact(() => {
    m.meta.set("org", { instanceUrl: null, stages: [], timeZone: "America/Los_Angeles" });
    for (let a = 0; a < ACCOUNTS; a++) m.accounts.set(accountId(a), { Id: accountId(a), Name: `Account ${a}` });
    for (let o = 0; o < OPPS; o++)
      m.opportunities.set(
        oppId(o),
        testOpportunity({ Id: oppId(o), Name: `Deal ${o}`, AccountId: accountId(o % ACCOUNTS), OwnerId: USER }),
      );
    for (let c = 0; c < CONTACTS; c++)
      m.contacts.set(
        contactId(c),
        testContact({
          Id: contactId(c),
          AccountId: accountId(pick(ACCOUNTS)),
          LastName: `Contact ${pick(300)}`,
          Email: `c${c % 500}@acme.example`,
        }),
      );
    for (let r = 0; r < 300; r++)
      m.contactRoles.set(id("00K", r + 1), {
        Id: id("00K", r + 1),
        OpportunityId: oppId(pick(OPPS)),
        ContactId: contactId(pick(CONTACTS)),
        Role: null,
        IsPrimary: r % 4 === 0,
      });
    for (let n = 0; n < 300; n++) {
      const a = activity(n, pick);
      m.activities.set(a.Id, a);
    }
    for (let n = 0; n < 100; n++)
      m.interactions.set(`interaction-${n}`, {
        id: `interaction-${n}`,
        email: `c${pick(500)}@acme.example`,
        kind: "email",
        at: `2026-0${1 + pick(3)}-0${1 + pick(9)}T10:00:00.000Z`,
        source: "gmail",
      });
  }, SALESFORCE_ORIGIN);
  doc.transact(() => {
    for (let n = 0; n < 30; n++) {
      const hlc = `${String(n).padStart(12, "0")}-0000-phone`;
      m.intents.set(intentId(n), {
        at: STAMP,
        hlc,
        device: "phone",
        id: intentId(n),
        ...intentBody(n, pick),
      } as Intent);
    }
  }, "phone");
  doc.transact(() => {
    const statuses = ["sending", "applied", "failed", "conflict"] as const;
    for (let n = 0; n < 30; n += 2)
      m.receipts.set(intentId(n), {
        intentId: intentId(n),
        status: statuses[n % 4] ?? "applied",
        attempts: 1,
        updatedAt: STAMP,
      });
    // Logged calls applied as Tasks of the mirror.
    for (let n = 5; n < 30; n += 6)
      m.receipts.set(intentId(n), {
        intentId: intentId(n),
        status: "applied",
        attempts: 1,
        updatedAt: STAMP,
        salesforceId: id("00T", 3 * n + 2),
      });
  }, SALESFORCE_ORIGIN);
  return doc;
}

const options = { now: () => NOW };

/** What a fresh one-call view of `doc` shows, as JSON text. */
function fresh(doc: Y.Doc): string {
  const view = createBookView(doc, options);
  try {
    return JSON.stringify(view.getSnapshot());
  } finally {
    view.dispose();
  }
}

/** Drives a stepped build, calling `between` at every pause; returns the view and the number of pauses. */
function build(doc: Y.Doc, every: number, between: () => void = () => {}): { view: BookView; pauses: number } {
  const steps = createBookViewInSteps(doc, options, every);
  let pauses = 0;
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return { view: step.value, pauses };
    pauses++;
    between();
  }
}

describe("book view in steps", () => {
  it("builds the same view as createBookView, pausing every few opportunities", () => {
    const doc = seedDoc();
    const { view, pauses } = build(doc, 17);
    const once = createBookView(doc, options);
    try {
      // Pauses while indexing and computing contacts, one per 17 opportunities, one before the snapshot.
      expect(pauses).toBeGreaterThan(3 + Math.floor(OPPS / 17));
      const snapshot = view.getSnapshot();
      expect(snapshot.opportunities.length).toBeGreaterThan(OPPS / 2);
      expect(snapshot.pending.length + snapshot.conflicts.length + snapshot.failed.length).toBeGreaterThan(0);
      expect(JSON.stringify(snapshot)).toBe(JSON.stringify(once.getSnapshot()));
      for (const o of snapshot.opportunities) expect(view.getOpportunity(o.id)).toEqual(once.getOpportunity(o.id));
      expect(view.getIntent(intentId(3))).toEqual(once.getIntent(intentId(3)));
    } finally {
      view.dispose();
      once.dispose();
    }
  });

  it("shows the changes made between its steps, then follows the document like a fresh view", () => {
    const doc = seedDoc();
    const pick = random(7);
    let seq = 0;
    const { view } = build(doc, 10, () => change(doc, pick, seq++));
    expect(seq).toBeGreaterThan(20);
    let calls = 0;
    view.subscribe(() => calls++);
    try {
      expect(view.getSnapshot().version).toBe(0);
      expect(JSON.stringify(view.getSnapshot())).toBe(fresh(doc));
      for (let n = 0; n < 20; n++) {
        change(doc, pick, seq++);
        const shown = JSON.parse(JSON.stringify(view.getSnapshot()));
        const expected = JSON.parse(fresh(doc));
        expect({ ...shown, version: 0 }).toEqual({ ...expected, version: 0 });
      }
      expect(calls).toBeGreaterThan(0);
      expect(view.getSnapshot().version).toBe(calls);
    } finally {
      view.dispose();
    }
  });

  it("starts indexing over after a change between its first steps", () => {
    // Opportunities are indexed first: at the first pause (240 records in) every one is, and a
    // moved opportunity would stay under its old account in indexes that were not rebuilt.
    const doc = seedDoc();
    const m = bookMaps(doc);
    const moved = oppId(0);
    const to = accountId(5);
    let pause = 0;
    const { view } = build(doc, 3, () => {
      if (++pause !== 1) return;
      const o = m.opportunities.get(moved);
      if (o !== undefined) doc.transact(() => m.opportunities.set(moved, { ...o, AccountId: to }), SALESFORCE_ORIGIN);
    });
    try {
      expect(view.getOpportunity(moved)?.record.AccountId).toBe(to);
      expect(JSON.stringify(view.getSnapshot())).toBe(fresh(doc));
      // A contact of the new account renamed: the moved opportunity shows it under its new name.
      const c = [...m.contacts.values()].find((x) => x.AccountId === to);
      if (c === undefined) throw new Error("the seeded account has no contacts");
      doc.transact(() => m.contacts.set(c.Id, { ...c, LastName: "Renamed", Name: "Renamed" }), SALESFORCE_ORIGIN);
      const shownContacts = (v: BookView) => {
        const o = v.getOpportunity(moved);
        return [...(o?.keyContacts ?? []), ...(o?.otherContacts ?? [])];
      };
      const names = (v: BookView) => shownContacts(v).map((x) => x.contact.Name);
      expect(names(view)).toContain("Renamed");
      expect(JSON.stringify({ ...view.getSnapshot(), version: 0 })).toBe(fresh(doc));
    } finally {
      view.dispose();
    }
  });

  it("follows random changes made while it indexes, then later ones", () => {
    for (const at of [1, 3]) {
      const doc = seedDoc();
      const pick = random(at);
      let pause = 0;
      const { view } = build(doc, 3, () => {
        if (++pause <= at) for (let k = 0; k < 5; k++) change(doc, pick, 10 * pause + k);
      });
      try {
        expect(JSON.stringify(view.getSnapshot())).toBe(fresh(doc));
        for (let n = 0; n < 8; n++) {
          change(doc, pick, 100 + n);
          const shown = JSON.parse(JSON.stringify(view.getSnapshot()));
          expect({ ...shown, version: 0 }).toEqual({ ...JSON.parse(fresh(doc)), version: 0 });
        }
      } finally {
        view.dispose();
      }
    }
  });

  it("stops observing the document when abandoned midway", () => {
    const doc = seedDoc();
    const listeners = () =>
      (doc as unknown as { _observers: Map<string, Set<unknown>> })._observers.get("afterTransaction")?.size ?? 0;
    const before = listeners();
    const steps = createBookViewInSteps(doc, options, 10);
    steps.next();
    steps.next();
    expect(listeners()).toBe(before + 1);
    expect(steps.return(undefined as never).done).toBe(true);
    expect(listeners()).toBe(before);
    const { view } = build(doc, 10);
    expect(listeners()).toBe(before + 1);
    view.dispose();
    expect(listeners()).toBe(before);
  });
});
