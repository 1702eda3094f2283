/** `bulkColumnsFor`: column types from the engine's shapes, describe's types and system fields. */
import { describe, expect, it } from "vitest";
import { CONTACT_ROLE_FIELDS, OPPORTUNITY_FIELDS, TASK_FIELDS } from "../pull/records.js";
import { bulkColumnsFor, columnTypeOfDescribe } from "./bulk-columns.js";

describe("bulkColumnsFor", () => {
  it("types the shape fields of an object by their kinds", () => {
    expect(bulkColumnsFor("Opportunity", OPPORTUNITY_FIELDS)).toEqual({
      Id: "string",
      Name: "string",
      AccountId: "string",
      Amount: "number",
      StageName: "string",
      CloseDate: "date",
      Probability: "number",
      Description: "string",
      ForecastCategoryName: "string",
      IsClosed: "boolean",
      OwnerId: "string",
      SystemModstamp: "datetime",
    });
    expect(bulkColumnsFor("OpportunityContactRole", CONTACT_ROLE_FIELDS).IsPrimary).toBe("boolean");
    const task = bulkColumnsFor("Task", TASK_FIELDS);
    expect([task.IsClosed, task.CompletedDateTime, task.ActivityDate]).toEqual(["boolean", "datetime", "date"]);
  });

  it("types relationship paths by the parent's shape, and system fields anywhere", () => {
    expect(
      bulkColumnsFor("OpportunityContactRole", [
        "Opportunity.Amount",
        "Opportunity.Account.Name",
        "Contact.Email",
        "Opportunity.Owner.CreatedDate",
        "What.IsDeleted",
      ]),
    ).toEqual({
      "Opportunity.Amount": "number",
      "Opportunity.Account.Name": "string",
      "Contact.Email": "string",
      "Opportunity.Owner.CreatedDate": "datetime",
      "What.IsDeleted": "boolean",
    });
  });

  it("types extra fields by describe, case-insensitively, and reads unknown fields as text", () => {
    const columns = bulkColumnsFor("Opportunity", ["Id", "Budget_Confirmed__c", "NextStep", "Unknown__c"], {
      budget_confirmed__c: "boolean",
      NextStep: "string",
    });
    expect(columns).toEqual({ Id: "string", Budget_Confirmed__c: "boolean", NextStep: "string", Unknown__c: "string" });
  });

  it.each([
    ["boolean", "boolean"],
    ["int", "number"],
    ["double", "number"],
    ["currency", "number"],
    ["percent", "number"],
    ["date", "date"],
    ["datetime", "datetime"],
    ["picklist", "string"],
    ["reference", "string"],
    ["time", "string"],
  ])("describe type %s reads as %s", (type, expected) => {
    expect(columnTypeOfDescribe(type)).toBe(expected);
  });
});
