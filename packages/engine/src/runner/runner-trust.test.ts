/**
 * The worker trusts nothing in the document (issue 18), through the runner and the fake port:
 * malformed, unknown or mismatched intents end `failed` with a readable code and are never
 * sent; edits outside the allow-list or with a wrong value are refused by the planner whatever
 * the device checked; damaged meta, receipts, mirror records and interactions are restored or
 * ignored, and no document content makes a cycle fail. Each test is one report of the issue.
 */
import { Cause, Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { bookMaps } from "../doc/layout.js";
import { uuidv7 } from "../model/uuid.js";
import type { SalesforcePort, SalesforceWrite } from "../port/salesforce-port.js";
import { IDEMPOTENCY_PREFIX } from "../reconcile/idempotency.js";
import { type BookFixture, createBookFixture } from "../testing/book-fixture.js";

const EVIL = "evil-device";

const ok = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value;
  throw new Error(`cycle failed: ${String(exit.cause)}`);
};

/** Writes `value` at `map[key]` as a device would (no checks). */
function write(f: BookFixture, map: keyof ReturnType<typeof bookMaps>, key: string, value: unknown): void {
  f.doc.transact(() => (bookMaps(f.doc)[map] as unknown as { set(k: string, v: unknown): void }).set(key, value), EVIL);
}

/** A port that records every write pushed. */
function recording(f: BookFixture): { port: SalesforcePort; pushed: SalesforceWrite[] } {
  const pushed: SalesforceWrite[] = [];
  return {
    pushed,
    port: {
      ...f.port,
      push: (writes) => {
        pushed.push(...writes);
        return f.port.push(writes);
      },
    },
  };
}

let n = 0;
const freshId = (f: BookFixture) => uuidv7(f.clock.now().getTime(), new Uint8Array(10).fill(++n % 256));

/** A valid logActivity value (as the device API writes it), not yet in the doc. */
function logValue(f: BookFixture, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = freshId(f);
  return {
    id,
    kind: "logActivity",
    at: f.clock.now().toISOString(),
    hlc: `${f.clock.now().getTime().toString(36).padStart(11, "0")}-0000-${EVIL}`,
    device: EVIL,
    opportunityId: f.ids.opp,
    contactId: f.ids.ada,
    activity: { type: "call", subject: `Call ${id}`, occurredAt: f.clock.now().toISOString() },
    ...overrides,
  };
}

function editValue(f: BookFixture, fields: Record<string, unknown>): Record<string, unknown> {
  const { activity: _a, opportunityId: _o, contactId: _c, ...common } = logValue(f);
  return { ...common, kind: "editField", sobject: "Opportunity", recordId: f.ids.opp, base: null, ...fields };
}

const receipt = (f: BookFixture, key: string) => bookMaps(f.doc).receipts.get(key);
const tasksWithKey = (f: BookFixture, id: string) =>
  [...f.org.activities.values()].filter((a) => a.idempotencyKey === `${IDEMPOTENCY_PREFIX}${id}`);

async function synced(): Promise<BookFixture> {
  const f = createBookFixture();
  ok(await f.sync());
  return f;
}

