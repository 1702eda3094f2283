import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN } from "../doc/layout.js";
import { createBookFixture } from "../testing/book-fixture.js";
import { createDevice } from "./device.js";

async function syncedFixture() {
  const f = createBookFixture();
  const exit = await f.sync();
  expect(exit._tag).toBe("Success");
  return f;
}

describe("device API validation", () => {
  it("rejects unknown records, wrong fields and bad values with a typed error, writing nothing", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    let updates = 0;
    f.doc.on("update", () => updates++);
    const cases = [
      device.logActivity({ opportunityId: f.ids.othersOpp, contactId: f.ids.ada, type: "call" }),
      device.logActivity({ opportunityId: f.ids.opp, contactId: "003000000000000", type: "call" }),
      device.logActivity({ opportunityId: f.ids.opp, contactId: "nope", type: "call" }),
      device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "fax" as never }),
      device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "note", durationSeconds: 30 }),
      device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call", occurredAt: "yesterday" }),
      device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "OwnerId", value: f.otherUser }),
      device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "CloseDate", value: "2026-02-30" }),
      device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Probability", value: 101 }),
      device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: "lots" }),
      device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "ForecastCategoryName", value: "Maybe" }),
      device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Name", value: "  " }),
      device.editField({ sobject: "Contact", recordId: f.ids.ada, field: "Email", value: "not-an-email" }),
      device.editField({ sobject: "Contact", recordId: f.ids.ada, field: "LastName", value: null }),
      device.editField({ sobject: "Contact", recordId: f.ids.opp, field: "Title", value: "x" }),
      device.editField({ sobject: "Account" as never, recordId: f.ids.account, field: "Name", value: "x" }),
      device.setContactTier({ opportunityId: f.ids.opp, contactId: f.ids.ada, tier: "vip" as never }),
      device.setContactTier({ opportunityId: f.ids.othersOpp, contactId: f.ids.ada, tier: "key" }),
      device.cancel("no-such-intent"),
      device.resolveConflict("no-such-intent", "theirs"),
      device.recordInteraction({ email: "not an email", kind: "email", at: new Date(), source: "gmail" }),
      device.recordInteraction({ email: "a@b.example", kind: "call" as never, at: new Date(), source: "gmail" }),
      device.recordInteraction({ email: "a@b.example", kind: "email", at: "never", source: "gmail" }),
    ];
    const codes = cases.map((c) => (c.ok ? "ok" : c.error.code));
    expect(codes).toEqual([
      "unknown-record",
      "unknown-record",
      "invalid-value",
      "invalid-value",
      "invalid-value",
      "invalid-value",
      "unknown-field",
      "invalid-value",
      "invalid-value",
      "invalid-value",
      "invalid-value",
      "invalid-value",
      "invalid-value",
      "invalid-value",
      "unknown-record",
      "unknown-field",
      "invalid-value",
      "unknown-record",
      "unknown-intent",
      "unknown-intent",
      "invalid-value",
      "invalid-value",
      "invalid-value",
    ]);
    for (const c of cases) if (!c.ok) expect(c.error._tag).toBe("DeviceInputError");
    expect(updates).toBe(0);
    expect(bookMaps(f.doc).intents.size).toBe(0);
  });

  it("refuses an occurredAt later than the clock skew ahead of now (5 minutes, or the device's own)", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    const now = f.clock.now().getTime();
    const log = (occurredAt: Date) =>
      device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call", occurredAt });
    const future = log(new Date(now + 7 * 86_400_000));
    expect(future.ok ? "ok" : [future.error.code, future.error.field]).toEqual(["invalid-value", "occurredAt"]);
    expect(bookMaps(f.doc).intents.size).toBe(0);
    // A clock a little ahead of the worker's is fine: within the skew.
    expect(log(new Date(now + 4 * 60_000)).ok).toBe(true);
    expect(log(new Date(now - 86_400_000)).ok).toBe(true);
    const strict = createDevice(f.doc, { deviceId: "tablet", now: f.clock.now, random: () => 0.5, clockSkewMs: 0 });
    const r = strict.logActivity({
      opportunityId: f.ids.opp,
      contactId: f.ids.ada,
      type: "call",
      occurredAt: new Date(now + 1000),
    });
    expect(r.ok).toBe(false);
    strict.dispose();
  });

  it("writes one intent with the device as origin, a UUIDv7 id and increasing HLCs", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    const origins: unknown[] = [];
    f.doc.on("update", (_u: Uint8Array, origin: unknown) => origins.push(origin));
    const a = device.logActivity({
      opportunityId: f.ids.opp,
      contactId: f.ids.bob,
      type: "meeting",
      description: "Demo",
    });
    const b = device.editField({ sobject: "Contact", recordId: f.ids.bob, field: "Title", value: "CTO" });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(origins).toEqual(["phone", "phone"]);
    expect(a.value.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(a.value.activity).toMatchObject({
      type: "meeting",
      subject: "Meeting with Bob Babbage",
      description: "Demo",
    });
    expect(b.value.hlc > a.value.hlc).toBe(true);
    expect(b.value).toMatchObject({ kind: "editField", base: null, value: "CTO", device: "phone" });
  });

  it("takes as base the value the device shows now, including its pending edit", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    const first = device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 60_000 });
    const second = device.editField({ sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 70_000 });
    expect(first.ok && first.value.base).toBe(50_000);
    expect(second.ok && second.value.base).toBe(60_000);
  });

  it("cancels only what nothing has sent, once", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    const log = device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!log.ok) throw log.error;
    const cancel = device.cancel(log.value.id);
    expect(cancel.ok).toBe(true);
    const again = device.cancel(log.value.id);
    expect(!again.ok && again.error.code).toBe("not-cancellable");
    if (cancel.ok) expect(!device.cancel(cancel.value.id).ok).toBe(true);
    const log2 = device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" });
    if (!log2.ok) throw log2.error;
    bookMaps(f.doc).receipts.set(log2.value.id, {
      intentId: log2.value.id,
      status: "sending",
      attempts: 1,
      updatedAt: f.clock.now().toISOString(),
    });
    const late = device.cancel(log2.value.id);
    expect(!late.ok && late.error.code).toBe("not-cancellable");
  });

  it("refuses to write to a book from a newer engine", () => {
    const doc = new Y.Doc();
    doc.transact(() => bookMaps(doc).meta.set("schemaVersion", 2), SALESFORCE_ORIGIN);
    const device = createDevice(doc, { deviceId: "d", now: () => new Date(0), random: () => 0.5 });
    const r = device.setContactTier({
      opportunityId: "006000000000001AAA",
      contactId: "003000000000001AAA",
      tier: "key",
    });
    expect(!r.ok && r.error.code).toBe("book-too-new");
    expect(() => createDevice(doc, { deviceId: SALESFORCE_ORIGIN, now: () => new Date(0), random: () => 0 })).toThrow();
  });

  it("records interactions as given, with the address trimmed", async () => {
    const f = await syncedFixture();
    const r = f.device("laptop").recordInteraction({
      email: "  ADA@acme.example ",
      kind: "meeting",
      at: "2026-01-04T10:00:00Z",
      source: "calendar",
    });
    expect(r.ok && r.value).toMatchObject({
      email: "ADA@acme.example",
      kind: "meeting",
      at: "2026-01-04T10:00:00.000Z",
      source: "calendar",
    });
    expect(bookMaps(f.doc).interactions.size).toBe(1);
    expect(bookMaps(f.doc).intents.size).toBe(0);
  });
});

describe("device API beside other writers", () => {
  it("regression (runner-trust prop, a raw null intent): a device does not throw when another writer puts garbage in intents", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    const other = new Y.Doc();
    const m = bookMaps(other);
    other.transact(() => {
      (m.intents as unknown as Y.Map<unknown>).set("a", null);
      (m.intents as unknown as Y.Map<unknown>).set("b", { hlc: 7 });
    }, "other");
    expect(() => Y.applyUpdate(f.doc, Y.encodeStateAsUpdate(other), "remote")).not.toThrow();
    expect(() => f.device("tablet")).not.toThrow();
    expect(device.logActivity({ opportunityId: f.ids.opp, contactId: f.ids.ada, type: "call" }).ok).toBe(true);
  });
});
