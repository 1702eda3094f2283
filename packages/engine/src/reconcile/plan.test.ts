import { Exit } from "effect";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps } from "../doc/layout.js";
import { uuidv7 } from "../model/uuid.js";
import { createBookFixture } from "../testing/book-fixture.js";
import { applyPlan } from "./apply.js";
import { idempotencyKeyFor } from "./idempotency.js";
import { isEmptyPlan, plan } from "./plan.js";
import { readBookState } from "./state.js";

async function synced() {
  const f = createBookFixture();
  expect(Exit.isSuccess(await f.sync())).toBe(true);
  return f;
}

describe("plan", () => {
  it("derives the idempotency key from the intent id only", () => {
    expect(idempotencyKeyFor("abc")).toBe(idempotencyKeyFor("abc"));
    expect(idempotencyKeyFor("abc")).not.toBe(idempotencyKeyFor("abd"));
  });

  it("writes a logged activity as one completed Task with its key, and marks it sending", async () => {
    const f = await synced();
    const log = f.device("p").logActivity({
      opportunityId: f.ids.opp,
      contactId: f.ids.ada,
      type: "call",
      description: "Pricing",
      durationSeconds: 90,
      occurredAt: "2026-01-04T15:00:00Z",
    });
    if (!log.ok) throw log.error;
    const p = plan(readBookState(f.doc), {}, f.clock.now());
    expect(p.writes).toEqual([
      {
        kind: "createTask",
        intentId: log.value.id,
        key: idempotencyKeyFor(log.value.id),
        fields: {
          WhoId: f.ids.ada,
          WhatId: f.ids.opp,
          Subject: "Call with Ada Lovelace",
          Description: "Pricing",
          ActivityDate: "2026-01-04",
          Status: "Completed",
          TaskSubtype: "Call",
          CallType: "Outbound",
          CallDurationInSeconds: 90,
        },
      },
    ]);
    expect(p.receipts).toEqual([
      { intentId: log.value.id, status: "sending", attempts: 1, updatedAt: f.clock.now().toISOString() },
    ]);
  });

  it("three-way: theirs = mine is applied without a write; theirs = base writes; anything else is a conflict", async () => {
    const f = await synced();
    const d = f.device("p");
    const same = d.editField({
      sobject: "Opportunity",
      recordId: f.ids.opp2,
      field: "StageName",
      value: "Qualification",
    });
    const write = d.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 1 });
    const clash = d.editField({ sobject: "Contact", recordId: f.ids.bob, field: "Title", value: "CTO" });
    if (!same.ok || !write.ok || !clash.ok) throw new Error("setup");
    const bob = bookMaps(f.doc).contacts.get(f.ids.bob);
    if (bob === undefined) throw new Error("setup");
    bookMaps(f.doc).contacts.set(f.ids.bob, { ...bob, Title: "CFO" });
    const p = plan(readBookState(f.doc), {}, f.clock.now());
    const status = Object.fromEntries(p.receipts.map((r) => [r.intentId, r]));
    expect(status[same.value.id]).toMatchObject({ status: "applied", salesforceId: f.ids.opp2 });
    expect(status[write.value.id]?.status).toBe("sending");
    expect(p.writes).toEqual([
      {
        kind: "updateField",
        intentId: write.value.id,
        sobject: "Opportunity",
        recordId: f.ids.opp,
        field: "Amount",
        base: 50_000,
        value: 1,
      },
    ]);
    expect(status[clash.value.id]).toMatchObject({
      status: "conflict",
      conflict: { base: null, mine: "CTO", theirs: "CFO" },
    });
  });

  it("regression (rule 4): a stale offline edit after my other device's applied edit supersedes it, no conflict", async () => {
    const f = await synced();
    const d0 = new Y.Doc();
    Y.applyUpdate(d0, Y.encodeStateAsUpdate(f.doc));
    const first = f.device("d1").editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 1 });
    f.clock.advance(1000);
    const stale = f
      .device("d0", d0)
      .editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 2 });
    if (!first.ok || !stale.ok) throw new Error("setup");
    expect(stale.value.base).toBe(50_000);
    f.clock.advance(1000);
    expect(Exit.isSuccess(await f.sync())).toBe(true);
    Y.applyUpdate(f.doc, Y.encodeStateAsUpdate(d0));
    f.clock.advance(1000);
    expect(Exit.isSuccess(await f.sync())).toBe(true);
    const receipts = bookMaps(f.doc).receipts;
    expect(receipts.get(first.value.id)?.status).toBe("applied");
    expect(receipts.get(stale.value.id)?.status).toBe("applied");
    expect(f.org.opportunities.get(f.ids.opp)?.Amount).toBe(2);
  });

  it("same-user edits of one field: the latest pending by HLC supersedes the earlier ones", async () => {
    const f = await synced();
    const a = f
      .device("a")
      .editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "StageName", value: "Qualification" });
    f.clock.advance(10);
    const b = f
      .device("b")
      .editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "StageName", value: "Needs Analysis" });
    if (!a.ok || !b.ok) throw new Error("setup");
    const p = plan(readBookState(f.doc), {}, f.clock.now());
    const status = Object.fromEntries(p.receipts.map((r) => [r.intentId, r.status]));
    expect(status).toEqual({ [a.value.id]: "superseded", [b.value.id]: "sending" });
    expect(p.writes.map((w) => w.intentId)).toEqual([b.value.id]);
  });

  it("a cancel is honoured only if nothing was sent", async () => {
    const f = await synced();
    const d = f.device("p");
    const early = d.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "note" });
    if (!early.ok) throw early.error;
    const cancel = d.cancel(early.value.id);
    if (!cancel.ok) throw cancel.error;
    let p = plan(readBookState(f.doc), {}, f.clock.now());
    expect(p.writes).toEqual([]);
    expect(Object.fromEntries(p.receipts.map((r) => [r.intentId, r.status]))).toEqual({
      [early.value.id]: "cancelled",
      [cancel.value.id]: "applied",
    });
    const late = d.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "note" });
    if (!late.ok) throw late.error;
    p = plan(readBookState(f.doc), {}, f.clock.now());
    applyPlan(f.doc, p);
    // Another replica cancels it without having seen the sending receipt.
    const lateCancelId = uuidv7(f.clock.now().getTime(), new Uint8Array(10).fill(7));
    const lateCancel = { ...cancel.value, id: lateCancelId, hlc: `${cancel.value.hlc}z`, intentId: late.value.id };
    bookMaps(f.doc).intents.set(lateCancel.id, lateCancel);
    p = plan(readBookState(f.doc), {}, f.clock.now());
    expect(p.receipts.find((r) => r.intentId === lateCancelId)).toMatchObject({
      status: "failed",
      error: { code: "TOO_LATE" },
    });
    expect(p.receipts.find((r) => r.intentId === late.value.id)).toBeUndefined();
  });

  it("an unchanged state plans nothing", async () => {
    const f = await synced();
    expect(isEmptyPlan(plan(readBookState(f.doc), {}, f.clock.now()))).toBe(true);
  });
});

