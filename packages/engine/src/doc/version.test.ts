import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bookMaps, SALESFORCE_ORIGIN, SCHEMA_VERSION } from "./layout.js";
import { checkBookVersion, openBook, validateBook } from "./version.js";

describe("document protocol versioning", () => {
  it("migrates an unversioned doc forward in one transaction, keeping its records", () => {
    const doc = new Y.Doc();
    const m = bookMaps(doc);
    m.accounts.set("001000000000001AAA", { Id: "001000000000001AAA", Name: "Acme" } as never);
    let transactions = 0;
    doc.on("afterTransaction", () => transactions++);
    const r = openBook(doc, { orgId: "00D000000000001AAA", userId: "005000000000001AAA" });
    expect(r).toEqual({ ok: true, version: SCHEMA_VERSION, migratedFrom: 0, repaired: [] });
    expect(transactions).toBe(1);
    expect(m.meta.get("schemaVersion")).toBe(1);
    expect(m.meta.get("sync")).toMatchObject({ state: "idle" });
    expect(m.accounts.size).toBe(1);
    // Opening a current doc writes nothing.
    let updates = 0;
    doc.on("update", () => updates++);
    expect(openBook(doc, { orgId: "00D000000000001AAA", userId: "005000000000001AAA" })).toEqual({
      ok: true,
      version: 1,
      migratedFrom: null,
      repaired: [],
    });
    expect(updates).toBe(0);
  });

  it("refuses a newer doc with a clear typed error and writes nothing", () => {
    const doc = new Y.Doc();
    doc.transact(() => bookMaps(doc).meta.set("schemaVersion", 7), SALESFORCE_ORIGIN);
    let updates = 0;
    doc.on("update", () => updates++);
    const r = openBook(doc);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error._tag).toBe("BookVersionTooNewError");
    expect(r.error.message).toContain("v7");
    expect(updates).toBe(0);
    doc.transact(() => bookMaps(doc).meta.set("schemaVersion", "one"), SALESFORCE_ORIGIN);
    expect(checkBookVersion(doc)?._tag).toBe("InvalidBookError");
  });

  it("validates values against protocol v1", () => {
    const doc = new Y.Doc();
    const m = bookMaps(doc);
    m.accounts.set("001000000000001AAA", { Id: "001000000000001AAA", Name: "Acme" } as never);
    m.accounts.set("001000000000002AAA", { Id: "001000000000002AAA" } as never);
    m.receipts.set("x", { intentId: "y", status: "applied", attempts: 1, updatedAt: "2026-01-01T00:00:00.000Z" });
    const issues = validateBook(doc);
    expect(issues.map((i) => [i.map, i.key])).toEqual([
      ["accounts", "001000000000002AAA"],
      ["receipts", "x"],
    ]);
  });

  it("restores what a device damaged in one transaction, naming what (never a value), and refuses only a newer integer version", () => {
    const doc = new Y.Doc();
    const m = bookMaps(doc);
    const meta = m.meta;
    doc.transact(() => {
      meta.set("schemaVersion", "2");
      meta.set("watermarks", { Opportunity: "2026-01-01T00:00:00.000Z", Contact: "3000-01-01T00:00:00.000Z" });
      meta.set("sync", [1]);
      meta.set("orgId", "00Dforged");
      m.accounts.set("001000000000001AAA", null as never);
    }, "evil");
    let transactions = 0;
    doc.on("afterTransaction", () => transactions++);
    const r = openBook(doc, { orgId: "00D000000000001AAA", now: new Date("2026-01-05T12:00:00.000Z") });
    expect(r).toMatchObject({ ok: true, repaired: ["meta.schemaVersion", "meta.sync", "accounts", "meta.watermarks"] });
    expect(transactions).toBe(1);
    expect(meta.get("schemaVersion")).toBe(SCHEMA_VERSION);
    expect(meta.get("orgId")).toBe("00D000000000001AAA");
    expect(meta.get("watermarks")).toEqual({});
    expect(meta.get("sync")).toMatchObject({ state: "idle", lastError: null });
    expect(m.accounts.size).toBe(0);
    expect(openBook(doc, { orgId: "00D000000000001AAA" })).toMatchObject({ ok: true, repaired: [] });
    for (const v of [1.5, -1, Number.POSITIVE_INFINITY]) {
      doc.transact(() => meta.set("schemaVersion", v), "evil");
      expect(openBook(doc).ok).toBe(true);
      expect(meta.get("schemaVersion")).toBe(SCHEMA_VERSION);
    }
  });

  it("pulls activities again once when some were mirrored before their time fields (issue 25)", () => {
    const doc = new Y.Doc();
    const m = bookMaps(doc);
    const marks = {
      Opportunity: "2026-01-01T00:00:00.000Z",
      Task: "2026-01-01T00:00:00.000Z",
      Event: "2026-01-01T00:00:00.000Z",
    };
    const task = {
      Id: "00T000000000001AAA",
      Type: "Task",
      WhoId: null,
      Status: "Completed",
      ActivityDate: "2026-01-01",
    };
    doc.transact(() => {
      m.meta.set("schemaVersion", SCHEMA_VERSION);
      m.meta.set("sync", { state: "idle", lastSuccessAt: null, lastError: null, apiUsage: { used: 0, max: 0 } });
      m.meta.set("watermarks", marks);
      m.activities.set(task.Id, task as never);
    }, SALESFORCE_ORIGIN);
    expect(openBook(doc).ok).toBe(true);
    // The record stays (the pull replaces it); only the activity watermarks go, not as damage.
    expect(m.meta.get("watermarks")).toEqual({ Opportunity: marks.Opportunity });
    expect(m.activities.has(task.Id)).toBe(true);
    // Once re-pulled with its CreatedDate, nothing more is reset.
    doc.transact(() => {
      m.activities.set(task.Id, { ...task, CreatedDate: "2026-01-01T08:00:00.000Z" } as never);
      m.meta.set("watermarks", marks);
    }, SALESFORCE_ORIGIN);
    let updates = 0;
    doc.on("update", () => updates++);
    expect(openBook(doc)).toMatchObject({ ok: true, repaired: [] });
    expect(updates).toBe(0);
  });
});
