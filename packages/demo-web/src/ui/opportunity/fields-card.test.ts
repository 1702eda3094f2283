import { bookMaps, createBookView, createDevice } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ContactRow, pipelineRows } from "../../view-model/view-model.js";
import { initialContact } from "../log-activity-dialog.js";
import { saveDraft } from "./fields-card.js";

const OPP = "006000000000001AAA";

function book() {
  const doc = new Y.Doc();
  const maps = bookMaps(doc);
  doc.transact(() => {
    maps.meta.set("schemaVersion", 1);
    maps.opportunities.set(OPP, {
      Id: OPP,
      Name: "Acme renewal",
      AccountId: null,
      Amount: 1000,
      StageName: "Prospecting",
      CloseDate: "2026-12-31",
      Probability: 10,
      Description: null,
      ForecastCategoryName: "Pipeline",
      IsClosed: false,
      OwnerId: "005000000000001AAA",
      SystemModstamp: "2026-11-01T00:00:00.000Z",
    } as never);
  }, "salesforce");
  let tick = 0;
  const device = createDevice(doc, {
    deviceId: "laptop",
    now: () => new Date(Date.UTC(2026, 10, 20, 12, 0, tick++)),
    random: () => new Uint8Array(10).fill(tick),
  });
  const view = createBookView(doc);
  const row = () => {
    const r = pipelineRows(view.getSnapshot()).find((x) => x.id === OPP);
    if (r === undefined) throw new Error("no row");
    return r;
  };
  return { maps, device, row };
}

const draft = (over: Record<string, string>) => ({
  StageName: "Prospecting",
  CloseDate: "2026-12-31",
  Amount: "1000",
  Probability: "10",
  Description: "",
  ...over,
});

describe("the Details form (issue 25, bug 2)", () => {
  it("Amount -5000 with Probability 150 writes nothing and names the Probability error", () => {
    const { maps, device, row } = book();
    const errors = saveDraft(device, row(), draft({ Amount: "-5000", Probability: "150" }));
    expect(errors).toEqual({ Probability: "Enter a probability between 0 and 100." });
    expect(maps.intents.size).toBe(0);
  });

  it("shows every bad field's error at once, a non-number included", () => {
    const { maps, device, row } = book();
    const errors = saveDraft(device, row(), draft({ Amount: "lots", Probability: "150", Description: "ok" }));
    expect(Object.keys(errors ?? {}).sort()).toEqual(["Amount", "Probability"]);
    expect(maps.intents.size).toBe(0);
  });

  it("a valid form writes one edit per changed field", () => {
    const { maps, device, row } = book();
    expect(saveDraft(device, row(), draft({ Amount: "-5000", Probability: "20" }))).toBeNull();
    expect([...maps.intents.values()].map((i) => (i.kind === "editField" ? [i.field, i.value] : null)).sort()).toEqual([
      ["Amount", -5000],
      ["Probability", 20],
    ]);
    expect(saveDraft(device, row(), draft({ Amount: "-5000", Probability: "20" }))).toBeNull();
    expect(maps.intents.size).toBe(2);
  });
});

describe("the log dialog's contact (issue 25)", () => {
  const c = (id: string, tier: "key" | "other") => ({ id, name: id, tier }) as ContactRow;
  it("never silently picks an Other contact", () => {
    expect(initialContact([c("o1", "other"), c("o2", "other")], null)).toBe("");
    expect(initialContact([c("o1", "other"), c("k1", "key")], null)).toBe("k1");
    expect(initialContact([c("o1", "other"), c("k1", "key")], "o1")).toBe("o1");
    expect(initialContact([c("o1", "other")], "gone")).toBe("");
  });
});
