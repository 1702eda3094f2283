/**
 * An in-memory Salesforce org for tests: users, record ownership, the book's objects, Tasks
 * carrying idempotency keys, an API-call counter and its own clock (advanced by each write, or
 * by the test). Only what the port needs, faithful to the rules the port contract states.
 *
 * Invariants: every write stamps `SystemModstamp` from the org clock, which only moves forward
 * (one millisecond per write at least), so watermarks order changes; ids are valid 18-character
 * ids with the right key prefix.
 */
import type {
  AccountRecord,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
} from "../model/records.js";
import { type SalesforceId, to18 } from "../model/salesforce-id.js";

/** The default opportunity stages of a new org, with whether each is closed. */
export const FAKE_STAGES: ReadonlyMap<string, { readonly closed: boolean; readonly probability: number }> = new Map([
  ["Prospecting", { closed: false, probability: 10 }],
  ["Qualification", { closed: false, probability: 10 }],
  ["Needs Analysis", { closed: false, probability: 20 }],
  ["Value Proposition", { closed: false, probability: 50 }],
  ["Id. Decision Makers", { closed: false, probability: 60 }],
  ["Perception Analysis", { closed: false, probability: 70 }],
  ["Proposal/Price Quote", { closed: false, probability: 75 }],
  ["Negotiation/Review", { closed: false, probability: 90 }],
  ["Closed Won", { closed: true, probability: 100 }],
  ["Closed Lost", { closed: true, probability: 0 }],
]);

/** Objects of the fake org. */
export type FakeSObject = "Opportunity" | "Account" | "Contact" | "OpportunityContactRole" | "Task" | "Event";

const PREFIX: Record<FakeSObject | "User", string> = {
  User: "005",
  Opportunity: "006",
  Account: "001",
  Contact: "003",
  OpportunityContactRole: "00K",
  Task: "00T",
  Event: "00U",
};

/** A stored Task or Event, with the idempotency key it was created with. */
export interface FakeActivity extends ActivityRecord {
  readonly idempotencyKey: string | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Options of {@link FakeOrg}. */
export interface FakeOrgOptions {
  /** Org clock start (ms since epoch). Default 2026-01-01T00:00:00Z. */
  readonly startMs?: number | undefined;
  /** Daily API allocation reported by `usage()`. Default 100,000. */
  readonly apiMax?: number | undefined;
}

/** A field the fake org has beyond the shapes (its describe type and picklist values). */
export interface FakeExtraField {
  readonly type: "string" | "picklist" | "boolean" | "date" | "double";
  readonly picklist?: ReadonlyArray<string> | undefined;
}

/** The fields the fake org has beyond the shapes, per object (the contract's `setFieldAccess` doc lists them). */
export const FAKE_EXTRA_FIELDS: Readonly<Record<string, Readonly<Record<string, FakeExtraField>>>> = {
  Opportunity: {
    NextStep: { type: "string" },
    Type: { type: "picklist", picklist: ["Existing Business", "New Business"] },
    LeadSource: { type: "picklist", picklist: ["Web", "Phone Inquiry", "Partner Referral", "Other"] },
    Competitor__c: { type: "picklist", picklist: ["Acme Corp", "Globex", "Initech", "None"] },
    Budget_Confirmed__c: { type: "boolean" },
    Next_Step_Date__c: { type: "date" },
  },
  Contact: {
    LeadSource: { type: "picklist", picklist: ["Web", "Phone Inquiry", "Partner Referral", "Other"] },
  },
  Task: { Outcome__c: { type: "picklist", picklist: ["Positive", "Neutral", "Negative"] } },
  Event: { Outcome__c: { type: "picklist", picklist: ["Positive", "Neutral", "Negative"] } },
};

/** A record type of the fake org, with the stages its sales process allows. */
export interface FakeRecordType {
  readonly id: SalesforceId;
  readonly name: string;
  readonly developerName: string;
  readonly isDefault: boolean;
  readonly stages: ReadonlyArray<string>;
}

/** An in-memory org. */
export class FakeOrg {
  private clockMs: number;
  private seq = 0;
  readonly users = new Map<SalesforceId, { readonly name: string; revoked: boolean }>();
  readonly opportunities = new Map<SalesforceId, OpportunityRecord>();
  readonly accounts = new Map<SalesforceId, AccountRecord & { readonly SystemModstamp: string }>();
  readonly contacts = new Map<SalesforceId, ContactRecord>();
  readonly contactRoles = new Map<SalesforceId, ContactRoleRecord & { readonly SystemModstamp: string }>();
  readonly activities = new Map<SalesforceId, FakeActivity>();
  /** Fields beyond the shapes, per record id (see {@link FAKE_EXTRA_FIELDS}). */
  readonly extras = new Map<SalesforceId, Record<string, unknown>>();
  /** The contacts a Task or Event relates beyond its `WhoId` (TaskRelation / EventRelation). */
  readonly relations = new Map<SalesforceId, Set<SalesforceId>>();
  /** Field-level security of every user, by `Object.Field`: absent means readable and editable. */
  readonly fieldAccess = new Map<string, { readonly readable: boolean; readonly editable: boolean }>();
  /** Each user's `TimeZoneSidKey`. */
  readonly timeZones = new Map<SalesforceId, string>();
  /** Opportunity record types (none by default: the org then has no `RecordTypeId`). */
  readonly recordTypes: FakeRecordType[] = [];
  /** API calls made against the org by every port. */
  apiCalls = 0;
  /** The org's instance URL (links to a record are `<instanceUrl>/<Id>`). */
  readonly instanceUrl = "https://fake.my.salesforce.com";
  readonly apiMax: number;

