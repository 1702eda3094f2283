import { describe, expect, it } from "vitest";
import { nextMeetingText } from "../../text/recommendation-text.js";
import type { FieldSpec } from "../../view-model/field-specs.js";
import { fieldErrorText, fieldLabel, formErrorSummary, showValue } from "./field-text.js";

const spec = (over: Partial<FieldSpec>): FieldSpec => ({
  name: "Type",
  label: "Type",
  type: "picklist",
  extra: true,
  readOnly: false,
  input: { kind: "select", options: ["New Customer", "Existing Business"], allowNone: true },
  value: null,
  ...over,
});

describe("configured fields in a salesperson's words (issue 20)", () => {
  it("shows booleans as Yes/No, dates in the app's format, numbers by type, picklists as text", () => {
    expect(showValue("Budget_Confirmed__c", true, "boolean")).toBe("Yes");
    expect(showValue("Budget_Confirmed__c", false, "boolean")).toBe("No");
    expect(showValue("Next_Step_Date__c", "2026-12-10", "date")).toBe("Dec 10, 2026");
    expect(showValue("Budget__c", 25000, "currency")).toBe("$25,000");
    expect(showValue("Discount__c", 12.5, "percent")).toBe("13%");
    expect(showValue("Seats__c", 1200, "double")).toBe("1,200");
    expect(showValue("Type", "Existing Business", "picklist")).toBe("Existing Business");
    expect(showValue("NextStep", null, "string")).toBe("—");
  });

  it("words a refused extra value by its input: Choose one of …, a number, a date, a length", () => {
    expect(fieldErrorText("Type", "invalid-value", spec({}))).toBe("Choose one of New Customer, Existing Business.");
    expect(
      fieldErrorText(
        "Seats__c",
        "invalid-value",
        spec({ name: "Seats__c", label: "Seats", input: { kind: "decimal" } }),
      ),
    ).toBe("Enter Seats as a number.");
    expect(
      fieldErrorText(
        "NextStep",
        "invalid-value",
        spec({ name: "NextStep", label: "Next Step", input: { kind: "text", maxLength: 255 } }),
      ),
    ).toBe("Keep Next Step to 255 characters.");
    expect(fieldErrorText("Competitor__c", "unknown-field", spec({ name: "Competitor__c", label: "Competitor" }))).toBe(
      "Your Salesforce permissions do not allow editing Competitor.",
    );
    // The shape's fields keep their words.
    expect(fieldErrorText("StageName", "invalid-value")).toBe("Choose a stage.");
  });

  it("labels by describe, and the summary names configured fields by label", () => {
    expect(fieldLabel("StageName")).toBe("Stage");
    expect(fieldLabel("NextStep", { label: "Next Step" })).toBe("Next Step");
    expect(fieldLabel("NextStep")).toBe("NextStep");
    expect(formErrorSummary(["Type", "Probability"], [spec({ label: "Opportunity Type" })])).toBe(
      "Nothing was saved. Check Opportunity Type and Probability.",
    );
  });

  it("words the next meeting on a recommendation card", () => {
    const next = {
      at: "2026-12-10T15:00:00.000Z",
      activityId: "00U000000000001AAA",
      subject: "Renewal review",
      contactId: "003000000000001AAA",
      contactName: "Ada Lovelace",
    };
    expect(nextMeetingText(next, "UTC")).toBe("Next meeting: Thu, Dec 10, 3:00 PM with Ada Lovelace");
    expect(nextMeetingText(next, "America/Los_Angeles")).toBe("Next meeting: Thu, Dec 10, 7:00 AM with Ada Lovelace");
    expect(nextMeetingText({ ...next, contactName: null }, "UTC")).toBe("Next meeting: Thu, Dec 10, 3:00 PM");
    expect(nextMeetingText(null)).toBeNull();
  });
});
