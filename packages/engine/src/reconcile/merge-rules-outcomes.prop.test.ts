/**
 * Merge rules 4 to 7 of docs/architecture.md, "Merge rules", as properties driven through the
 * real pieces (device API, Yjs replicas, the runner and the fake org): three-way field merges,
 * nothing lost and scope exits, and no echo.
 * `TANDEM_PROP_RUNS` raises the number of runs; `TANDEM_PROP_SEED` replays a failure (fast-check
 * prints the seed and path of every failure).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { exchange, must, propParams, quiesce } from "../../test/merge-rules-harness.js";
import { bookMaps } from "../doc/layout.js";
import { createBookFixture } from "../testing/book-fixture.js";
import { createDocNetwork } from "../testing/network.js";
import { createBookView } from "../views/book-view.js";
import { idempotencyKeyFor } from "./idempotency.js";

const params = propParams(process.env.TANDEM_PROP_RUNS, process.env.TANDEM_PROP_SEED, 15);

describe("merge rules (docs/architecture.md)", () => {
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