  constructor(options: FakeOrgOptions = {}) {
    this.clockMs = options.startMs ?? Date.UTC(2026, 0, 1);
    this.apiMax = options.apiMax ?? 100_000;
  }

  /** The org clock now (ISO). */
  now(): string {
    return new Date(this.clockMs).toISOString();
  }

  /** Moves the org clock forward. */
  advance(ms: number): void {
    this.clockMs += Math.max(0, ms);
  }

  private stamp(): string {
    this.clockMs += 1;
    return new Date(this.clockMs).toISOString();
  }

  private newId(kind: FakeSObject | "User"): SalesforceId {
    this.seq++;
    return to18(`${PREFIX[kind]}00000${this.seq.toString(36).toUpperCase().padStart(7, "0")}`);
  }

  /** Adds a user; returns their id. */
  addUser(name: string): SalesforceId {
    const id = this.newId("User");
    this.users.set(id, { name, revoked: false });
    this.timeZones.set(id, "America/Los_Angeles");
    return id;
  }

  /** Relates one more contact to a Task or Event, restamping it (as Shared Activities would). */
  relateContact(activityId: SalesforceId, contactId: SalesforceId): void {
    const a = this.activities.get(activityId);
    if (a === undefined) throw new Error(`no activity ${activityId}`);
    const set = this.relations.get(activityId) ?? new Set();
    set.add(contactId);
    this.relations.set(activityId, set);
    this.activities.set(activityId, { ...a, SystemModstamp: this.stamp() });
  }

  /** Adds an Opportunity record type; the first added is the users' default. */
  addRecordType(name: string, stages: ReadonlyArray<string>): SalesforceId {
    this.seq++;
    const id = to18(`01200000${this.seq.toString(36).toUpperCase().padStart(7, "0")}`);
    this.recordTypes.push({
      id,
      name,
      developerName: name.replace(/\W+/g, "_"),
      isDefault: this.recordTypes.length === 0,
      stages,
    });
    return id;
  }

  /** The user may read `sobject.field` (field-level security). */
  canRead(sobject: string, field: string): boolean {
    return this.fieldAccess.get(`${sobject}.${field}`)?.readable ?? true;
  }

