/**
 * Mirrored records for tests and benchmarks: every field of the shape filled with a plain
 * default, so a test states only what it is about.
 *
 * Invariant: each factory returns a record its Schema decodes (18-character ids are the
 * caller's; defaults are valid values).
 */
import type { ActivityRecord, ContactRecord, OpportunityRecord } from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";

const STAMP = "2026-01-01T00:00:00.000Z";

/**
 * An open opportunity in Prospecting, closing 2026-06-30.
 *
 * @example
 * ```ts
 * testOpportunity({ Id: oppId, AccountId: accountId, OwnerId: userId, Name: "Deal 1" });
 * ```
 */
export function testOpportunity(
  fields: Pick<OpportunityRecord, "Id" | "AccountId" | "OwnerId"> & Partial<OpportunityRecord>,
): OpportunityRecord {
  return {
    Name: "Deal",
    Amount: 100,
    StageName: "Prospecting",
    CloseDate: "2026-06-30",
    Probability: 10,
    Description: null,
    ForecastCategoryName: "Pipeline",
    IsClosed: false,
    SystemModstamp: STAMP,
    ...fields,
  };
}

/** A contact named `LastName` with no other details unless given. */
export function testContact(
  fields: Pick<ContactRecord, "Id" | "AccountId" | "LastName"> & Partial<ContactRecord>,
): ContactRecord {
  return {
    FirstName: null,
    Name: fields.FirstName ? `${fields.FirstName} ${fields.LastName}` : fields.LastName,
    Title: null,
    Email: null,
    Phone: null,
    MobilePhone: null,
    SystemModstamp: STAMP,
    ...fields,
  };
}

/** A completed call Task on `ActivityDate` (pass `IsClosed: false, Status: "Not Started"` for a to-do). */
export function testTask(
  fields: Pick<ActivityRecord, "Id" | "WhoId" | "OwnerId" | "ActivityDate"> & Partial<ActivityRecord>,
): ActivityRecord {
  return {
    Type: "Task",
    WhatId: null,
    Subject: "Call",
    Status: "Completed",
    StartDateTime: null,
    Description: null,
    TaskSubtype: "Call",
    IsClosed: true,
    CompletedDateTime: null,
    CreatedDate: null,
    SystemModstamp: STAMP,
    ...fields,
  };
}

/** An Event starting at `StartDateTime` (its `ActivityDate` the UTC date of the start). */
export function testEvent(
  fields: Pick<ActivityRecord, "Id" | "WhoId" | "OwnerId"> & {
    readonly StartDateTime: string;
  } & Partial<ActivityRecord>,
): ActivityRecord {
  return {
    Type: "Event",
    WhatId: null,
    Subject: "Meeting",
    Status: null,
    ActivityDate: fields.StartDateTime.slice(0, 10),
    Description: null,
    TaskSubtype: null,
    IsClosed: null,
    CompletedDateTime: null,
    CreatedDate: null,
    SystemModstamp: STAMP,
    ...fields,
  };
}

/** An 18-character test id: `prefix` and `n`, padded (e.g. `testId("006", 1)`). */
export const testId = (prefix: string, n: number): SalesforceId => to18(`${prefix}${String(n).padStart(12, "0")}`);
