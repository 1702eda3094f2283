/**
 * One property test per merge rule of docs/architecture.md, "Merge rules", driven through the real pieces: device API,
 * Yjs replicas on a simulated network, the planner, the runner and the fake port with faults.
 * `TANDEM_PROP_RUNS` raises the number of runs; `TANDEM_PROP_SEED` replays a failure (fast-check
 * prints the seed and path of every failure).
 */
import { Effect, Exit } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps } from "../doc/layout.js";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { SalesforcePort } from "../port/salesforce-port.js";
import { runCycle } from "../runner/runner.js";
import { type BookFixture, createBookFixture } from "../testing/book-fixture.js";
import type { FaultKind, PortOperation } from "../testing/faulty-port.js";
import { createDocNetwork } from "../testing/network.js";
import { createBookView } from "../views/book-view.js";
import type { BookSnapshot } from "../views/types.js";
import { applyPlan } from "./apply.js";
import { idempotencyKeyFor } from "./idempotency.js";
import { keyContactIds } from "./key-contacts.js";
import { isEmptyPlan, plan } from "./plan.js";
import { readBookState } from "./state.js";

const RUNS = Number(process.env.TANDEM_PROP_RUNS ?? 15);
const SEED = process.env.TANDEM_PROP_SEED === undefined ? undefined : Number(process.env.TANDEM_PROP_SEED);
const params = (scale = 1) => ({
  numRuns: Math.max(1, Math.round(RUNS * scale)),
  ...(SEED === undefined ? {} : { seed: SEED }),
});

const LEASE = 60_000;

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

const must = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value;
  throw new Error(`cycle failed: ${String(exit.cause)}`);
};

