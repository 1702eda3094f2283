/**
 * The one declaration of the Salesforce records a book mirrors (docs/protocol.md): per record,
 * the Salesforce objects its rows come from and a table of field descriptors — record property,
 * Salesforce API name, kind of value, whether it may be `null`. The Effect Schemas
 * (`schemas.ts`), the record types (`records.ts`) and the adapter's SOQL field lists and row
 * readers are all derived from these tables, so a field is added in exactly one place.
 *
 * Invariants: tables are plain data (no Schema, no functions); property order is the order
 * fields are selected and stored; a field limited to some of a record's objects (`only`) is
 * nullable, because rows of the other objects carry `null` there.
 */

/** The kinds of value a mirrored field holds, as document protocol v1 stores them. */
export type FieldKind =
  /** An 18-character Salesforce id. */
  | "id"
  /** Text. */
  | "text"
  /** A finite number. */
  | "number"
  /** `true` or `false`; Salesforce never sends `null` for a checkbox. */
  | "boolean"
  /** A date `YYYY-MM-DD`. */
  | "date"
  /** An ISO 8601 UTC datetime. */
  | "datetime"
  /** Not a Salesforce field: the name of the object the row came from (e.g. `Task` or `Event`). */
  | "sobject";

/** One field of a mirrored record. */
export interface FieldDescriptor {
  readonly kind: FieldKind;
  /** `true` when the field may be `null` (no value). Default `false`. */
  readonly nullable?: boolean | undefined;
  /** The Salesforce API name when it differs from the record property (e.g. a `__c` field). */
  readonly apiName?: string | undefined;
  /** The objects that have this field, when not all of the record's objects do. */
  readonly only?: ReadonlyArray<string> | undefined;
}

/** The shape of one kind of mirrored record. */
export interface RecordShape {
  /** The Salesforce objects whose rows become this record (one, or Task and Event). */
  readonly sobjects: readonly [string, ...string[]];
  /** The record's fields by property, in storage order. */
  readonly fields: Readonly<Record<string, FieldDescriptor>>;
}

/** `opportunities[Id]`. */
export const OPPORTUNITY_SHAPE = {
  sobjects: ["Opportunity"],
  fields: {
    Id: { kind: "id" },
    Name: { kind: "text" },
    AccountId: { kind: "id", nullable: true },
    Amount: { kind: "number", nullable: true },
    StageName: { kind: "text" },
    CloseDate: { kind: "date" },
    Probability: { kind: "number", nullable: true },
    Description: { kind: "text", nullable: true },
    ForecastCategoryName: { kind: "text", nullable: true },
    IsClosed: { kind: "boolean" },
    OwnerId: { kind: "id" },
    SystemModstamp: { kind: "datetime" },
  },
} as const satisfies RecordShape;

/** `accounts[Id]`: a reference point only. */
export const ACCOUNT_SHAPE = {
  sobjects: ["Account"],
  fields: {
    Id: { kind: "id" },
    Name: { kind: "text" },
  },
} as const satisfies RecordShape;

/** `contacts[Id]`. */
export const CONTACT_SHAPE = {
  sobjects: ["Contact"],
  fields: {
    Id: { kind: "id" },
    AccountId: { kind: "id", nullable: true },
    FirstName: { kind: "text", nullable: true },
    LastName: { kind: "text" },
    Name: { kind: "text" },
    Title: { kind: "text", nullable: true },
    Email: { kind: "text", nullable: true },
    Phone: { kind: "text", nullable: true },
    MobilePhone: { kind: "text", nullable: true },
    SystemModstamp: { kind: "datetime" },
  },
} as const satisfies RecordShape;

/** `contactRoles[Id]`: an OpportunityContactRole. */
export const CONTACT_ROLE_SHAPE = {
  sobjects: ["OpportunityContactRole"],
  fields: {
    Id: { kind: "id" },
    OpportunityId: { kind: "id" },
    ContactId: { kind: "id" },
    Role: { kind: "text", nullable: true },
    IsPrimary: { kind: "boolean" },
  },
} as const satisfies RecordShape;

/** `activities[Id]`: a Task or an Event; fields that do not apply are `null`. */
export const ACTIVITY_SHAPE = {
  sobjects: ["Task", "Event"],
  fields: {
    Id: { kind: "id" },
    Type: { kind: "sobject" },
    WhoId: { kind: "id", nullable: true },
    WhatId: { kind: "id", nullable: true },
    Subject: { kind: "text", nullable: true },
    Status: { kind: "text", nullable: true, only: ["Task"] },
    ActivityDate: { kind: "date", nullable: true },
    StartDateTime: { kind: "datetime", nullable: true, only: ["Event"] },
    Description: { kind: "text", nullable: true },
    TaskSubtype: { kind: "text", nullable: true, only: ["Task"] },
    /** A Task's `IsClosed` (its status is a closed one): `false` is an open to-do. */
    IsClosed: { kind: "boolean", nullable: true, only: ["Task"] },
    /** When a Task was closed; with `CreatedDate`, the time of day a Task date lacks. */
    CompletedDateTime: { kind: "datetime", nullable: true, only: ["Task"] },
    /** Nullable: records mirrored before this field was added lack it until re-pulled. */
    CreatedDate: { kind: "datetime", nullable: true },
    OwnerId: { kind: "id" },
    SystemModstamp: { kind: "datetime" },
  },
} as const satisfies RecordShape;

/** One field of a shape as it applies to one of its objects. */
export interface ShapeField {
  /** The record property. */
  readonly property: string;
  /** The Salesforce API name to select, or `null` for a value not read from the row (`sobject`). */
  readonly apiName: string | null;
  readonly kind: FieldKind;
  readonly nullable: boolean;
  /** `false` when `sobject` does not have the field: the record holds `null`. */
  readonly present: boolean;
}

/**
 * The fields of `shape` as rows of `sobject` carry them, in storage order.
 *
 * @remarks Throws when `sobject` is not one of the shape's objects (a bug in the caller).
 * @example
 * ```ts
 * shapeFields(ACTIVITY_SHAPE, "Event").filter((f) => f.present && f.apiName !== null).map((f) => f.apiName);
 * // ["Id", "WhoId", "WhatId", "Subject", "ActivityDate", "StartDateTime", …]
 * ```
 */
export function shapeFields(shape: RecordShape, sobject: string): ReadonlyArray<ShapeField> {
  if (!shape.sobjects.includes(sobject)) {
    throw new Error(`${sobject} is not one of ${shape.sobjects.join(", ")}`);
  }
  return Object.entries(shape.fields).map(([property, field]) => ({
    property,
    apiName: field.kind === "sobject" ? null : (field.apiName ?? property),
    kind: field.kind,
    nullable: field.nullable === true,
    present: field.only === undefined || field.only.includes(sobject),
  }));
}
