/**
 * Property: the Key-contact rule of docs/architecture.md ("Scope of a book") gives the same
 * answer on both sides that use it, role-linked contacts at another account (one no
 * opportunity has, too) or at none included. The view (`createBookView`) shows each opportunity's Key
 * contacts; the worker pulls activities for `keyContactIds`. Over random books — contacts at
 * several accounts or none, addresses differing in case and whitespace, roles, interactions,
 * and setContactTier overrides with every receipt status, interactions dated before, inside,
 * at the edges of and after the interaction window (default or a random one), judged at one
 * fixed clock — the view's Key contacts of each opportunity equal `keyContactsByOpportunity`,
 * and their union equals `keyContactIds`.
 *
 * `TANDEM_PROP_RUNS` raises the number of runs; `TANDEM_PROP_SEED` replays a failure (fast-check
 * prints the seed and path of every failure).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import type { ContactRecord, OpportunityRecord } from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";
import type { ContactTier, Intent, Receipt, ReceiptStatus } from "../model/schemas.js";
import { createBookView } from "../views/book-view.js";
import { keyContactIds, keyContactsByOpportunity } from "./key-contacts.js";

const RUNS = Number(process.env.TANDEM_PROP_RUNS ?? 100);
const SEED = process.env.TANDEM_PROP_SEED === undefined ? undefined : Number(process.env.TANDEM_PROP_SEED);
const params = { numRuns: Math.max(1, RUNS), ...(SEED === undefined ? {} : { seed: SEED }) };

const id = (prefix: string, n: number): SalesforceId => to18(`${prefix}${String(n).padStart(12, "0")}`);
const USER = id("005", 1);
const STAMP = "2026-01-01T00:00:00.000Z";
const ACCOUNTS = [id("001", 1), id("001", 2), null] as const;
/** Where contacts may be: the opportunities' accounts, an account no opportunity has, or none (then only a role links them). */
const CONTACT_ACCOUNTS = [...ACCOUNTS, id("001", 3)] as const;
/** Addresses that are equal after trimming and lower-casing, and some that are not. */
const EMAILS = [null, "ada@acme.example", "  ADA@Acme.example ", "bob@acme.example", "cyd@globex.example"] as const;
/** The clock both sides judge the window by. */
const NOW = new Date("2026-06-01T00:00:00.000Z");
const DAY = 86_400_000;
/** Interaction ages in days before NOW: in the future, now, inside, at and past 90 days, past 365. */
const AGES = [-3, 0, 10, 89.99, 90, 90.01, 200, 366] as const;
const WINDOWS = [undefined, 30, 90, 365] as const;
const STATUSES = [undefined, "pending", "sending", "applied", "conflict", "failed", "cancelled", "superseded"] as const;

interface BookSpec {
  readonly opps: ReadonlyArray<{ readonly account: number }>;
  readonly contacts: ReadonlyArray<{ readonly account: number; readonly email: number }>;
  readonly roles: ReadonlyArray<{ readonly opp: number; readonly contact: number }>;
  readonly interactions: ReadonlyArray<{
    readonly email: number;
    readonly kind: "email" | "meeting";
    readonly age: number;
  }>;
  readonly window: number;
  readonly tiers: ReadonlyArray<{
    readonly opp: number;
    readonly contact: number;
    readonly tier: ContactTier;
    readonly hlc: number;
    readonly status: number;
  }>;
}

// Indexes run one past the tables so roles and overrides can name a record the book lacks.
const bookSpec: fc.Arbitrary<BookSpec> = fc.record({
  opps: fc.array(fc.record({ account: fc.nat(ACCOUNTS.length - 1) }), { minLength: 1, maxLength: 4 }),
  contacts: fc.array(fc.record({ account: fc.nat(CONTACT_ACCOUNTS.length - 1), email: fc.nat(EMAILS.length - 1) }), {
    maxLength: 6,
  }),
  roles: fc.array(fc.record({ opp: fc.nat(4), contact: fc.nat(6) }), { maxLength: 5 }),
  interactions: fc.array(
    fc.record({
      email: fc.nat(EMAILS.length - 1),
      kind: fc.constantFrom<"email" | "meeting">("email", "meeting"),
      age: fc.nat(AGES.length - 1),
    }),
    { maxLength: 3 },
  ),
  window: fc.nat(WINDOWS.length - 1),
  tiers: fc.array(
    fc.record({
      opp: fc.nat(4),
      contact: fc.nat(6),
      tier: fc.constantFrom<ContactTier>("key", "other", "auto"),
      // Few distinct clocks, so equal HLCs (ordered by intent id) come up too.
      hlc: fc.nat(3),
      status: fc.nat(STATUSES.length - 1),
    }),
    { maxLength: 8 },
  ),
});

