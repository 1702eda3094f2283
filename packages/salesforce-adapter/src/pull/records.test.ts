import { ACCOUNT_SHAPE, ACTIVITY_SHAPE, CONTACT_ROLE_SHAPE } from "@tandem/engine";
import { describe, expect, it } from "vitest";
import {
  createRowReader,
  isoDateTime,
  selectFields,
  toContact,
  toEvent,
  toOpportunity,
  toTask,
  UnexpectedRowError,
} from "./records.js";

describe("record conversion", () => {
  it("selects a Task's times and IsClosed, an Event's CreatedDate, and reads them as ISO UTC (issue 25)", () => {
    const task = selectFields(ACTIVITY_SHAPE, "Task");
    expect(task).toEqual(expect.arrayContaining(["IsClosed", "CompletedDateTime", "CreatedDate"]));
    const event = selectFields(ACTIVITY_SHAPE, "Event");
    expect(event).toContain("CreatedDate");
    expect(event).not.toContain("IsClosed");
    expect(event).not.toContain("CompletedDateTime");
    const row = {
      Id: "00T000000000001AAA",
      OwnerId: "0054x000000AbCdAAK",
      Status: "Completed",
      ActivityDate: "2026-11-26",
      IsClosed: true,
      CompletedDateTime: "2026-11-26T08:31:00.000+0000",
      CreatedDate: "2026-11-26T08:30:00.000+0000",
      SystemModstamp: "2026-11-26T10:00:00.000+0000",
    };
    expect(toTask(row)).toMatchObject({
      IsClosed: true,
      CompletedDateTime: "2026-11-26T08:31:00.000Z",
      CreatedDate: "2026-11-26T08:30:00.000Z",
    });
    expect(toTask({ ...row, IsClosed: false, CompletedDateTime: null })).toMatchObject({
      IsClosed: false,
      CompletedDateTime: null,
    });
    expect(
      toEvent({
        Id: "00U000000000001AAA",
        OwnerId: "0054x000000AbCdAAK",
        StartDateTime: "2026-11-26T09:00:00.000+0000",
        CreatedDate: "2026-11-20T09:00:00.000+0000",
        SystemModstamp: "2026-11-26T10:00:00.000+0000",
      }),
    ).toMatchObject({ IsClosed: null, CompletedDateTime: null, CreatedDate: "2026-11-20T09:00:00.000Z" });
  });

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

  it("selects each object's own fields and SystemModstamp, which every watermark needs", () => {
    expect(selectFields(ACCOUNT_SHAPE, "Account")).toEqual(["Id", "Name", "SystemModstamp"]);
    expect(selectFields(CONTACT_ROLE_SHAPE, "OpportunityContactRole")).toEqual([
      "Id",
      "OpportunityId",
      "ContactId",
      "Role",
      "IsPrimary",
      "SystemModstamp",
    ]);
    const task = selectFields(ACTIVITY_SHAPE, "Task");
    const event = selectFields(ACTIVITY_SHAPE, "Event");
    expect(task).toContain("TaskSubtype");
    expect(task).not.toContain("StartDateTime");
    expect(event).toContain("StartDateTime");
    expect(event).not.toContain("Status");
    expect([...task, ...event]).not.toContain("Type");
  });

  it("reads a Task with the Event-only fields null and rejects a row without a required field", () => {
    const task = toTask({
      Id: "00T000000000001AAA",
      Status: "Completed",
      TaskSubtype: "Call",
      StartDateTime: "2026-11-26T09:00:00.000+0000",
      OwnerId: "0054x000000AbCdAAK",
      SystemModstamp: "2026-11-26T10:00:00.000+0000",
    });
    expect(task).toMatchObject({ Type: "Task", Status: "Completed", TaskSubtype: "Call", StartDateTime: null });
    expect(() => toTask({ Id: "00T000000000001AAA", SystemModstamp: "2026-11-26T10:00:00.000+0000" })).toThrow(
      UnexpectedRowError,
    );
  });

  it("reads a custom field by its API name into its record property", () => {
    const shape = {
      sobjects: ["Account"],
      fields: { Id: { kind: "id" }, Tier: { kind: "number", nullable: true, apiName: "Tier__c" } },
    } as const;
    const read = createRowReader(shape, "Account");
    expect(read({ Id: "0016s000002YyiJAAS", Tier__c: 2 })).toEqual({ Id: "0016s000002YyiJAAS", Tier: 2 });
    expect(selectFields(shape, "Account")).toEqual(["Id", "Tier__c", "SystemModstamp"]);
  });
});