describe("plan: scope", () => {
  it("a contact that moved to an account outside the book leaves it", async () => {
    const f = await synced();
    f.org.updateRecord("Contact", f.ids.bob, { AccountId: f.ids.otherAccount });
    f.clock.advance(1000);
    expect(Exit.isSuccess(await f.sync())).toBe(true);
    expect(bookMaps(f.doc).contacts.has(f.ids.bob)).toBe(false);
    expect(bookMaps(f.doc).contacts.has(f.ids.ada)).toBe(true);
  });

  it("a newly owned opportunity brings its account and every contact there (cascade)", async () => {
    const f = await synced();
    const globexContact = f.org.createContact({
      AccountId: f.ids.otherAccount,
      LastName: "Gee",
      Email: "gee@globex.example",
    });
    f.org.updateRecord("Opportunity", f.ids.othersOpp, { OwnerId: f.user });
    f.clock.advance(1000);
    expect(Exit.isSuccess(await f.sync())).toBe(true);
    const maps = bookMaps(f.doc);
    expect(maps.opportunities.has(f.ids.othersOpp)).toBe(true);
    expect(maps.accounts.get(f.ids.otherAccount)?.Name).toBe("Globex");
    expect(maps.contacts.has(globexContact)).toBe(true);
  });
});

describe("plan: defensive scope rules", () => {
  it("drops a pulled contact whose account is outside the book even if the port did not report it removed", async () => {
    const f = await synced();
    const bob = bookMaps(f.doc).contacts.get(f.ids.bob);
    if (bob === undefined) throw new Error("setup");
    const p = plan(
      readBookState(f.doc),
      {
        scope: {
          opportunities: [],
          accounts: [],
          contacts: [{ ...bob, AccountId: f.ids.otherAccount }],
          contactRoles: [],
          removed: { opportunityIds: [], accountIds: [], contactIds: [], contactRoleIds: [] },
          watermarks: {},
          full: false,
        },
      },
      f.clock.now(),
      { userId: f.user },
    );
    expect(p.upserts).toEqual([]);
    expect(p.deletes).toEqual([{ map: "contacts", id: f.ids.bob }]);
  });

  it("treats a pulled opportunity that closed or changed owner as a scope exit, with its account and contacts", async () => {
    const f = await synced();
    const maps = bookMaps(f.doc);
    const o1 = maps.opportunities.get(f.ids.opp);
    const o2 = maps.opportunities.get(f.ids.opp2);
    if (o1 === undefined || o2 === undefined) throw new Error("setup");
    const p = plan(
      readBookState(f.doc),
      {
        scope: {
          opportunities: [
            { ...o1, IsClosed: true, StageName: "Closed Won" },
            { ...o2, OwnerId: f.otherUser },
          ],
          accounts: [],
          contacts: [],
          contactRoles: [],
          removed: { opportunityIds: [], accountIds: [], contactIds: [], contactRoleIds: [] },
          watermarks: {},
          full: false,
        },
      },
      f.clock.now(),
      { userId: f.user },
    );
    const deleted = p.deletes.map((d) => `${d.map}:${d.id}`).sort();
    expect(deleted).toEqual(
      [
        `opportunities:${f.ids.opp}`,
        `opportunities:${f.ids.opp2}`,
        `accounts:${f.ids.account}`,
        `contacts:${f.ids.ada}`,
        `contacts:${f.ids.bob}`,
        `contacts:${f.ids.cyd}`,
        `contactRoles:${f.ids.role}`,
      ].sort(),
    );
  });
});