/** Syncs until nothing is left to do (no faults queued by then). */
async function quiesce(f: BookFixture, cycles = 4): Promise<void> {
  for (let i = 0; i < cycles; i++) {
    f.clock.advance(LEASE + 1);
    must(await f.sync());
  }
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

  it("rule 3, exactly-once: each logged activity becomes exactly one Task across faults, crashes, races and expired tokens", async () => {
    const fault = fc.record({
      op: fc.constantFrom<PortOperation>("pullScope", "pullActivities", "push", "lookup"),
      kind: fc.constantFrom<FaultKind>("lost-response", "row-locked", "rate-limited", "session-expired", "unavailable"),
      count: fc.integer({ min: 1, max: 5 }),
    });
    const crash = fc.constantFrom(
      "none",
      "before-persist",
      "after-persist",
      "before-push",
      "after-push",
      "after-lookup",
      "after-pull",
    );
    const round = fc.record({ faults: fc.array(fault, { maxLength: 2 }), crash, race: fc.boolean(), log: fc.nat(2) });
    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 6 }), (rounds) => exactlyOnceScenario(rounds)),
      params(),
    );
  });

  // Shrunk counterexamples, kept as named regressions.
  it("regression: a crash right after a committed push is resolved by lookup, not a second Task", () =>
    exactlyOnceScenario([
      { faults: [], crash: "after-push", race: false, log: 1 },
      { faults: [], crash: "none", race: false, log: 0 },
    ]));

  it("regression: two racing workers with an expired session on push create one Task", () =>
    exactlyOnceScenario([
      { faults: [{ op: "push", kind: "session-expired", count: 1 }], crash: "none", race: true, log: 1 },
    ]));

  it("rule 4, three-way merges: same-user edits supersede by HLC; only others' changes conflict", async () => {
    const step = fc.oneof(
      fc.record({ t: fc.constant("edit" as const), d: fc.nat(1), v: fc.integer({ min: 1, max: 9 }) }),
      fc.record({ t: fc.constant("other" as const), v: fc.integer({ min: 10, max: 12 }) }),
      fc.record({ t: fc.constant("sync" as const) }),
      fc.record({ t: fc.constant("exchange" as const), d: fc.nat(1) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const f = createBookFixture();
        must(await f.sync());
        const replicas = [new Y.Doc(), new Y.Doc()];
        for (const r of replicas) Y.applyUpdate(r, Y.encodeStateAsUpdate(f.doc));
        const devices = replicas.map((r, i) => f.device(`d${i}`, r));
        const exchange = (a: Y.Doc, b: Y.Doc) => {
          Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
          Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
        };
        let others = 0;
        for (const s of steps) {
          f.clock.advance(1000);
          if (s.t === "edit") {
            devices[s.d]?.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: s.v });
          } else if (s.t === "other") {
            others++;
            f.org.updateRecord("Opportunity", f.ids.opp, { Amount: s.v });
          } else if (s.t === "sync") must(await f.sync());
          else {
            const r = replicas[s.d];
            if (r) exchange(r, f.doc);
          }
        }
        for (const r of replicas) exchange(r, f.doc);
        await quiesce(f, 3);
        for (const r of replicas) exchange(r, f.doc);
        const maps = bookMaps(f.doc);
        const edits = [...maps.intents.values()].filter((i) => i.kind === "editField");
        const statuses = edits.map((e) => maps.receipts.get(e.id)?.status);
        for (const s of statuses) expect(["applied", "superseded", "conflict"]).toContain(s);
        if (others === 0) {
          expect(statuses).not.toContain("conflict");
          const latest = edits.sort((a, b) => (a.hlc < b.hlc ? -1 : 1)).at(-1);
          if (latest) expect(f.org.opportunities.get(f.ids.opp)?.Amount).toBe(latest.value);
        }
        for (const e of edits) {
          const r = maps.receipts.get(e.id);
          if (r?.status === "conflict") {
            expect(r.conflict?.mine).toBe(e.value);
            expect(r.conflict?.theirs).not.toBe(e.value);
          }
        }
      }),
      params(4),
    );
  });

  it("rules 5 and 6, nothing lost and scope exits: exits disappear everywhere, their intents end final with a reason", async () => {
    const exitKind = fc.constantFrom("close", "reassign", "deleteContact", "none");
    await fc.assert(
      fc.asyncProperty(exitKind, fc.boolean(), fc.boolean(), async (exit, logOnOpp, editContact) => {
        const f = createBookFixture();
        must(await f.sync());
        const net = createDocNetwork(3, f.doc);
        net.settle();
        const device = f.device("tablet", net.docs[1]);
        const ids: string[] = [];
        const log = device.logActivity({
          opportunityId: f.ids.opp,
          contactId: f.ids.bob,
          type: "note",
          description: "n",
        });
        if (logOnOpp && log.ok) ids.push(log.value.id);
        const edit = device.editField({
          sobject: "Opportunity",
          recordId: f.ids.opp,
          field: "StageName",
          value: "Needs Analysis",
        });
        if (edit.ok) ids.push(edit.value.id);
        const cedit = device.editField({ sobject: "Contact", recordId: f.ids.cyd, field: "Title", value: "COO" });
        if (editContact && cedit.ok) ids.push(cedit.value.id);
        if (exit === "close") f.org.updateRecord("Opportunity", f.ids.opp, { StageName: "Closed Won" });
        if (exit === "reassign") {
          f.org.updateRecord("Opportunity", f.ids.opp, { OwnerId: f.otherUser });
          f.org.updateRecord("Opportunity", f.ids.opp2, { OwnerId: f.otherUser });
        }
        if (exit === "deleteContact") f.org.deleteRecord("Contact", f.ids.cyd);
        // The worker exits the records before it has seen the intents.
        must(await f.sync());
        const view = createBookView(net.docs[1] as Y.Doc);
        expect(view.getSnapshot().pending.map((p) => p.intent.id)).toEqual(expect.arrayContaining(ids));
        net.settle();
        await quiesce(f, 2);
        net.settle();
        const snap = view.getSnapshot();
        for (const d of net.docs) {
          const maps = bookMaps(d);
          if (exit === "close" || exit === "reassign") {
            expect(maps.opportunities.has(f.ids.opp)).toBe(false);
            expect(snap.opportunities.map((o) => o.id)).not.toContain(f.ids.opp);
          }
          if (exit === "reassign") {
            expect(maps.accounts.size).toBe(0);
            expect(maps.contacts.size).toBe(0);
          }
          if (exit === "deleteContact") expect(maps.contacts.has(f.ids.cyd)).toBe(false);
          for (const id of ids) {
            const r = maps.receipts.get(id);
            expect(r && ["applied", "failed", "conflict", "superseded", "cancelled"].includes(r.status)).toBe(true);
            if (r?.status === "failed") expect(r.error?.message.length ?? 0).toBeGreaterThan(10);
          }
        }
        expect(snap.pending).toHaveLength(0);
        if (logOnOpp && log.ok) {
          // An activity on a now-closed or reassigned opportunity is still written.
          const task = [...f.org.activities.values()].find((a) => a.idempotencyKey === idempotencyKeyFor(log.value.id));
          expect(task?.WhatId).toBe(f.ids.opp);
        }
        view.dispose();
        net.dispose();
      }),
      params(0.5),
    );
  });

  it("rule 7, no echo: Salesforce-origin changes never produce outbound writes", async () => {
    const change = fc.constantFrom("amount", "stage", "title", "email", "task", "newRole");
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 10 }), async (changes) => {
        const f = createBookFixture();
        must(await f.sync());
        let intentsWritten = 0;
        bookMaps(f.doc).intents.observe(() => intentsWritten++);
        for (const c of changes) {
          if (c === "amount") f.org.updateRecord("Opportunity", f.ids.opp, { Amount: Math.round(f.random() * 1e6) });
          if (c === "stage") f.org.updateRecord("Opportunity", f.ids.opp2, { StageName: "Needs Analysis" });
          if (c === "title") f.org.updateRecord("Contact", f.ids.bob, { Title: "Head" });
          if (c === "email") f.org.updateRecord("Contact", f.ids.cyd, { Email: "cyd@acme.example" });
          if (c === "task")
            f.org.createActivity({ WhoId: f.ids.ada, Subject: "x", ActivityDate: "2026-01-03", OwnerId: f.otherUser });
          if (c === "newRole") f.org.createContactRole({ OpportunityId: f.ids.opp2, ContactId: f.ids.cyd });
          f.clock.advance(1000);
          const report = must(await f.sync());
          expect(report.planned.writes).toBe(0);
          expect(report.pushed).toBe(0);
        }
        expect(intentsWritten).toBe(0);
      }),
      params(),
    );
  });
});

