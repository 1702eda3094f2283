import { ACTIVITY_SHAPE, OPPORTUNITY_SHAPE } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import { activityReadings, createObjectReading, extraValue, scopeReadings } from "./extra-fields.js";
import { OPPORTUNITY_FIELDS, toOpportunity } from "./records.js";

const ROW = {
  attributes: { type: "Opportunity" },
  Id: "006000000000001AAA",
  Name: "Deal",
  AccountId: null,
  StageName: "Prospecting",
  CloseDate: "2026-06-30",
  Probability: 10,
  Description: "secret",
  ForecastCategoryName: "Pipeline",
  IsClosed: false,
  OwnerId: "005000000000001AAA",
  SystemModstamp: "2026-11-26T10:00:00.000+0000",
  NextStep: "Call back",
  Budget_Confirmed__c: true,
  Next_Step_Date__c: "2026-12-01",
  Discount__c: 12.5,
  Last_Touch__c: "2026-11-26T08:30:00.000+0000",
  Competitor__c: null,
  Address__c: { city: "Paris" },
};

describe("extra field values (issue 20)", () => {
  it("keeps numbers, booleans, text and dates, writes datetimes as ISO UTC, and null for what the book cannot hold", () => {
    expect(extraValue(12.5)).toBe(12.5);
    expect(extraValue(Number.NaN)).toBeNull();
    expect(extraValue(false)).toBe(false);
    expect(extraValue("Call back")).toBe("Call back");
    expect(extraValue("2026-12-01")).toBe("2026-12-01");
    expect(extraValue("2026-11-26T08:30:00.000+0000")).toBe("2026-11-26T08:30:00.000Z");
    expect(extraValue(null)).toBeNull();
    expect(extraValue(undefined)).toBeNull();
    expect(extraValue({ city: "Paris" })).toBeNull();
  });
});

describe("field selections as SOQL field lists and records (issue 20)", () => {
  it("without a selection reads exactly the shape, with no extra key (also for an object another selection leaves out)", () => {
    const reading = createObjectReading(OPPORTUNITY_SHAPE, "Opportunity", undefined);
    expect(reading.fields).toEqual(OPPORTUNITY_FIELDS);
    const record = reading.read(ROW);
    expect(record).toEqual(toOpportunity(ROW));
    expect("extra" in record).toBe(false);
    expect(
      "extra" in
        scopeReadings({ Opportunity: { extra: [], hidden: [] } }).contact.read({
          Id: "003000000000001AAA",
          LastName: "L",
          Name: "L",
          SystemModstamp: "2026-11-26T10:00:00.000+0000",
        }),
    ).toBe(false);
  });

  it("selects extras once after the shape, never a hidden field, and reads hidden ones as null", () => {
    const reading = createObjectReading(OPPORTUNITY_SHAPE, "Opportunity", {
      extra: [
        "NextStep",
        "nextstep",
        "Budget_Confirmed__c",
        "Next_Step_Date__c",
        "Discount__c",
        "Last_Touch__c",
        "Competitor__c",
        "StageName",
        "x); DELETE",
      ],
      hidden: ["Description", "Name", "Id", "SystemModstamp"],
    });
    expect(reading.fields).not.toContain("Description");
    expect(reading.fields).not.toContain("Name");
    expect(reading.fields.slice(0, 1)).toEqual(["Id"]);
    expect(reading.fields).toContain("SystemModstamp");
    expect(reading.fields.filter((f) => f.toLowerCase() === "nextstep")).toEqual(["NextStep"]);
    expect(reading.fields.filter((f) => f === "StageName")).toHaveLength(1);
    expect(reading.fields.some((f) => f.includes("DELETE"))).toBe(false);
    const record = reading.read(ROW);
    expect(record.Description).toBeNull();
    expect(record.Name).toBeNull();
    expect(record.StageName).toBe("Prospecting");
    expect(record.extra).toEqual({
      NextStep: "Call back",
      Budget_Confirmed__c: true,
      Next_Step_Date__c: "2026-12-01",
      Discount__c: 12.5,
      Last_Touch__c: "2026-11-26T08:30:00.000Z",
      Competitor__c: null,
      StageName: "Prospecting",
    });
  });

  it("reads Task and Event extras per object", () => {
    const readings = activityReadings({ Task: { extra: ["Outcome__c"], hidden: [] } });
    expect(readings.task.fields).toContain("Outcome__c");
    expect(readings.event.fields).not.toContain("Outcome__c");
    const task = readings.task.read({
      Id: "00T000000000001AAA",
      OwnerId: "005000000000001AAA",
      SystemModstamp: "2026-11-26T10:00:00.000+0000",
      Outcome__c: "Interested",
    });
    expect(task.extra).toEqual({ Outcome__c: "Interested" });
    expect(
      createObjectReading(ACTIVITY_SHAPE, "Event", undefined).read({
        Id: "00U000000000001AAA",
        OwnerId: "005000000000001AAA",
        SystemModstamp: "2026-11-26T10:00:00.000+0000",
      }),
    ).not.toHaveProperty("extra");
  });
});
