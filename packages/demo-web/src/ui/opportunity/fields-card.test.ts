import { bookMaps, createBookView, createDevice, type FieldInfo, type OrgInfo } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ContactRow, opportunityDetail } from "../../view-model/view-model.js";
import { initialContact } from "../log-activity-dialog.js";
import { saveDraft } from "./fields-card.js";

const OPP = "006000000000001AAA";

const info = (name: string, type: string, over: Partial<FieldInfo> = {}): FieldInfo => ({
  name,
  label: name,
  type,
  updateable: true,
  nillable: true,
  length: type === "string" ? 255 : null,
  picklist: null,
  extra: false,
  ...over,
});

/** The user's describe: Competitor read-only by field-level security, three editable extra fields. */
const ORG: OrgInfo = {
  instanceUrl: null,
  stages: [],
  fields: {
    Opportunity: [
      info("StageName", "picklist", { nillable: false }),
      info("CloseDate", "date", { nillable: false }),
      info("Amount", "currency"),
      info("Probability", "percent"),
      info("Description", "textarea", { length: 32000 }),
      info("NextStep", "string", { label: "Next Step", extra: true }),
      info("Type", "picklist", { extra: true, picklist: ["New Customer", "Existing Business"] }),
      info("Competitor__c", "string", { label: "Competitor", extra: true, updateable: false }),
      info("Budget_Confirmed__c", "boolean", { label: "Budget Confirmed", extra: true, nillable: false }),
    ],
  },
};

function book(org?: OrgInfo) {
  const doc = new Y.Doc();
  const maps = bookMaps(doc);
  doc.transact(() => {
    maps.meta.set("schemaVersion", 1);
    if (org !== undefined) maps.meta.set("org", org);
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
      extra: { NextStep: "Call back", Competitor__c: "Globex", Type: null, Budget_Confirmed__c: false },
    } as never);
  }, "salesforce");
  let tick = 0;
  const device = createDevice(doc, {
    deviceId: "laptop",
    now: () => new Date(Date.UTC(2026, 10, 20, 12, 0, tick++)),
    random: () => new Uint8Array(10).fill(tick),
  });
  const view = createBookView(doc);
  const lookups = { interaction: () => undefined, receipt: () => undefined };
  /** The Details card's fields as the screen has them now. */
  const fields = () => {
    const o = view.getOpportunity(OPP);
    if (o === undefined) throw new Error("no opportunity");
    return opportunityDetail(o, view.getSnapshot(), lookups).fields;
  };
  const edits = () =>
    [...maps.intents.values()].map((i) => (i.kind === "editField" ? [i.field, i.value] : null)).sort();
  const save = (d: Record<string, string>) => saveDraft(device, OPP, fields(), d);
  return { maps, device, fields, edits, save };
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
    const { maps, save } = book();
    const errors = save(draft({ Amount: "-5000", Probability: "150" }));
    expect(errors).toEqual({ Probability: "Enter a probability between 0 and 100." });
    expect(maps.intents.size).toBe(0);
  });

  it("shows every bad field's error at once, a non-number included", () => {
    const { maps, save } = book();
    const errors = save(draft({ Amount: "lots", Probability: "150", Description: "ok" }));
    expect(Object.keys(errors ?? {}).sort()).toEqual(["Amount", "Probability"]);
    expect(maps.intents.size).toBe(0);
  });

  it("a valid form writes one edit per changed field", () => {
    const { maps, save, edits } = book();
    expect(save(draft({ Amount: "-5000", Probability: "20" }))).toBeNull();
    expect(edits()).toEqual([
      ["Amount", -5000],
      ["Probability", 20],
    ]);
    expect(save(draft({ Amount: "-5000", Probability: "20" }))).toBeNull();
    expect(maps.intents.size).toBe(2);
  });
});

describe("the Details form's configured fields (issue 20)", () => {
  it("edits an extra field through the same form, and the card shows it pending", () => {
    const { save, edits, fields } = book(ORG);
    expect(
      save(draft({ NextStep: "Send the quote", Type: "Existing Business", Budget_Confirmed__c: "true" })),
    ).toBeNull();
    expect(edits()).toEqual([
      ["Budget_Confirmed__c", true],
      ["NextStep", "Send the quote"],
      ["Type", "Existing Business"],
    ]);
    expect(fields().find((f) => f.name === "NextStep")?.value).toBe("Send the quote");
  });

  it("never sends a read-only field, whatever the draft holds", () => {
    const { save, edits, fields } = book(ORG);
    expect(fields().find((f) => f.name === "Competitor__c")?.readOnly).toBe(true);
    expect(save(draft({ Competitor__c: "Initech", NextStep: "Demo" }))).toBeNull();
    expect(edits()).toEqual([["NextStep", "Demo"]]);
  });

  it("a bad extra value stops the whole form, worded by its input", () => {
    const { maps, save } = book(ORG);
    const errors = save(draft({ Type: "Partner", Amount: "lots", NextStep: "x".repeat(300) }));
    expect(errors).toEqual({
      Type: "Choose one of New Customer, Existing Business.",
      Amount: "Enter the amount as a number, like 25000.",
      NextStep: "Keep Next Step to 255 characters.",
    });
    expect(maps.intents.size).toBe(0);
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
