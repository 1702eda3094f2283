/**
 * What an implementation of the Salesforce port gives the port contract suite: its users, a
 * port per user and an administrator's hands on the org ({@link PortContractHarness}). Plain
 * types, no test framework: `@tandem/engine/testing` exports them (the in-memory fake builds
 * one), `@tandem/engine/testing/contract` runs the suite over one.
 *
 * Invariant: the harness is data-level (seed, change, delete records; set field access and
 * time zones), so a real org behind an API can implement it.
 */
import type { SalesforceId } from "../model/salesforce-id.js";
import type { SalesforcePort } from "../port/salesforce-port.js";

/** Field-level security of one field for a profile. */
export interface FieldAccess {
  readonly readable: boolean;
  readonly editable: boolean;
}

/** Seeding and changing the org behind a port, as an administrator would. */
export interface ContractOrg {
  createAccount(fields: { readonly Name: string }): Promise<SalesforceId>;
  /** A contact; `AccountId: null` makes a private contact at no account. */
  createContact(fields: {
    readonly AccountId: SalesforceId | null;
    readonly LastName: string;
    readonly FirstName?: string | undefined;
    readonly Email?: string | undefined;
  }): Promise<SalesforceId>;
  createOpportunity(fields: {
    readonly Name: string;
    readonly AccountId: SalesforceId;
    readonly OwnerId: SalesforceId;
    readonly StageName: string;
    readonly CloseDate: string;
    readonly Amount?: number | undefined;
  }): Promise<SalesforceId>;
  createContactRole(fields: {
    readonly OpportunityId: SalesforceId;
    readonly ContactId: SalesforceId;
    readonly Role?: string | undefined;
  }): Promise<SalesforceId>;
  /** A Task on a contact (`ActivityDate` `YYYY-MM-DD`). */
  createTask(fields: {
    readonly WhoId: SalesforceId;
    readonly WhatId?: SalesforceId | undefined;
    readonly Subject: string;
    readonly ActivityDate: string;
    readonly OwnerId: SalesforceId;
    /** The Task's status; each harness has its default (an open one makes a to-do). */
    readonly Status?: "Completed" | "Not Started" | undefined;
  }): Promise<SalesforceId>;
  /** An Event on a contact (`StartDateTime` ISO UTC, one hour long). */
  createEvent(fields: {
    readonly WhoId: SalesforceId;
    readonly WhatId?: SalesforceId | undefined;
    readonly Subject: string;
    readonly StartDateTime: string;
    readonly OwnerId: SalesforceId;
  }): Promise<SalesforceId>;
  /** Relates one more contact to a Task or Event (a TaskRelation / EventRelation: Shared Activities). */
  relateContact(sobject: "Task" | "Event", activityId: SalesforceId, contactId: SalesforceId): Promise<void>;
  /**
   * Sets the field-level security of `sobject.field` for the contract users' profile. The org
   * has these fields beyond the shapes: Opportunity `NextStep` (text), `Competitor__c`
   * (picklist), `Budget_Confirmed__c` (checkbox); Contact `LeadSource` (picklist). Answers
   * the access it replaced, so a test can put it back.
   */
  setFieldAccess(sobject: "Opportunity" | "Contact", field: string, access: FieldAccess): Promise<FieldAccess>;
  /** Sets a user's time zone (`User.TimeZoneSidKey`); answers the one it replaced. */
  setTimeZone(userId: SalesforceId, timeZone: string): Promise<string>;
  /** Updates fields (e.g. `{ OwnerId }` to reassign, `{ StageName: "Closed Won" }` to close). */
  updateRecord(
    sobject: "Opportunity" | "Contact" | "Account",
    id: SalesforceId,
    fields: Readonly<Record<string, unknown>>,
  ): Promise<void>;
  deleteRecord(sobject: "Opportunity" | "Contact" | "OpportunityContactRole" | "Task", id: SalesforceId): Promise<void>;
  /** Lets SystemModstamp move on (an emulator advances its clock; a real org waits a second). */
  tick(): Promise<void>;
}

/** What the contract suite needs from an implementation. */
export interface PortContractHarness {
  /** Two ordinary users of the org (same profile, no View All). */
  readonly users: readonly [SalesforceId, SalesforceId];
  /** A port acting as `userId`. */
  port(userId: SalesforceId): SalesforcePort;
  readonly org: ContractOrg;
  close?(): Promise<void>;
}
