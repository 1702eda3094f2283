/**
 * The fields the adapter selects per object and the conversion of query rows into the
 * engine's record shapes (docs/protocol.md): `attributes` dropped, 18-character ids, datetimes as
 * ISO 8601 UTC (`…Z`), dates `YYYY-MM-DD`, and `null` for no value.
 *
 * Invariant: every record returned has exactly the fields of its `model/records.ts` type.
 */
import {
  type AccountRecord,
  type ActivityRecord,
  type ContactRecord,
  type ContactRoleRecord,
  type OpportunityRecord,
  readSalesforceId,
  type SalesforceId,
} from "@tandem/engine";

type Row = Readonly<Record<string, unknown>>;

export const OPPORTUNITY_FIELDS = [
  "Id",
  "Name",
  "AccountId",
  "Amount",
  "StageName",
  "CloseDate",
  "Probability",
  "Description",
  "ForecastCategoryName",
  "IsClosed",
  "OwnerId",
  "SystemModstamp",
] as const;
export const ACCOUNT_FIELDS = ["Id", "Name", "SystemModstamp"] as const;
export const CONTACT_FIELDS = [
  "Id",
  "AccountId",
  "FirstName",
  "LastName",
  "Name",
  "Title",
  "Email",
  "Phone",
  "MobilePhone",
  "SystemModstamp",
] as const;
export const CONTACT_ROLE_FIELDS = ["Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "SystemModstamp"] as const;
export const TASK_FIELDS = [
  "Id",
  "WhoId",
  "WhatId",
  "Subject",
  "Status",
  "ActivityDate",
  "Description",
  "TaskSubtype",
  "OwnerId",
  "SystemModstamp",
] as const;
export const EVENT_FIELDS = [
  "Id",
  "WhoId",
  "WhatId",
  "Subject",
  "ActivityDate",
  "StartDateTime",
  "Description",
  "OwnerId",
  "SystemModstamp",
] as const;

/** A row that could not be read as its record type (a server bug or an unexpected shape). */
export class UnexpectedRowError extends Error {
  override readonly name = "UnexpectedRowError";
}

function str(row: Row, field: string): string | null {
  const v = row[field];
  return typeof v === "string" ? v : null;
}

function requiredStr(row: Row, field: string): string {
  const v = str(row, field);
  if (v === null) throw new UnexpectedRowError(`row lacks ${field}`);
  return v;
}

function num(row: Row, field: string): number | null {
  const v = row[field];
  return typeof v === "number" ? v : null;
}

/** A Salesforce id field as an 18-character id, or null. */
export function idOrNull(row: Row, field: string): SalesforceId | null {
  const v = str(row, field);
  return v === null || v === "" ? null : readSalesforceId(v);
}

function id(row: Row, field: string): SalesforceId {
  return readSalesforceId(requiredStr(row, field));
}

/** A Salesforce datetime (`2026-11-26T10:00:00.000+0000`) as ISO 8601 UTC (`…Z`). */
export function isoDateTime(value: string): string {
  const normalized = value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(normalized);
  if (Number.isNaN(ms)) throw new UnexpectedRowError(`not a datetime: ${value}`);
  return new Date(ms).toISOString();
}

function dateTimeOrNull(row: Row, field: string): string | null {
  const v = str(row, field);
  return v === null ? null : isoDateTime(v);
}

/** The row's SystemModstamp as ISO 8601 UTC. */
export function modstampOf(row: Row): string {
  return isoDateTime(requiredStr(row, "SystemModstamp"));
}

export function toOpportunity(row: Row): OpportunityRecord {
  return {
    Id: id(row, "Id"),
    Name: requiredStr(row, "Name"),
    AccountId: idOrNull(row, "AccountId"),
    Amount: num(row, "Amount"),
    StageName: requiredStr(row, "StageName"),
    CloseDate: requiredStr(row, "CloseDate"),
    Probability: num(row, "Probability"),
    Description: str(row, "Description"),
    ForecastCategoryName: str(row, "ForecastCategoryName"),
    IsClosed: row.IsClosed === true,
    OwnerId: id(row, "OwnerId"),
    SystemModstamp: modstampOf(row),
  };
}

export function toAccount(row: Row): AccountRecord {
  return { Id: id(row, "Id"), Name: requiredStr(row, "Name") };
}

export function toContact(row: Row): ContactRecord {
  return {
    Id: id(row, "Id"),
    AccountId: idOrNull(row, "AccountId"),
    FirstName: str(row, "FirstName"),
    LastName: requiredStr(row, "LastName"),
    Name: requiredStr(row, "Name"),
    Title: str(row, "Title"),
    Email: str(row, "Email"),
    Phone: str(row, "Phone"),
    MobilePhone: str(row, "MobilePhone"),
    SystemModstamp: modstampOf(row),
  };
}

export function toContactRole(row: Row): ContactRoleRecord {
  return {
    Id: id(row, "Id"),
    OpportunityId: id(row, "OpportunityId"),
    ContactId: id(row, "ContactId"),
    Role: str(row, "Role"),
    IsPrimary: row.IsPrimary === true,
  };
}

export function toTask(row: Row): ActivityRecord {
  return {
    Id: id(row, "Id"),
    Type: "Task",
    WhoId: idOrNull(row, "WhoId"),
    WhatId: idOrNull(row, "WhatId"),
    Subject: str(row, "Subject"),
    Status: str(row, "Status"),
    ActivityDate: str(row, "ActivityDate"),
    StartDateTime: null,
    Description: str(row, "Description"),
    TaskSubtype: str(row, "TaskSubtype"),
    OwnerId: id(row, "OwnerId"),
    SystemModstamp: modstampOf(row),
  };
}

export function toEvent(row: Row): ActivityRecord {
  return {
    Id: id(row, "Id"),
    Type: "Event",
    WhoId: idOrNull(row, "WhoId"),
    WhatId: idOrNull(row, "WhatId"),
    Subject: str(row, "Subject"),
    Status: null,
    ActivityDate: str(row, "ActivityDate"),
    StartDateTime: dateTimeOrNull(row, "StartDateTime"),
    Description: str(row, "Description"),
    TaskSubtype: null,
    OwnerId: id(row, "OwnerId"),
    SystemModstamp: modstampOf(row),
  };
}