  /** The user may edit `sobject.field` (field-level security). */
  canEdit(sobject: string, field: string): boolean {
    const access = this.fieldAccess.get(`${sobject}.${field}`);
    return access === undefined || (access.readable && access.editable);
  }

  /** Revokes a user's refresh token: their ports fail with `Revoked` from now on. */
  revoke(userId: SalesforceId): void {
    const u = this.users.get(userId);
    if (u) u.revoked = true;
  }

  /** Creates an Account named `fields.Name`; returns its id. */
  createAccount(fields: { readonly Name: string }): SalesforceId {
    const id = this.newId("Account");
    this.accounts.set(id, { Id: id, Name: fields.Name, SystemModstamp: this.stamp() });
    return id;
  }

  /** Creates a Contact (its `Name` made from first and last name); returns its id. */
  createContact(fields: {
    readonly AccountId: SalesforceId | null;
    readonly LastName: string;
    readonly FirstName?: string | null | undefined;
    readonly Email?: string | null | undefined;
    readonly Title?: string | null | undefined;
    readonly Phone?: string | null | undefined;
  }): SalesforceId {
    const id = this.newId("Contact");
    const first = fields.FirstName ?? null;
    this.contacts.set(id, {
      Id: id,
      AccountId: fields.AccountId,
      FirstName: first,
      LastName: fields.LastName,
      Name: first ? `${first} ${fields.LastName}` : fields.LastName,
      Title: fields.Title ?? null,
      Email: fields.Email ?? null,
      Phone: fields.Phone ?? null,
      MobilePhone: null,
      SystemModstamp: this.stamp(),
    });
    return id;
  }

  /** Creates an Opportunity; its Probability, forecast category and IsClosed follow the stage ({@link FAKE_STAGES}). Returns its id. */
  createOpportunity(fields: {
    readonly Name: string;
    readonly AccountId: SalesforceId | null;
    readonly OwnerId: SalesforceId;
    readonly StageName: string;
    readonly CloseDate: string;
    readonly Amount?: number | null | undefined;
  }): SalesforceId {
    const id = this.newId("Opportunity");
    const stage = FAKE_STAGES.get(fields.StageName);
    this.opportunities.set(id, {
      Id: id,
      Name: fields.Name,
      AccountId: fields.AccountId,
      Amount: fields.Amount ?? null,
      StageName: fields.StageName,
      CloseDate: fields.CloseDate,
      Probability: stage?.probability ?? null,
      Description: null,
      ForecastCategoryName: stage?.closed ? "Closed" : "Pipeline",
      IsClosed: stage?.closed ?? false,
      OwnerId: fields.OwnerId,
      SystemModstamp: this.stamp(),
    });
    return id;
  }

  /** Links a contact to an opportunity with an OpportunityContactRole; returns its id. */
  createContactRole(fields: {
    readonly OpportunityId: SalesforceId;
    readonly ContactId: SalesforceId;
    readonly Role?: string | null | undefined;
    readonly IsPrimary?: boolean | undefined;
  }): SalesforceId {
    const id = this.newId("OpportunityContactRole");
    this.contactRoles.set(id, {
      Id: id,
      OpportunityId: fields.OpportunityId,
      ContactId: fields.ContactId,
      Role: fields.Role ?? null,
      IsPrimary: fields.IsPrimary ?? false,
      SystemModstamp: this.stamp(),
    });
    return id;
  }

