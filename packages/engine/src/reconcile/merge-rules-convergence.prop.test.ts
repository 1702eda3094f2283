/**
 * Merge rules 1 and 2 of docs/architecture.md, "Merge rules", as properties driven through the
 * real pieces: convergence (device API, Yjs replicas on a simulated network, the runner and the
 * views) and idempotence (the planner and `applyPlan` over a full re-pull).
 * `TANDEM_PROP_RUNS` raises the number of runs; `TANDEM_PROP_SEED` replays a failure (fast-check
 * prints the seed and path of every failure).
 */
import { Effect } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { must, propParams } from "../../test/merge-rules-harness.js";
import { bookMaps } from "../doc/layout.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import { type BookFixture, createBookFixture } from "../testing/book-fixture.js";
import { createDocNetwork } from "../testing/network.js";
import { createBookView } from "../views/book-view.js";
import type { BookSnapshot } from "../views/types.js";
import { applyPlan } from "./apply.js";
import { keyContactIds } from "./key-contacts.js";
import { isEmptyPlan, plan } from "./plan.js";
import { readBookState } from "./state.js";

const params = propParams(process.env.TANDEM_PROP_RUNS, process.env.TANDEM_PROP_SEED, 15);

/** Canonical JSON (sorted keys) of every map of a doc. */
function canonical(doc: Y.Doc): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  const maps = bookMaps(doc);
  return JSON.stringify(sort(Object.fromEntries(Object.entries(maps).map(([k, m]) => [k, m.toJSON()]))));
}

/** What a user sees of a book, as comparable JSON. */
function seen(snapshot: BookSnapshot): string {
  return JSON.stringify({
    opps: snapshot.opportunities.map((o) => ({
      id: o.id,
      record: o.record,
      account: o.accountName,
      key: o.keyContacts.map((k) => [k.contact.Id, k.evidence.map((e) => e.kind)]),
      other: o.otherContacts.map((k) => k.contact.Id),
      last: o.lastInteraction?.refId ?? null,
      activities: o.activities.map((a) => [a.key, a.status]),
    })),
    pending: snapshot.pending.map((p) => [p.intent.id, p.status]),
    conflicts: snapshot.conflicts.map((p) => p.intent.id),
    failed: snapshot.failed.map((p) => p.intent.id),
  });
}

const contactOf = (f: BookFixture, c: "ada" | "bob" | "cyd") => f.ids[c];