const oppId = (n: number) => id("006", n + 1);
const contactId = (n: number) => id("003", n + 1);

function opportunity(n: number, AccountId: SalesforceId | null): OpportunityRecord {
  return {
    Id: oppId(n),
    Name: `Deal ${n}`,
    AccountId,
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
}

function contact(n: number, AccountId: SalesforceId | null, Email: string | null): ContactRecord {
  return {
    Id: contactId(n),
    AccountId,
    FirstName: null,
    LastName: `Contact ${n}`,
    Name: `Contact ${n}`,
    Title: null,
    Email,
    Phone: null,
    MobilePhone: null,
    SystemModstamp: STAMP,
  };
}

/** Writes the spec into a fresh book document. */
function buildBook(spec: BookSpec): Y.Doc {
  const doc = new Y.Doc();
  const m = bookMaps(doc);
  doc.transact(() => {
    for (const a of CONTACT_ACCOUNTS) if (a !== null) m.accounts.set(a, { Id: a, Name: `Account ${a}` });
    for (const [n, o] of spec.opps.entries())
      m.opportunities.set(oppId(n), opportunity(n, ACCOUNTS[o.account] ?? null));
    for (const [n, c] of spec.contacts.entries()) {
      m.contacts.set(contactId(n), contact(n, CONTACT_ACCOUNTS[c.account] ?? null, EMAILS[c.email] ?? null));
    }
    spec.roles.forEach((r, n) => {
      const roleId = id("00K", n + 1);
      m.contactRoles.set(roleId, {
        Id: roleId,
        OpportunityId: oppId(r.opp),
        ContactId: contactId(r.contact),
        Role: null,
        IsPrimary: false,
      });
    });
    spec.interactions.forEach((i, n) => {
      const email = EMAILS[i.email] ?? null;
      if (email === null) return;
      const key = `interaction-${n}`;
      const at = new Date(NOW.getTime() - (AGES[i.age] ?? 0) * DAY).toISOString();
      m.interactions.set(key, { id: key, email, kind: i.kind, at, source: "gmail" });
    });
  }, SALESFORCE_ORIGIN);
  doc.transact(() => {
    spec.tiers.forEach((t, n) => {
      const intentId = `0190000${n}-0000-7000-8000-000000000000`;
      const intent: Intent = {
        id: intentId,
        at: STAMP,
        hlc: `0000000000${t.hlc}-0000-phone`,
        device: "phone",
        kind: "setContactTier",
        opportunityId: oppId(t.opp),
        contactId: contactId(t.contact),
        tier: t.tier,
      };
      m.intents.set(intentId, intent);
      const status: ReceiptStatus | undefined = STATUSES[t.status];
      if (status !== undefined) {
        const receipt: Receipt = { intentId, status, attempts: 0, updatedAt: STAMP };
        m.receipts.set(intentId, receipt);
      }
    });
  }, "phone");
  return doc;
}

/** Per opportunity, the sorted ids of its Key contacts as the view shows them. */
function viewKeys(doc: Y.Doc, interactionWindowDays: number | undefined): Record<string, string[]> {
  const view = createBookView(doc, { now: () => NOW, interactionWindowDays });
  try {
    return Object.fromEntries(
      view.getSnapshot().opportunities.map((o) => [o.id, o.keyContacts.map((k) => k.contact.Id as string).sort()]),
    );
  } finally {
    view.dispose();
  }
}

/** Per opportunity, the sorted ids of its Key contacts by the reconcile side's rule. */
function ruleKeys(doc: Y.Doc, interactionWindowDays: number | undefined): Record<string, string[]> {
  const m = bookMaps(doc);
  const byOpp = keyContactsByOpportunity(m, { now: NOW, interactionWindowDays });
  return Object.fromEntries([...m.opportunities.keys()].map((o) => [o, [...(byOpp.get(o) ?? [])].sort()]));
}

describe("Key contacts: the view and the worker agree", () => {
  it("per opportunity, the view's Key contacts are the rule's, and their union is what the worker pulls for", () => {
    fc.assert(
      fc.property(bookSpec, (spec) => {
        const doc = buildBook(spec);
        const windowDays = WINDOWS[spec.window];
        const shown = viewKeys(doc, windowDays);
        expect(shown).toEqual(ruleKeys(doc, windowDays));
        const union = new Set(Object.values(shown).flat());
        const pulled = keyContactIds(bookMaps(doc), { now: NOW, interactionWindowDays: windowDays });
        expect([...pulled].sort()).toEqual([...union].sort());
      }),
      params,
    );
  });
});
