import { type FieldInfo, type OpportunityRecord, type OrgView, readSalesforceId } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import {
  contactExtraFields,
  DEFAULT_STAGES,
  draftText,
  type FieldSpec,
  inputFor,
  opportunityFieldSpecs,
  parseDraft,
  recordTypeName,
  stageOptions,
} from "./field-specs.js";

const NEW_BUSINESS = readSalesforceId("012000000000001AAA");
const RENEWAL = readSalesforceId("012000000000002AAA");
const RENEWAL_STAGES = ["Needs Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"];

const info = (name: string, type: string, over: Partial<FieldInfo> = {}): FieldInfo => ({
  name,
  label: name.replace(/__c$/, "").replace(/_/g, " "),
  type,
  updateable: true,
  nillable: true,
  length: type === "string" || type === "textarea" ? 255 : null,
  picklist: null,
  extra: false,
  ...over,
});

function org(over: { amountEditable?: boolean } = {}): OrgView {
  return {
    instanceUrl: null,
    stages: [],
    timeZone: "America/Los_Angeles",
    fields: {
      Opportunity: [
        info("StageName", "picklist", { picklist: DEFAULT_STAGES, nillable: false }),
        info("CloseDate", "date", { nillable: false }),
        info("Amount", "currency", { updateable: over.amountEditable ?? true }),
        info("Probability", "percent"),
        info("Description", "textarea", { length: 32000 }),
        info("NextStep", "string", { label: "Next Step", extra: true }),
        info("Type", "picklist", { extra: true, picklist: ["New Customer", "Existing Business"] }),
        info("Competitor__c", "string", { label: "Competitor", extra: true, updateable: false }),
        info("Budget_Confirmed__c", "boolean", { label: "Budget Confirmed", extra: true, nillable: false }),
        info("Next_Step_Date__c", "date", { label: "Next Step Date", extra: true }),
        info("RecordTypeId", "reference", { label: "Record Type ID", extra: true }),
      ],
      Contact: [
        info("LeadSource", "picklist", { label: "Lead Source", extra: true, picklist: ["Web", "Phone Inquiry"] }),
        info("Preferred_Channel__c", "picklist", { label: "Preferred Channel", extra: true, picklist: ["Email"] }),
      ],
    },
    recordTypes: {
      Opportunity: [
        {
          id: NEW_BUSINESS,
          name: "New Business",
          developerName: "New_Business",
          isDefault: true,
          picklists: { StageName: DEFAULT_STAGES },
        },
        {
          id: RENEWAL,
          name: "Renewal",
          developerName: "Renewal",
          isDefault: false,
          picklists: { StageName: RENEWAL_STAGES, Type: ["Existing Business"] },
        },
      ],
    },
    fieldNotes: [],
  };
}

const EMPTY_ORG: OrgView = {
  instanceUrl: null,
  stages: [],
  timeZone: "UTC",
  fields: {},
  recordTypes: {},
  fieldNotes: [],
};

const opp = (over: Partial<OpportunityRecord> = {}): OpportunityRecord =>
  ({
    Id: "006000000000001AAA",
    Name: "Acme renewal",
    AccountId: null,
    Amount: 1000,
    StageName: "Negotiation/Review",
    CloseDate: "2026-12-31",
    Probability: 60,
    Description: null,
    ForecastCategoryName: "Pipeline",
    IsClosed: false,
    OwnerId: "005000000000001AAA",
    SystemModstamp: "2026-11-01T00:00:00.000Z",
    extra: {
      RecordTypeId: RENEWAL,
      NextStep: "Send the quote",
      Competitor__c: "Globex",
      Budget_Confirmed__c: true,
      Next_Step_Date__c: "2026-12-10",
      Type: "Existing Business",
    },
    ...over,
  }) as OpportunityRecord;

const spec = (specs: readonly FieldSpec[], name: string): FieldSpec => {
  const s = specs.find((f) => f.name === name);
  if (s === undefined) throw new Error(`no ${name}`);
  return s;
};

describe("which input a field's describe yields (issue 20)", () => {
  it("picklist → select with the values (+ None when nillable), boolean → checkbox, date, numbers, text", () => {
    expect(inputFor(info("Type", "picklist", { picklist: ["A", "B"] }))).toEqual({
      kind: "select",
      options: ["A", "B"],
      allowNone: true,
    });
    expect(inputFor(info("Type", "picklist", { picklist: ["A"], nillable: false }))).toMatchObject({
      allowNone: false,
    });
    expect(inputFor(info("Ok__c", "boolean"))).toEqual({ kind: "checkbox" });
    expect(inputFor(info("When__c", "date"))).toEqual({ kind: "date" });
    for (const t of ["currency", "double", "percent", "int"])
      expect(inputFor(info("N", t))).toEqual({ kind: "decimal" });
    expect(inputFor(info("NextStep", "string", { length: 255 }))).toEqual({ kind: "text", maxLength: 255 });
    expect(inputFor(info("Notes__c", "textarea", { length: 1000 }))).toEqual({ kind: "textarea", maxLength: 1000 });
    // Types Tandem does not edit are shown read-only.
    expect(inputFor(info("AccountId", "reference"))).toBeNull();
    expect(inputFor(info("At__c", "datetime"))).toBeNull();
  });
});