describe("worker trust: intents", () => {
  it("a logActivity without `activity` ends failed INVALID_INTENT, and the cycle and other intents go on", async () => {
    const f = await synced();
    const { activity: _, ...broken } = logValue(f);
    write(f, "intents", broken.id as string, broken);
    const good = f.device("phone").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!good.ok) throw good.error;
    const { port, pushed } = recording(f);
    ok(await f.sync({ port }));
    expect(receipt(f, broken.id as string)).toMatchObject({
      status: "failed",
      error: { code: "INVALID_INTENT", message: expect.stringContaining("activity is missing") },
    });
    expect(pushed.map((w) => w.intentId)).toEqual([good.value.id]);
    expect(receipt(f, good.value.id)?.status).toBe("applied");
    expect(bookMaps(f.doc).meta.get("sync")).toMatchObject({ state: "idle", lastError: null });
  });

  it.each([
    ["null", null, "the value is null"],
    ["a number", 42, "not an object"],
    ["an array", [1, 2], "not an object"],
    ["an unknown kind", { kind: "deleteEverything" }, "kind is missing"],
  ])("an intent value that is %s ends failed INVALID_INTENT", async (_name, value, problem) => {
    const f = await synced();
    const key = freshId(f);
    write(f, "intents", key, value);
    ok(await f.sync());
    expect(receipt(f, key)).toMatchObject({
      intentId: key,
      status: "failed",
      error: { code: "INVALID_INTENT", message: expect.stringContaining(problem) },
    });
  });

  it.each([
    ["a contact id that is not an id", { contactId: "not-a-salesforce-id" }, "contactId"],
    ["a contact id of another object", { contactId: "006000000000001AAA" }, "contactId is not a Contact id"],
    [
      "an unknown activity type",
      { activity: { type: "fax", occurredAt: "2026-01-05T12:00:00.000Z" } },
      "activity.type",
    ],
    ["an id that is not a UUIDv7", { id: "intent-1" }, "id is not a UUIDv7"],
    ["the worker's origin as device", { device: "salesforce" }, "device"],
    [
      "a 40-hour call",
      { activity: { type: "call", durationSeconds: 144_000, occurredAt: "2026-01-05T12:00:00.000Z" } },
      "durationSeconds",
    ],
  ])("an intent with %s ends failed INVALID_INTENT naming what was wrong", async (_name, overrides, problem) => {
    const f = await synced();
    const value = logValue(f, overrides);
    const key = value.id as string;
    write(f, "intents", key, value);
    const { port, pushed } = recording(f);
    ok(await f.sync({ port }));
    expect(pushed).toEqual([]);
    expect(receipt(f, key)).toMatchObject({
      status: "failed",
      error: { code: "INVALID_INTENT", message: expect.stringContaining(problem) },
    });
  });

  it("a logged activity dated beyond the clock skew ends INVALID_INTENT; one within it is written", async () => {
    const f = await synced();
    const at = (ms: number) => new Date(f.clock.now().getTime() + ms).toISOString();
    const future = logValue(f, { activity: { type: "note", occurredAt: at(6 * 60_000) } });
    const skewed = logValue(f, { activity: { type: "note", occurredAt: at(4 * 60_000) } });
    write(f, "intents", future.id as string, future);
    write(f, "intents", skewed.id as string, skewed);
    ok(await f.sync());
    expect(receipt(f, future.id as string)).toMatchObject({
      status: "failed",
      error: { code: "INVALID_INTENT", message: expect.stringContaining("in the future") },
    });
    expect(receipt(f, skewed.id as string)?.status).toBe("applied");
    expect(tasksWithKey(f, future.id as string)).toHaveLength(0);
  });

  it("a receipt message never repeats a long device string", async () => {
    const f = await synced();
    const long = "x".repeat(10_000);
    const a = logValue(f, { activity: { type: long, occurredAt: f.clock.now().toISOString() } });
    const b = editValue(f, { field: `Owner${long}`, value: 1 });
    write(f, "intents", a.id as string, a);
    write(f, "intents", b.id as string, b);
    ok(await f.sync());
    for (const key of [a.id, b.id] as string[]) {
      const message = receipt(f, key)?.error?.message ?? "";
      expect(message.length).toBeGreaterThan(0);
      expect(message.length).toBeLessThan(200);
      expect(message).not.toContain("x".repeat(41));
    }
  });

  it("one intent stored under three map keys becomes at most one Task; the other keys end INVALID_INTENT", async () => {
    const f = await synced();
    const logged = f.device("phone").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!logged.ok) throw logged.error;
    const copies = [freshId(f), freshId(f)];
    for (const key of copies) write(f, "intents", key, logged.value);
    ok(await f.sync());
    f.clock.advance(61_000);
    ok(await f.sync());
    expect(tasksWithKey(f, logged.value.id)).toHaveLength(1);
    expect([...f.org.activities.values()].filter((t) => t.Subject === logged.value.activity.subject)).toHaveLength(1);
    expect(receipt(f, logged.value.id)?.status).toBe("applied");
    for (const key of copies) {
      expect(receipt(f, key)).toMatchObject({
        status: "failed",
        error: { code: "INVALID_INTENT", message: expect.stringContaining("key") },
      });
    }
  });
});