  /** Creates a Task (or an Event with `StartDateTime`). */
  createActivity(fields: {
    readonly Type?: "Task" | "Event" | undefined;
    readonly WhoId: SalesforceId | null;
    readonly WhatId?: SalesforceId | null | undefined;
    readonly Subject: string;
    readonly ActivityDate: string;
    readonly StartDateTime?: string | null | undefined;
    readonly OwnerId: SalesforceId;
    readonly Status?: string | null | undefined;
    readonly Description?: string | null | undefined;
    readonly TaskSubtype?: string | null | undefined;
    readonly idempotencyKey?: string | null | undefined;
  }): SalesforceId {
    const type = fields.Type ?? "Task";
    const id = this.newId(type);
    const stamp = this.stamp();
    const status = type === "Task" ? (fields.Status ?? "Not Started") : null;
    this.activities.set(id, {
      Id: id,
      Type: type,
      WhoId: fields.WhoId,
      WhatId: fields.WhatId ?? null,
      Subject: fields.Subject,
      Status: status,
      ActivityDate: fields.ActivityDate,
      StartDateTime: type === "Event" ? (fields.StartDateTime ?? `${fields.ActivityDate}T09:00:00.000Z`) : null,
      Description: fields.Description ?? null,
      TaskSubtype: type === "Task" ? (fields.TaskSubtype ?? "Task") : null,
      // As Salesforce derives them: a Task is closed in the Completed status, completed at creation.
      IsClosed: type === "Task" ? status === "Completed" : null,
      CompletedDateTime: status === "Completed" ? stamp : null,
      CreatedDate: stamp,
      OwnerId: fields.OwnerId,
      SystemModstamp: stamp,
      idempotencyKey: fields.idempotencyKey ?? null,
    });
    return id;
  }

  /** Updates fields of a record, restamping it; derived fields follow (IsClosed, Name). */
  updateRecord(sobject: FakeSObject, id: SalesforceId, fields: Readonly<Record<string, unknown>>): void {
    const table = this.table(sobject);
    const current = table.get(id);
    if (current === undefined) throw new Error(`no ${sobject} ${id}`);
    const extraFields = FAKE_EXTRA_FIELDS[sobject] ?? {};
    const own: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(fields)) {
      if (Object.hasOwn(extraFields, field) || field === "RecordTypeId")
        this.extras.set(id, { ...(this.extras.get(id) ?? {}), [field]: value });
      else own[field] = value;
    }
    const next = { ...current, ...own, SystemModstamp: this.stamp() } as Mutable<typeof current> &
      Record<string, unknown>;
    if (sobject === "Opportunity" && typeof fields.StageName === "string") {
      const stage = FAKE_STAGES.get(fields.StageName);
      if (stage) next.IsClosed = stage.closed;
    }
    if (sobject === "Task" && typeof fields.Status === "string") {
      const closed = fields.Status === "Completed";
      if (closed && next.IsClosed !== true) next.CompletedDateTime = next.SystemModstamp;
      if (!closed) next.CompletedDateTime = null;
      next.IsClosed = closed;
    }
    if (sobject === "Contact" && ("FirstName" in fields || "LastName" in fields)) {
      next.Name = next.FirstName ? `${String(next.FirstName)} ${String(next.LastName)}` : String(next.LastName);
    }
    table.set(id, next);
  }

  /** Deletes a record (roles of a deleted opportunity or contact go with it). */
  deleteRecord(sobject: FakeSObject, id: SalesforceId): void {
    this.table(sobject).delete(id);
    this.relations.delete(id);
    for (const related of this.relations.values()) related.delete(id);
    if (sobject === "Opportunity" || sobject === "Contact") {
      for (const [rid, r] of this.contactRoles) {
        if (r.OpportunityId === id || r.ContactId === id) this.contactRoles.delete(rid);
      }
    }
  }

  /** The Task created with `key`, if any. */
  findByKey(key: string): FakeActivity | undefined {
    for (const a of this.activities.values()) if (a.idempotencyKey === key) return a;
    return undefined;
  }

  private table(sobject: FakeSObject): Map<SalesforceId, { readonly Id: SalesforceId }> {
    switch (sobject) {
      case "Opportunity":
        return this.opportunities;
      case "Account":
        return this.accounts;
      case "Contact":
        return this.contacts;
      case "OpportunityContactRole":
        return this.contactRoles;
      case "Task":
      case "Event":
        return this.activities;
    }
  }
}