describe("the Stage picklist follows the record type (issue 20)", () => {
  it("a Renewal offers only the Renewal stages; New Business its own; no record type the default one's", () => {
    expect(stageOptions(org(), RENEWAL, "Negotiation/Review")).toEqual(RENEWAL_STAGES);
    expect(stageOptions(org(), NEW_BUSINESS, "Prospecting")).toEqual(DEFAULT_STAGES);
    expect(stageOptions(org(), null, "Prospecting")).toEqual(DEFAULT_STAGES);
  });

  it("keeps the current stage visible when the record type does not list it", () => {
    expect(stageOptions(org(), RENEWAL, "Prospecting")).toEqual([...RENEWAL_STAGES, "Prospecting"]);
  });

  it("falls back to the org's stages, then Salesforce's defaults, when the book knows no record types", () => {
    const withStages: OrgView = {
      ...EMPTY_ORG,
      stages: [
        { name: "Discovery", sortOrder: 1, isClosed: false, isWon: false },
        { name: "Won", sortOrder: 2, isClosed: true, isWon: true },
      ],
    };
    expect(stageOptions(withStages, RENEWAL, "Discovery")).toEqual(["Discovery", "Won"]);
    expect(stageOptions(EMPTY_ORG, null, "Prospecting")).toEqual(DEFAULT_STAGES);
  });

  it("names the record type", () => {
    expect(recordTypeName(org(), "Opportunity", RENEWAL)).toBe("Renewal");
    expect(recordTypeName(org(), "Opportunity", "012000000000009AAA")).toBeNull();
    expect(recordTypeName(org(), "Opportunity", null)).toBeNull();
  });
});

describe("the Details card's fields (issue 20)", () => {
  it("lists the shape's fields, then every configured extra field but RecordTypeId, with their values", () => {
    const specs = opportunityFieldSpecs(org(), opp());
    expect(specs.map((s) => s.name)).toEqual([
      "StageName",
      "CloseDate",
      "Amount",
      "Probability",
      "Description",
      "NextStep",
      "Type",
      "Competitor__c",
      "Budget_Confirmed__c",
      "Next_Step_Date__c",
    ]);
    expect(spec(specs, "NextStep")).toMatchObject({ label: "Next Step", value: "Send the quote", readOnly: false });
    expect(spec(specs, "Budget_Confirmed__c")).toMatchObject({ value: true, input: { kind: "checkbox" } });
  });

  it("a field describe says is not updateable is read-only, shape field or extra", () => {
    const specs = opportunityFieldSpecs(org({ amountEditable: false }), opp());
    expect(spec(specs, "Competitor__c").readOnly).toBe(true);
    expect(spec(specs, "Amount").readOnly).toBe(true);
    expect(spec(specs, "NextStep").readOnly).toBe(false);
    expect(spec(opportunityFieldSpecs(org(), opp()), "Amount").readOnly).toBe(false);
    // Without the user's describe (an older book) the shape's fields stay editable.
    expect(opportunityFieldSpecs(EMPTY_ORG, opp()).every((s) => !s.readOnly)).toBe(true);
  });

  it("the Stage select of a Renewal lists its stages; another picklist keeps a value it no longer lists", () => {
    const specs = opportunityFieldSpecs(org(), opp({ extra: { RecordTypeId: RENEWAL, Type: "Partner" } } as never));
    expect(spec(specs, "StageName").input).toEqual({ kind: "select", options: RENEWAL_STAGES, allowNone: false });
    expect(spec(specs, "Type").input).toEqual({
      kind: "select",
      options: ["New Customer", "Existing Business", "Partner"],
      allowNone: true,
    });
  });

  it("a contact's extra fields come with their labels and values", () => {
    const contact = { Id: "003000000000001AAA", extra: { LeadSource: "Web" } } as never;
    expect(contactExtraFields(org(), contact)).toEqual([
      { name: "LeadSource", label: "Lead Source", type: "picklist", value: "Web" },
      { name: "Preferred_Channel__c", label: "Preferred Channel", type: "picklist", value: null },
    ]);
  });
});

describe("draft text and parsing by input", () => {
  const specs = opportunityFieldSpecs(org(), opp());
  it("round-trips each kind", () => {
    const check = spec(specs, "Budget_Confirmed__c");
    expect(draftText(check)).toBe("true");
    expect(parseDraft(check, "false")).toBe(false);
    expect(parseDraft(spec(specs, "Amount"), " 2500 ")).toBe(2500);
    expect(parseDraft(spec(specs, "Amount"), "lots")).toBeUndefined();
    expect(parseDraft(spec(specs, "Amount"), "")).toBeNull();
    expect(parseDraft(spec(specs, "Type"), "")).toBeNull();
    expect(parseDraft(spec(specs, "Next_Step_Date__c"), "")).toBeNull();
    expect(parseDraft(spec(specs, "NextStep"), "")).toBeNull();
    expect(draftText(spec(specs, "Description"))).toBe("");
    expect(parseDraft(spec(specs, "StageName"), "Closed Won")).toBe("Closed Won");
  });
});