describe("merge rules (docs/architecture.md)", () => {
  it("rule 1, convergence: replicas that received the same updates show the same book, whatever the delivery", async () => {
    const step = fc.oneof(
      fc.record({
        t: fc.constant("log" as const),
        r: fc.nat(4),
        c: fc.constantFrom("ada", "bob", "cyd" as const),
        k: fc.constantFrom("call", "email", "meeting", "note" as const),
      }),
      fc.record({ t: fc.constant("edit" as const), r: fc.nat(4), v: fc.integer({ min: 1, max: 5 }) }),
      fc.record({
        t: fc.constant("tier" as const),
        r: fc.nat(4),
        c: fc.constantFrom("ada", "bob", "cyd" as const),
        tier: fc.constantFrom("key", "other", "auto" as const),
      }),
      fc.record({
        t: fc.constant("mail" as const),
        r: fc.nat(4),
        email: fc.constantFrom(" BOB@acme.example ", "ada@acme.example", "x@y.example"),
      }),
      fc.record({ t: fc.constant("cancel" as const), r: fc.nat(4), pick: fc.nat() }),
      fc.record({ t: fc.constant("deliver" as const), i: fc.nat(), dup: fc.boolean() }),
      fc.record({ t: fc.constant("disconnect" as const), r: fc.nat(4) }),
      fc.record({ t: fc.constant("reconnect" as const), r: fc.nat(4) }),
      fc.record({ t: fc.constant("sync" as const) }),
      fc.record({ t: fc.constant("org" as const), what: fc.constantFrom("amount", "close2", "title") }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 5 }), fc.array(step, { maxLength: 40 }), async (n, steps) => {
        const f = createBookFixture();
        must(await f.sync());
        const net = createDocNetwork(n, f.doc);
        net.settle();
        const devices = net.docs.map((d, i) => f.device(`dev${i}`, d));
        const made: string[] = [];
        for (const s of steps) {
          f.clock.advance(1000);
          const r = "r" in s ? s.r % n : 0;
          const dev = devices[r];
          if (dev === undefined) continue;
          switch (s.t) {
            case "log": {
              const res = dev.logActivity({ opportunityId: f.ids.opp, contactId: contactOf(f, s.c), type: s.k });
              if (res.ok) made.push(res.value.id);
              break;
            }
            case "edit": {
              const res = dev.editField({
                sobject: "Opportunity",
                recordId: f.ids.opp,
                field: "Amount",
                value: s.v * 1000,
              });
              if (res.ok) made.push(res.value.id);
              break;
            }
            case "tier":
              dev.setContactTier({ opportunityId: f.ids.opp, contactId: contactOf(f, s.c), tier: s.tier });
              break;
            case "mail":
              dev.recordInteraction({ email: s.email, kind: "email", at: f.clock.now(), source: "gmail" });
              break;
            case "cancel": {
              const target = made[s.pick % Math.max(1, made.length)];
              if (target !== undefined) dev.cancel(target);
              break;
            }
            case "deliver":
              net.deliver(s.i, s.dup);
              break;
            case "disconnect":
              if (r !== 0) net.disconnect(r);
              break;
            case "reconnect":
              net.reconnect(r);
              break;
            case "sync":
              must(await f.sync());
              break;
            case "org":
              if (s.what === "amount") f.org.updateRecord("Opportunity", f.ids.opp, { Amount: 777 });
              else if (s.what === "close2") f.org.updateRecord("Opportunity", f.ids.opp2, { StageName: "Closed Lost" });
              else f.org.updateRecord("Contact", f.ids.bob, { Title: "VP" });
              break;
          }
        }
        net.settle();
        const docs = net.docs;
        const first = docs[0];
        if (first === undefined) return;
        const views = docs.map((d) => createBookView(d));
        const reference = canonical(first);
        const referenceView = seen(views[0]?.getSnapshot() as BookSnapshot);
        for (let i = 1; i < docs.length; i++) {
          const d = docs[i];
          if (d === undefined) continue;
          expect(canonical(d)).toBe(reference);
          expect(seen(views[i]?.getSnapshot() as BookSnapshot)).toBe(referenceView);
          // A view kept live through the run equals a fresh one.
          expect(seen(createBookView(d).getSnapshot())).toBe(referenceView);
        }
        for (const v of views) v.dispose();
        net.dispose();
      }),
      params(),
    );
  });

  it("rule 2, idempotence: re-planning an unchanged snapshot is an empty plan and zero Yjs updates", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("amount", "title", "newOpp", "role", "task", "close"), { maxLength: 8 }),
        async (changes) => {
          const f = createBookFixture();
          must(await f.sync());
          for (const c of changes) {
            if (c === "amount") f.org.updateRecord("Opportunity", f.ids.opp, { Amount: 1 });
            if (c === "title") f.org.updateRecord("Contact", f.ids.cyd, { Title: "CFO" });
            if (c === "newOpp") f.org.updateRecord("Opportunity", f.ids.othersOpp, { OwnerId: f.user });
            if (c === "role")
              f.org.createContactRole({ OpportunityId: f.ids.opp2, ContactId: f.ids.bob, Role: "Evaluator" });
            if (c === "task")
              f.org.createActivity({ WhoId: f.ids.ada, Subject: "t", ActivityDate: "2026-01-02", OwnerId: f.user });
            if (c === "close") f.org.updateRecord("Opportunity", f.ids.opp2, { StageName: "Closed Won" });
          }
          must(await f.sync());
          // A full re-pull of the same org state: nothing to do.
          const state = readBookState(f.doc);
          const port = f.port;
          const mirrored = {
            opportunityIds: new Set(state.opportunities.keys()) as Set<SalesforceId>,
            accountIds: new Set(state.accounts.keys()) as Set<SalesforceId>,
            contactIds: new Set(state.contacts.keys()) as Set<SalesforceId>,
            contactRoleIds: new Set(state.contactRoles.keys()) as Set<SalesforceId>,
          };
          const scope = await Effect.runPromise(port.pullScope({ userId: f.user, watermarks: {}, mirrored }));
          const keys = keyContactIds(state);
          const activities = await Effect.runPromise(
            port.pullActivities({
              whoIds: [...keys] as SalesforceId[],
              windowStart: new Date(f.clock.now().getTime() - 90 * 86_400_000).toISOString(),
              watermarks: {},
              mirroredIds: new Set(state.activities.keys()) as Set<SalesforceId>,
            }),
          );
          let updates = 0;
          f.doc.on("update", () => updates++);
          for (let i = 0; i < 2; i++) {
            const p = plan(readBookState(f.doc), { scope, activities, keyContactIds: keys }, f.clock.now(), {
              userId: f.user,
            });
            expect(isEmptyPlan(p)).toBe(true);
            applyPlan(f.doc, p);
          }
          expect(updates).toBe(0);
        },
      ),
      params(),
    );
  });
});