describe("worker trust: editField allow-list", () => {
  it.each([
    ["Opportunity", "OwnerId", "005000000000009AAA", "FIELD_NOT_EDITABLE"],
    ["Opportunity", "IsClosed", true, "FIELD_NOT_EDITABLE"],
    ["Opportunity", "Id", "006000000000009AAA", "FIELD_NOT_EDITABLE"],
    ["Opportunity", "SystemModstamp", "2026-01-01T00:00:00.000Z", "FIELD_NOT_EDITABLE"],
    ["Opportunity", "__proto__", 1, "FIELD_NOT_EDITABLE"],
    ["Contact", "AccountId", null, "FIELD_NOT_EDITABLE"],
    ["Contact", "OwnerId", "005000000000009AAA", "FIELD_NOT_EDITABLE"],
    ["Opportunity", "Amount", "a lot", "INVALID_VALUE"],
    ["Opportunity", "Amount", 1e20, "INVALID_VALUE"],
    ["Opportunity", "Probability", 250, "INVALID_VALUE"],
    ["Opportunity", "CloseDate", "2026-02-30", "INVALID_VALUE"],
    ["Opportunity", "Name", "n".repeat(121), "INVALID_VALUE"],
    ["Contact", "Email", { not: "text" }, "INVALID_VALUE"],
  ])("an edit of %s.%s to %j is refused with %s and never sent", async (sobject, field, value, code) => {
    const f = await synced();
    const recordId = sobject === "Opportunity" ? f.ids.opp : f.ids.ada;
    const edit = editValue(f, { sobject, recordId, field, value });
    write(f, "intents", edit.id as string, edit);
    const before = JSON.stringify(
      sobject === "Opportunity" ? f.org.opportunities.get(f.ids.opp) : f.org.contacts.get(f.ids.ada),
    );
    const { port, pushed } = recording(f);
    ok(await f.sync({ port }));
    expect(pushed).toEqual([]);
    expect(receipt(f, edit.id as string)).toMatchObject({ status: "failed", error: { code } });
    const after = JSON.stringify(
      sobject === "Opportunity" ? f.org.opportunities.get(f.ids.opp) : f.org.contacts.get(f.ids.ada),
    );
    expect(after).toBe(before);
  });

  it("an edit on the allow-list with a good value is written", async () => {
    const f = await synced();
    const edit = editValue(f, { field: "Amount", value: 75_000, base: 50_000 });
    write(f, "intents", edit.id as string, edit);
    ok(await f.sync());
    expect(receipt(f, edit.id as string)?.status).toBe("applied");
    expect(f.org.opportunities.get(f.ids.opp)?.Amount).toBe(75_000);
  });
});

