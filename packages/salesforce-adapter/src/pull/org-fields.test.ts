import { describe, expect, it } from "vitest";
import { labelFromApiName, orgFieldsOf, picklistsOf, toFieldInfo } from "./org-fields.js";

const field = (name: string, type: string, more: Record<string, unknown> = {}) => ({
  name,
  label: labelFromApiName(name),
  type,
  updateable: true,
  nillable: true,
  length: type === "string" ? 255 : 0,
  picklistValues: [],
  ...more,
});

const picklist = (values: ReadonlyArray<string>, inactive: ReadonlyArray<string> = []) => [
  ...values.map((value) => ({ value, label: value, active: true })),
  ...inactive.map((value) => ({ value, label: value, active: false })),
];

const OPPORTUNITY = {
  fields: [
    field("Id", "id", { updateable: false, nillable: false }),
    field("Name", "string", { nillable: false, length: 120 }),
    field("StageName", "picklist", { picklistValues: picklist(["Prospecting", "Closed Won"], ["Old Stage"]) }),
    field("Amount", "currency"),
    field("NextStep", "string"),
    field("Competitor__c", "picklist", {
      label: "Competitor",
      updateable: false,
      picklistValues: picklist(["Globex"]),
    }),
    field("Ship_To__c", "address", { label: "Ship To" }),
    field("RecordTypeId", "reference"),
  ],
  recordTypeInfos: [
    {
      recordTypeId: "012000000000001AAA",
      name: "New Business",
      developerName: "New_Business",
      master: false,
      available: true,
      active: true,
      defaultRecordTypeMapping: true,
    },
    {
      recordTypeId: "012000000000002AAA",
      name: "Renewal",
      developerName: "Renewal",
      master: false,
      available: true,
      active: true,
      defaultRecordTypeMapping: false,
    },
    {
      recordTypeId: "012000000000003AAA",
      name: "Partner",
      developerName: "Partner",
      master: false,
      available: false,
      active: true,
      defaultRecordTypeMapping: false,
    },
    {
      recordTypeId: "012000000000000AAA",
      name: "Master",
      developerName: "Master",
      master: true,
      available: false,
      active: true,
      defaultRecordTypeMapping: false,
    },
  ],
};
const CONTACT = {
  fields: [field("Id", "id"), field("LastName", "string"), field("Email", "email", { length: 80 })],
  recordTypeInfos: [],
};

describe("describe fields as the book's field info (issue 20)", () => {
  it("keeps name, label, type, updateable, nillable, a text length and a picklist's active values", () => {
    expect(toFieldInfo(OPPORTUNITY.fields[2] ?? {}, false)).toEqual({
      name: "StageName",
      label: "Stage Name",
      type: "picklist",
      updateable: true,
      nillable: true,
      length: null,
      picklist: ["Prospecting", "Closed Won"],
      extra: false,
    });
    expect(toFieldInfo(field("Email", "email", { length: 80 }), true)).toMatchObject({
      length: 80,
      picklist: null,
      extra: true,
    });
    expect(toFieldInfo(field("Amount", "currency"), false)).toMatchObject({ length: null, picklist: null });
    expect(labelFromApiName("Budget_Confirmed__c")).toBe("Budget Confirmed");
    expect(labelFromApiName("NextStep")).toBe("Next Step");
  });

  it("lists the shape's fields and the readable configured ones, RecordTypeId where there are record types, and notes the rest", () => {
    const org = orgFieldsOf(
      { Opportunity: OPPORTUNITY, Contact: CONTACT },
      {
        Opportunity: ["NextStep", "Competitor__c", "Budget_Confirmed__c", "Ship_To__c", "Amount", "bad name)"],
        Contact: ["LeadSource"],
      },
    );
    const opp = org.fields.Opportunity ?? [];
    expect(opp.map((f) => [f.name, f.extra])).toEqual([
      ["Id", false],
      ["Name", false],
      ["Amount", false],
      ["StageName", false],
      ["NextStep", true],
      ["Competitor__c", true],
      ["RecordTypeId", true],
    ]);
    expect(opp.find((f) => f.name === "Competitor__c")).toMatchObject({ updateable: false, picklist: ["Globex"] });
    expect(org.fields.Contact?.map((f) => f.name)).toEqual(["Id", "LastName", "Email"]);
    // An object whose describe is missing lists nothing.
    expect(org.fields.Task).toEqual([]);
    expect(org.fieldNotes).toEqual([
      {
        sobject: "Opportunity",
        field: "Budget_Confirmed__c",
        reason: "hidden",
        message:
          "Budget Confirmed (Budget_Confirmed__c) on Opportunity is not visible to you in Salesforce, so it is not synced.",
      },
      {
        sobject: "Opportunity",
        field: "Ship_To__c",
        reason: "unsupported",
        message: "Ship To (Ship_To__c) on Opportunity is a kind of field the book cannot hold, so it is not synced.",
      },
      expect.objectContaining({ sobject: "Opportunity", field: "bad name)", reason: "hidden" }),
      expect.objectContaining({ sobject: "Contact", field: "LeadSource", reason: "hidden" }),
    ]);
    expect(org.recordTypes.map((rt) => [rt.name, rt.isDefault, rt.picklistFields])).toEqual([
      ["New Business", true, ["StageName", "Competitor__c"]],
      ["Renewal", false, ["StageName", "Competitor__c"]],
    ]);
  });

  it("reads a record type's values per field from the UI API answer", () => {
    const body = {
      picklistFieldValues: {
        StageName: {
          values: [{ label: "Prospecting", value: "Prospecting", validFor: [], attributes: null }],
          defaultValue: null,
        },
        LeadSource: { values: [{ value: "Web" }] },
      },
    };
    expect(picklistsOf(body, ["StageName", "Competitor__c"])).toEqual({ StageName: ["Prospecting"] });
    expect(picklistsOf(undefined, ["StageName"])).toEqual({});
  });
});
