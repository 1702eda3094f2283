import { describe, expect, it } from "vitest";
import { bookMaps } from "../doc/layout.js";
import { createBookFixture } from "../testing/book-fixture.js";

async function syncedFixture() {
  const f = createBookFixture();
  const exit = await f.sync();
  expect(exit._tag).toBe("Success");
  return f;
}

describe("device.editFields: a form's edits, all or nothing", () => {
  it("bug 2 (issue 25): one bad value writes none of the edits and reports every field's error", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    let updates = 0;
    f.doc.on("update", () => updates++);
    const r = device.editFields([
      { sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: -5000 },
      { sobject: "Opportunity", recordId: f.ids.opp, field: "Probability", value: 150 },
      { sobject: "Opportunity", recordId: f.ids.opp, field: "CloseDate", value: "2026-02-30" },
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.index, e.field, e.error.code])).toEqual([
      [1, "Probability", "invalid-value"],
      [2, "CloseDate", "invalid-value"],
    ]);
    expect(updates).toBe(0);
    expect(bookMaps(f.doc).intents.size).toBe(0);
  });

  it("writes every valid edit in one transaction, with the device as origin and increasing HLCs", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    const origins: unknown[] = [];
    f.doc.on("update", (_u: Uint8Array, origin: unknown) => origins.push(origin));
    const r = device.editFields([
      { sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 60_000 },
      { sobject: "Opportunity", recordId: f.ids.opp, field: "Probability", value: 40 },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(origins).toEqual(["phone"]);
    const [amount, probability] = r.value;
    expect(amount).toMatchObject({ kind: "editField", field: "Amount", value: 60_000, base: 50_000, device: "phone" });
    expect(probability).toMatchObject({ kind: "editField", field: "Probability", value: 40 });
    expect((probability?.hlc ?? "") > (amount?.hlc ?? "")).toBe(true);
    expect(bookMaps(f.doc).intents.size).toBe(2);
  });

  it("rejects the same field twice in one form, and an empty form writes nothing", async () => {
    const f = await syncedFixture();
    const device = f.device("phone");
    const twice = device.editFields([
      { sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 1 },
      { sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 2 },
    ]);
    expect(!twice.ok && twice.errors.map((e) => [e.index, e.error.code])).toEqual([[1, "invalid-value"]]);
    const empty = device.editFields([]);
    expect(empty.ok && empty.value).toEqual([]);
    expect(bookMaps(f.doc).intents.size).toBe(0);
  });

  it("reports unknown records and fields per edit, naming the edit's field", async () => {
    const f = await syncedFixture();
    const r = f.device("phone").editFields([
      { sobject: "Opportunity", recordId: f.ids.opp, field: "OwnerId", value: f.otherUser },
      { sobject: "Contact", recordId: f.ids.opp, field: "Title", value: "x" },
      { sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 1 },
    ]);
    expect(!r.ok && r.errors.map((e) => [e.index, e.field, e.error.code])).toEqual([
      [0, "OwnerId", "unknown-field"],
      [1, "Title", "unknown-record"],
    ]);
    expect(bookMaps(f.doc).intents.size).toBe(0);
  });

  it("syncs a form's edits to Salesforce together", async () => {
    const f = await syncedFixture();
    const r = f.device("phone").editFields([
      { sobject: "Opportunity", recordId: f.ids.opp, field: "Amount", value: 61_000 },
      { sobject: "Opportunity", recordId: f.ids.opp, field: "StageName", value: "Negotiation/Review" },
    ]);
    expect(r.ok).toBe(true);
    expect((await f.sync())._tag).toBe("Success");
    const receipts = bookMaps(f.doc).receipts;
    if (r.ok) for (const i of r.value) expect(receipts.get(i.id)?.status).toBe("applied");
  });

  it("knows its own device id", async () => {
    const f = await syncedFixture();
    expect(f.device("phone").deviceId).toBe("phone");
  });
});
