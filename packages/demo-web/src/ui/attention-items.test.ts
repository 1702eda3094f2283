import { bookMaps, createBookView, createDevice } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { attentionItems } from "./attention-items.js";

const OPP = "006000000000001AAA";
const ACC = "001000000000001AAA";
const ADA = "003000000000001AAA";
const STAMP = "2026-11-01T00:00:00.000Z";

function book() {
  const doc = new Y.Doc();
  const maps = bookMaps(doc);
  doc.transact(() => {
    maps.meta.set("schemaVersion", 1);
    maps.accounts.set(ACC, { Id: ACC, Name: "Acme" } as never);
    maps.opportunities.set(OPP, {
      Id: OPP,
      Name: "Acme renewal",
      AccountId: ACC,
      Amount: 1000,
      StageName: "Prospecting",
      CloseDate: "2026-12-31",
      Probability: 10,
      Description: null,
      ForecastCategoryName: "Pipeline",
      IsClosed: false,
      OwnerId: "005000000000001AAA",
      SystemModstamp: STAMP,
    } as never);
    maps.contacts.set(ADA, {
      Id: ADA,
      AccountId: ACC,
      FirstName: "Ada",
      LastName: "Lovelace",
      Name: "Ada Lovelace",
      Title: null,
      Email: "ada@acme.example",
      Phone: null,
      MobilePhone: null,
      SystemModstamp: STAMP,
    } as never);
  }, "salesforce");
  let tick = 0;
  const device = createDevice(doc, {
    deviceId: "test-device",
    now: () => new Date(Date.UTC(2026, 10, 20, 12, 0, tick++)),
    random: () => new Uint8Array(10).fill(tick),
  });
  const receipt = (intentId: string, status: "conflict" | "failed" | "superseded", extra: object = {}) =>
    doc.transact(() => {
      maps.receipts.set(intentId, { intentId, status, attempts: 1, updatedAt: STAMP, ...extra } as never);
    }, "salesforce");
  return { device, view: createBookView(doc), receipt };
}

describe("the list behind “N need attention”", () => {
  it("lists each open conflict, then each failed change, with the opportunity to open", () => {
    const { device, view, receipt } = book();
    const edit = device.editField({ sobject: "Opportunity", recordId: OPP, field: "Amount", value: 2000 });
    const call = device.logActivity({ opportunityId: OPP, contactId: ADA, type: "call", subject: "Pricing" });
    if (!edit.ok) throw edit.error;
    if (!call.ok) throw call.error;
    expect(attentionItems(view.getSnapshot())).toEqual([]);

    receipt(call.value.id, "failed", { error: { code: "REQUIRED_FIELD_MISSING", message: "Subject is required" } });
    receipt(edit.value.id, "conflict", { conflict: { base: 1000, mine: 2000, theirs: 3000 } });
    const items = attentionItems(view.getSnapshot());
    expect(items).toEqual([
      expect.objectContaining({ kind: "conflict", what: "Amount", opportunity: { id: OPP, name: "Acme renewal" } }),
      expect.objectContaining({
        kind: "failed",
        what: "Call: Pricing",
        opportunity: { id: OPP, name: "Acme renewal" },
      }),
    ]);
    expect(items[1]?.detail).toContain("Subject is required");
  });

  it("drops a conflict once it is settled", () => {
    const { device, view, receipt } = book();
    const edit = device.editField({ sobject: "Opportunity", recordId: OPP, field: "Amount", value: 2000 });
    if (!edit.ok) throw edit.error;
    receipt(edit.value.id, "conflict", { conflict: { base: 1000, mine: 2000, theirs: 3000 } });
    expect(attentionItems(view.getSnapshot())).toHaveLength(1);
    receipt(edit.value.id, "superseded");
    expect(attentionItems(view.getSnapshot())).toHaveLength(0);
  });
});