describe("worker trust: meta, receipts, mirror", () => {
  it("meta.schemaVersion 2 fails the cycle with SCHEMA_TOO_NEW in meta.sync, pulls nothing and writes no mirror", async () => {
    const f = await synced();
    write(f, "meta", "schemaVersion", 2);
    f.org.updateRecord("Opportunity", f.ids.opp, { Description: "changed in Salesforce" });
    const calls = f.org.apiCalls;
    const exit = await f.sync();
    expect(Exit.isFailure(exit)).toBe(true);
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : null;
    expect((error as { _tag?: string })._tag).toBe("BookVersionTooNewError");
    expect(f.org.apiCalls).toBe(calls);
    expect(bookMaps(f.doc).opportunities.get(f.ids.opp)?.Description).not.toBe("changed in Salesforce");
    expect(bookMaps(f.doc).meta.get("sync")).toMatchObject({
      state: "error",
      lastError: { code: "SCHEMA_TOO_NEW", message: expect.stringContaining("v2") },
    });
    expect(bookMaps(f.doc).meta.get("schemaVersion")).toBe(2);
  });

  it.each([
    ["garbage", "two"],
    ["a fraction", 1.5],
    ["negative", -1],
    ["an object", { v: 1 }],
    ["missing", undefined],
  ])("meta.schemaVersion %s is restored and sync continues", async (_name, value) => {
    const f = await synced();
    if (value === undefined) f.doc.transact(() => bookMaps(f.doc).meta.delete("schemaVersion"), EVIL);
    else write(f, "meta", "schemaVersion", value);
    const log = f.device("phone", undefined);
    ok(await f.sync());
    expect(bookMaps(f.doc).meta.get("schemaVersion")).toBe(1);
    const logged = log.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!logged.ok) throw logged.error;
    ok(await f.sync());
    expect(receipt(f, logged.value.id)?.status).toBe("applied");
  });

  it("orgId and userId are rewritten; malformed watermarks and sync are reset (a full pull follows)", async () => {
    const f = await synced();
    write(f, "meta", "orgId", "00Dattacker");
    write(f, "meta", "userId", null);
    write(f, "meta", "watermarks", { Opportunity: "not a date", Contact: 7 });
    write(f, "meta", "sync", "idle");
    bookMaps(f.doc).opportunities.delete(f.ids.opp2); // lost: only a full pull brings it back
    ok(await f.sync());
    const meta = bookMaps(f.doc).meta;
    expect(meta.get("orgId")).toBe("00D000000000001AAA");
    expect(meta.get("userId")).toBe(f.user);
    expect(meta.get("sync")).toMatchObject({ state: "idle", lastError: null });
    const marks = Object.entries(meta.get("watermarks") as Record<string, unknown>);
    expect(marks.map(([k]) => k)).toContain("Opportunity");
    for (const [, v] of marks) expect(typeof v === "string" && !Number.isNaN(Date.parse(v))).toBe(true);
    expect(bookMaps(f.doc).opportunities.has(f.ids.opp2)).toBe(true);
  });

  it("a watermark in the future is reset, so Salesforce changes reach the book again", async () => {
    const f = await synced();
    write(f, "meta", "watermarks", { Opportunity: "9999-12-31T00:00:00.000Z" });
    f.org.advance(1000);
    f.org.updateRecord("Opportunity", f.ids.opp, { Description: "after the forged watermark" });
    ok(await f.sync());
    expect(bookMaps(f.doc).opportunities.get(f.ids.opp)?.Description).toBe("after the forged watermark");
  });

  it("a damaged receipt of an applied activity is looked up, not written again", async () => {
    const f = await synced();
    const logged = f.device("phone").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!logged.ok) throw logged.error;
    ok(await f.sync());
    const taskId = receipt(f, logged.value.id)?.salesforceId;
    expect(taskId).toBeDefined();
    for (const garbage of [null, { status: "pending" }, "applied"]) {
      write(f, "receipts", logged.value.id, garbage);
      f.clock.advance(1000);
      const report = ok(await f.sync());
      expect(report.foundByLookup).toBe(1);
      expect(receipt(f, logged.value.id)).toMatchObject({ status: "applied", salesforceId: taskId });
    }
    expect(tasksWithKey(f, logged.value.id)).toHaveLength(1);
  });

  it("damaged mirror records and interactions do not stop the cycle; the records are pulled again", async () => {
    const f = await synced();
    write(f, "opportunities", f.ids.opp, null);
    write(f, "contacts", f.ids.ada, { Id: f.ids.ada });
    write(f, "contactRoles", "junk", [1, 2, 3]);
    write(f, "activities", "junk", { Id: "other" });
    write(f, "interactions", freshId(f), null);
    write(f, "interactions", freshId(f), { email: 5 });
    ok(await f.sync());
    const maps = bookMaps(f.doc);
    expect(maps.opportunities.get(f.ids.opp)?.Name).toBe("Acme renewal");
    expect(maps.contacts.get(f.ids.ada)?.LastName).toBe("Lovelace");
    expect(maps.contactRoles.has("junk")).toBe(false);
    expect(maps.activities.has("junk")).toBe(false);
    const logged = f.device("phone").logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!logged.ok) throw logged.error;
    ok(await f.sync());
    expect(receipt(f, logged.value.id)?.status).toBe("applied");
  });

  it("a defect in a cycle is a typed CycleDefect recorded in meta.sync, never a throw", async () => {
    const f = await synced();
    const port: SalesforcePort = {
      ...f.port,
      pullScope: () =>
        Effect.sync(() => {
          throw new TypeError("boom with device text");
        }),
    };
    const exit = await f.sync({ port });
    expect(Exit.isFailure(exit)).toBe(true);
    expect(Exit.isFailure(exit) ? Cause.squash(exit.cause) : null).toMatchObject({ _tag: "CycleDefect" });
    const sync = bookMaps(f.doc).meta.get("sync") as { state: string; lastError: { code: string; message: string } };
    expect(sync.state).toBe("error");
    expect(sync.lastError.code).toBe("INTERNAL");
    expect(sync.lastError.message).not.toContain("device text");
  });
});