function persistHookSafe(f: BookFixture) {
  return (doc: Y.Doc) =>
    Effect.sync(() => {
      f.disk = Y.encodeStateAsUpdate(doc);
    });
}

interface Round {
  readonly faults: ReadonlyArray<{ readonly op: PortOperation; readonly kind: FaultKind; readonly count: number }>;
  readonly crash: string;
  readonly race: boolean;
  readonly log: number;
}

/** Logs activities and runs worker cycles under faults, crashes and races; then checks exactly-once. */
async function exactlyOnceScenario(rounds: ReadonlyArray<Round>): Promise<void> {
  const f = createBookFixture();
  must(await f.sync());
  // The device's replica: intents survive a worker crash there, as on a real device.
  const deviceDoc = new Y.Doc();
  Y.applyUpdate(deviceDoc, Y.encodeStateAsUpdate(f.doc));
  const device = f.device("phone", deviceDoc);
  const exchange = (a: Y.Doc, b: Y.Doc) => {
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  };
  const intents: string[] = [];
  const crashing = (point: string): { port: SalesforcePort; crashed: () => boolean } => {
    let crashed = false;
    const die = () => {
      crashed = true;
      return Effect.die(new Error(`simulated crash ${point}`));
    };
    const around =
      <I, A, E>(op: string, run: (i: I) => Effect.Effect<A, E>) =>
      (i: I): Effect.Effect<A, E> =>
        Effect.gen(function* () {
          if (point === `before-${op}` && !crashed) return yield* die();
          const a = yield* run(i);
          if (point === `after-${op}` && !crashed) return yield* die();
          return a;
        });
    return {
      port: {
        pullScope: around("pull", f.port.pullScope),
        pullActivities: f.port.pullActivities,
        push: around("push", f.port.push),
        lookup: around("lookup", f.port.lookup),
        usage: f.port.usage,
      },
      crashed: () => crashed,
    };
  };
  for (const r of rounds) {
    for (let i = 0; i < r.log; i++) {
      const res = device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
      if (res.ok) intents.push(res.value.id);
    }
    exchange(deviceDoc, f.doc);
    for (const x of r.faults) f.port.inject(x.op, x.kind, x.count);
    f.clock.advance(1000);
    const c = crashing(r.crash);
    const persistHook = (doc: Y.Doc) =>
      Effect.gen(function* () {
        if (r.crash === "before-persist") return yield* Effect.die(new Error("crash before persist"));
        f.disk = Y.encodeStateAsUpdate(doc);
        if (r.crash === "after-persist") return yield* Effect.die(new Error("crash after persist"));
      });
    if (r.race) {
      // A second worker on another replica, kept in sync with the first as a relay would.
      const other = new Y.Doc();
      Y.applyUpdate(other, Y.encodeStateAsUpdate(f.doc));
      const link = (to: Y.Doc) => (u: Uint8Array, origin: unknown) => {
        if (origin !== "link") Y.applyUpdate(to, u, "link");
      };
      const ab = link(other);
      const ba = link(f.doc);
      f.doc.on("update", ab);
      other.on("update", ba);
      const yieldy = (p: SalesforcePort): SalesforcePort => ({
        pullScope: (x) => Effect.andThen(Effect.yieldNow, p.pullScope(x)),
        pullActivities: (x) => Effect.andThen(Effect.yieldNow, p.pullActivities(x)),
        push: (x) => Effect.andThen(Effect.yieldNow, p.push(x)),
        lookup: (x) => Effect.andThen(Effect.yieldNow, p.lookup(x)),
        usage: p.usage,
      });
      const common = { userId: f.user, now: f.clock.now, random: f.random, retry: { baseMs: 0, times: 3 } };
      await Effect.runPromise(
        Effect.all(
          [
            Effect.exit(runCycle({ ...common, doc: f.doc, port: yieldy(f.port), beforeWrite: persistHookSafe(f) })),
            Effect.exit(runCycle({ ...common, doc: other, port: yieldy(f.port), beforeWrite: () => Effect.void })),
          ],
          { concurrency: 2 },
        ),
      );
      f.doc.off("update", ab);
      other.off("update", ba);
    } else {
      const exit = await f.sync({ port: c.port, beforeWrite: persistHook });
      const died = Exit.isFailure(exit) && (c.crashed() || r.crash.endsWith("persist"));
      if (died) {
        f.crash();
        f.clock.advance(LEASE + 1);
      }
    }
    exchange(deviceDoc, f.doc);
  }
  f.port.clear();
  exchange(deviceDoc, f.doc);
  await quiesce(f, 5);
  const receipts = bookMaps(f.doc).receipts;
  for (const id of intents) {
    const tasks = [...f.org.activities.values()].filter((a) => a.idempotencyKey === idempotencyKeyFor(id));
    expect(tasks).toHaveLength(1);
    expect(receipts.get(id)).toMatchObject({ status: "applied", salesforceId: tasks[0]?.Id });
  }
}
