import { describe, expect, it } from "vitest";
import { checkFieldValue, fieldValue, isEditableField, withFieldValue } from "../model/fields.js";
import type { FieldInfo, OrgInfo } from "../model/schemas.js";
import { checkExtraFieldConfig, describesConfig, fieldSelection } from "./field-selection.js";

const info = (name: string, over: Partial<FieldInfo> = {}): FieldInfo => ({
  name,
  label: name,
  type: "string",
  updateable: true,
  nillable: true,
  length: 255,
  picklist: null,
  extra: false,
  ...over,
});

const ORG: OrgInfo = {
  instanceUrl: null,
  stages: [],
  fields: {
    Opportunity: [
      info("Id", { type: "id", updateable: false, nillable: false }),
      info("Name", { nillable: false }),
      info("Amount", { type: "currency", updateable: false }),
      info("StageName", { type: "picklist", nillable: false, picklist: ["Prospecting"] }),
      info("NextStep", { extra: true }),
      info("Competitor__c", { type: "picklist", picklist: ["Globex", "Initech"], extra: true }),
      info("Budget_Confirmed__c", { type: "boolean", nillable: false, extra: true, updateable: false }),
      info("Next_Step_Date__c", { type: "date", extra: true }),
      info("RecordTypeId", { type: "reference", extra: true }),
    ],
  },
  fieldNotes: [{ sobject: "Opportunity", field: "Secret__c", reason: "hidden", message: "…" }],
};

describe("field selection from describe", () => {
  it("selects the readable extra fields and leaves out the nullable shape fields describe does not list", () => {
    const s = fieldSelection(ORG);
    expect(s.Opportunity?.extra).toEqual([
      "NextStep",
      "Competitor__c",
      "Budget_Confirmed__c",
      "Next_Step_Date__c",
      "RecordTypeId",
    ]);
    // Description, Probability, … are not listed (hidden); Name and StageName are, CloseDate is required.
    expect(s.Opportunity?.hidden).toContain("Description");
    expect(s.Opportunity?.hidden).not.toContain("CloseDate");
    expect(s.Contact).toBeUndefined();
    expect(fieldSelection(null)).toEqual({});
  });

  it("knows whether meta.org was described for the configured fields", () => {
    expect(
      describesConfig(ORG, {
        Opportunity: ["NextStep", "Competitor__c", "Budget_Confirmed__c", "Next_Step_Date__c", "Secret__c"],
      }),
    ).toBe(true);
    expect(describesConfig(ORG, { Opportunity: ["NextStep"] })).toBe(false);
    expect(describesConfig({ instanceUrl: null, stages: [] }, {})).toBe(true);
    expect(describesConfig(null, {})).toBe(false);
  });

  it("checks a configuration's shape before any describe", () => {
    expect(checkExtraFieldConfig({ Opportunity: ["NextStep"], Task: ["Outcome__c"] })).toBeNull();
    expect(checkExtraFieldConfig({ Lead: ["Company"] })).toMatch(/not an object/);
    expect(checkExtraFieldConfig({ Opportunity: ["Next Step"] })).toMatch(/not an API name/);
    expect(checkExtraFieldConfig({ Contact: ["Email"] })).toMatch(/synced already/);
    expect(checkExtraFieldConfig([])).not.toBeNull();
  });
});

describe("editable fields under the user's describe", () => {
  const catalog = ORG.fields;
  it("lets describe make a shape field read-only, and admits updateable extra fields with their type's rule", () => {
    expect(isEditableField("Opportunity", "Amount")).toBe(true);
    expect(isEditableField("Opportunity", "Amount", catalog)).toBe(false);
    expect(isEditableField("Opportunity", "Description", catalog)).toBe(false);
    expect(isEditableField("Opportunity", "NextStep", catalog)).toBe(true);
    expect(isEditableField("Opportunity", "NextStep")).toBe(false);
    expect(isEditableField("Opportunity", "Budget_Confirmed__c", catalog)).toBe(false);
    expect(isEditableField("Opportunity", "RecordTypeId", catalog)).toBe(false);
    expect(checkFieldValue("Opportunity", "Competitor__c", "Globex", catalog)).toBeNull();
    expect(checkFieldValue("Opportunity", "Competitor__c", "Umbrella", catalog)).toMatch(/must be one of/);
    expect(checkFieldValue("Opportunity", "Competitor__c", null, catalog)).toBeNull();
    expect(checkFieldValue("Opportunity", "Next_Step_Date__c", "2026-02-30", catalog)).toMatch(/date/);
    expect(checkFieldValue("Opportunity", "NextStep", "x".repeat(256), catalog)).toMatch(/at most 255/);
  });

  it("reads and writes a field beyond the shape in the record's extra", () => {
    const opp = { Id: "006", Name: "Deal", extra: { NextStep: "Call" } };
    expect(fieldValue("Opportunity", opp, "NextStep")).toBe("Call");
    expect(fieldValue("Opportunity", opp, "Competitor__c")).toBeNull();
    expect(fieldValue("Opportunity", opp, "Name")).toBe("Deal");
    expect(withFieldValue("Opportunity", opp, "Competitor__c", "Globex")).toEqual({
      Id: "006",
      Name: "Deal",
      extra: { NextStep: "Call", Competitor__c: "Globex" },
    });
    expect(withFieldValue("Opportunity", opp, "Name", "Big deal").Name).toBe("Big deal");
  });
});
