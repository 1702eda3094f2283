/**
 * The Salesforce records a book mirrors, exactly as document protocol v1 stores them
 * (docs/protocol.md): Salesforce field names and value formats, dates `YYYY-MM-DD`, datetimes ISO
 * 8601 UTC, ids 18 characters, and `null` for a field with no value.
 *
 * Invariant: these are plain JSON values; nothing here is a Y type.
 */
import type { SalesforceId } from "./salesforce-id.js";

/** `opportunities[Id]`. */
export interface OpportunityRecord {
  readonly Id: SalesforceId;
  readonly Name: string;
  readonly AccountId: SalesforceId | null;
  readonly Amount: number | null;
  readonly StageName: string;
  readonly CloseDate: string;
  readonly Probability: number | null;
  readonly Description: string | null;
  readonly ForecastCategoryName: string | null;
  readonly IsClosed: boolean;
  readonly OwnerId: SalesforceId;
  readonly SystemModstamp: string;
}

/** `accounts[Id]`: a reference point only. */
export interface AccountRecord {
  readonly Id: SalesforceId;
  readonly Name: string;
}

/** `contacts[Id]`. */
export interface ContactRecord {
  readonly Id: SalesforceId;
  readonly AccountId: SalesforceId | null;
  readonly FirstName: string | null;
  readonly LastName: string;
  readonly Name: string;
  readonly Title: string | null;
  readonly Email: string | null;
  readonly Phone: string | null;
  readonly MobilePhone: string | null;
  readonly SystemModstamp: string;
}

/** `contactRoles[Id]`: an OpportunityContactRole. */
export interface ContactRoleRecord {
  readonly Id: SalesforceId;
  readonly OpportunityId: SalesforceId;
  readonly ContactId: SalesforceId;
  readonly Role: string | null;
  readonly IsPrimary: boolean;
}

/** `activities[Id]`: a Task or an Event; fields that do not apply are `null`. */
export interface ActivityRecord {
  readonly Id: SalesforceId;
  readonly Type: "Task" | "Event";
  readonly WhoId: SalesforceId | null;
  readonly WhatId: SalesforceId | null;
  readonly Subject: string | null;
  readonly Status: string | null;
  readonly ActivityDate: string | null;
  readonly StartDateTime: string | null;
  readonly Description: string | null;
  readonly TaskSubtype: string | null;
  readonly OwnerId: SalesforceId;
  readonly SystemModstamp: string;
}
