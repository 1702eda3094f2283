import { bookMaps, createDevice } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { intentAuthor } from "./receipt-badge.js";

const OPP = "006000000000001AAA";

describe("whose change a receipt is for (issue 25)", () => {
  it("tells this device's intents from another device's by the intent's device id", () => {
    const doc = new Y.Doc();
    const maps = bookMaps(doc);
    doc.transact(() => {
      maps.meta.set("schemaVersion", 1);
      maps.opportunities.set(OPP, { Id: OPP, Name: "Deal", Amount: 1, CloseDate: "2026-12-31" } as never);
    }, "salesforce");
    const clock = () => new Date(Date.UTC(2026, 10, 20));
    const laptop = createDevice(doc, { deviceId: "laptop", now: clock, random: () => 0.25 });
    const phone = createDevice(doc, { deviceId: "phone", now: clock, random: () => 0.75 });
    const a = laptop.editField({ sobject: "Opportunity", recordId: OPP, field: "Amount", value: 2 });
    const b = phone.editField({ sobject: "Opportunity", recordId: OPP, field: "Probability", value: 20 });
    if (!a.ok || !b.ok) throw new Error("edits refused");
    expect(intentAuthor(maps.intents, a.value.id, laptop.deviceId)).toBe("this-device");
    expect(intentAuthor(maps.intents, b.value.id, laptop.deviceId)).toBe("other-device");
    expect(intentAuthor(maps.intents, "missing", laptop.deviceId)).toBe("unknown");
  });
});
