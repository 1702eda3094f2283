import { describe, expect, it } from "vitest";
import { isoDateTime, toContact, toEvent, toOpportunity } from "./records.js";

describe("record conversion", () => {
  it("turns Salesforce datetimes into ISO 8601 UTC", () => {
    expect(isoDateTime("2026-11-26T10:00:00.000+0000")).toBe("2026-11-26T10:00:00.000Z");
    expect(isoDateTime("2026-11-26T11:00:00.000+0100")).toBe("2026-11-26T10:00:00.000Z");
  });

  it("keeps exactly the record fields, 18-char ids and nulls", () => {
    const opp = toOpportunity({
      attributes: { type: "Opportunity", url: "/x" },
      Id: "0066s000002YyiJ",
      Name: "Acme",
      AccountId: null,
      Amount: 10,
      StageName: "Prospecting",
      CloseDate: "2026-12-01",
      Probability: 10,
      Description: null,
      ForecastCategoryName: "Pipeline",
      IsClosed: false,
      OwnerId: "0054x000000AbCdAAK",
      SystemModstamp: "2026-11-26T10:00:00.000+0000",
      Extra: "dropped",
    });
    expect(opp).toEqual({
      Id: "0066s000002YyiJAAS",
      Name: "Acme",
      AccountId: null,
      Amount: 10,
      StageName: "Prospecting",
      CloseDate: "2026-12-01",
      Probability: 10,
      Description: null,
      ForecastCategoryName: "Pipeline",
      IsClosed: false,
      OwnerId: "0054x000000AbCdAAK",
      SystemModstamp: "2026-11-26T10:00:00.000Z",
    });
    const contact = toContact({
      Id: "0030b00001yQEe0AAG",
      LastName: "Lovelace",
      Name: "Ada Lovelace",
      SystemModstamp: "2026-11-26T10:00:00.000+0000",
    });
    expect(contact.FirstName).toBeNull();
    expect(contact.AccountId).toBeNull();
    const event = toEvent({
      Id: "00U000000000001AAA",
      OwnerId: "0054x000000AbCdAAK",
      StartDateTime: "2026-11-26T09:00:00.000+0000",
      SystemModstamp: "2026-11-26T10:00:00.000+0000",
    });
    expect(event).toMatchObject({
      Type: "Event",
      Status: null,
      TaskSubtype: null,
      StartDateTime: "2026-11-26T09:00:00.000Z",
    });
  });
});
