/**
 * The fields a device may edit (docs/protocol.md §3–§4 and issue 4) and the rule each value must meet,
 * plus the Task subject a logged activity gets.
 *
 * Invariant: a value that passes {@link checkFieldValue} is one Salesforce accepts for the
 * field's type and length; picklist membership of the shape's fields (StageName) is left to the
 * org, that of a configured picklist is checked against its describe values. A field beyond
 * the record's shape lives in the record's `extra` ({@link fieldValue}).
 */
import { CONTACT_SHAPE, OPPORTUNITY_SHAPE } from "./record-shapes.js";
import type { ActivityKind, EditableSObject, FieldInfo } from "./schemas.js";

/** Fields of an Opportunity a device can edit. */
export const OPPORTUNITY_EDITABLE_FIELDS = [
  "Name",
  "Amount",
  "StageName",
  "CloseDate",
  "Probability",
  "Description",
  "ForecastCategoryName",
] as const satisfies ReadonlyArray<keyof typeof OPPORTUNITY_SHAPE.fields>;

/** Fields of a Contact a device can edit. */
export const CONTACT_EDITABLE_FIELDS = [
  "FirstName",
  "LastName",
  "Title",
  "Email",
  "Phone",
  "MobilePhone",
] as const satisfies ReadonlyArray<keyof typeof CONTACT_SHAPE.fields>;

/** An editable Opportunity field. */
export type OpportunityEditableField = (typeof OPPORTUNITY_EDITABLE_FIELDS)[number];
/** An editable Contact field. */
export type ContactEditableField = (typeof CONTACT_EDITABLE_FIELDS)[number];

/** The forecast categories Salesforce knows (ForecastCategoryName picklist). */
export const FORECAST_CATEGORIES = ["Omitted", "Pipeline", "Best Case", "Most Likely", "Commit", "Closed"] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True when `text` is a real calendar date `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

type Rule = (value: unknown) => string | null;

const text =
  (max: number, required: boolean): Rule =>
  (v) => {
    if (v === null) return required ? "is required" : null;
    if (typeof v !== "string") return "must be text";
    if (required && v.trim() === "") return "is required";
    return v.length > max ? `must be at most ${max} characters` : null;
  };

const email =
  (max: number): Rule =>
  (v) => {
    const base = text(max, false)(v);
    if (base !== null || v === null) return base;
    return EMAIL.test(String(v)) ? null : "must be an email address";
  };

const RULES: Readonly<Record<EditableSObject, Readonly<Record<string, Rule>>>> = {
  Opportunity: {
    Name: text(120, true),
    Amount: (v) =>
      v === null ? null : typeof v === "number" && Number.isFinite(v) && Math.abs(v) < 1e16 ? null : "must be a number",
    StageName: text(255, true),
    CloseDate: (v) => (typeof v === "string" && isCalendarDate(v) ? null : "must be a date YYYY-MM-DD"),
    Probability: (v) =>
      v === null
        ? null
        : typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 100
          ? null
          : "must be a percentage from 0 to 100",
    Description: text(32000, false),
    ForecastCategoryName: (v) =>
      v === null || (typeof v === "string" && (FORECAST_CATEGORIES as ReadonlyArray<string>).includes(v))
        ? null
        : `must be one of ${FORECAST_CATEGORIES.join(", ")}`,
  },
  Contact: {
    FirstName: text(40, false),
    LastName: text(80, true),
    Title: text(128, false),
    Email: email(80),
    Phone: text(40, false),
    MobilePhone: text(40, false),
  },
};

/**
 * What the user's describe says of each synced object's fields (`meta.org.fields`): without it
 * (an older book) only the shape's allow-list applies.
 */
export type FieldCatalog = Readonly<Record<string, ReadonlyArray<FieldInfo>>>;

const TEXT_TYPES: ReadonlySet<string> = new Set(["string", "textarea", "url", "phone", "combobox", "encryptedstring"]);
const NUMBER_TYPES: ReadonlySet<string> = new Set(["int", "double", "currency", "percent", "long"]);
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;

/** The rule of a configured extra field, by its describe type; `null` for a type Tandem does not edit. */
function extraRule(info: FieldInfo): Rule | null {
  const orNull =
    (rule: Rule): Rule =>
    (v) =>
      v === null ? (info.nillable ? null : "is required") : rule(v);
  if (TEXT_TYPES.has(info.type)) return text(info.length ?? 255, !info.nillable);
  if (info.type === "email") return email(info.length ?? 80);
  if (info.type === "picklist") {
    const values = info.picklist ?? [];
    return orNull((v) => (typeof v === "string" && values.includes(v) ? null : `must be one of ${values.join(", ")}`));
  }
  if (info.type === "boolean") return (v) => (typeof v === "boolean" ? null : "must be true or false");
  if (NUMBER_TYPES.has(info.type))
    return orNull((v) =>
      typeof v === "number" && Number.isFinite(v) && Math.abs(v) < 1e16 ? null : "must be a number",
    );
  if (info.type === "date")
    return orNull((v) => (typeof v === "string" && isCalendarDate(v) ? null : "must be a date YYYY-MM-DD"));
  if (info.type === "datetime")
    return orNull((v) => (typeof v === "string" && DATETIME.test(v) ? null : "must be an ISO 8601 datetime"));
  return null;
}

/** The rule `value` must pass to be written to `sobject.field`, or `null` when the field is not editable. */
function ruleFor(sobject: EditableSObject, field: string, catalog: FieldCatalog | undefined): Rule | null {
  const core = Object.hasOwn(RULES[sobject], field) ? RULES[sobject][field] : undefined;
  const described = catalog?.[sobject];
  if (described === undefined) return core ?? null;
  const info = described.find((f) => f.name === field);
  // Describe decides for this user: a field it does not list is hidden from them, one it lists
  // as not updateable is read-only for them (field-level security).
  if (info === undefined || !info.updateable) return null;
  if (core !== undefined) return core;
  return info.extra && field !== "RecordTypeId" ? extraRule(info) : null;
}

/**
 * True when `field` is editable on `sobject`: one of the shape's editable fields, or a
 * configured extra field, that the user's describe (`catalog`, when the book has it) lists as
 * updateable.
 */
export function isEditableField(sobject: EditableSObject, field: string, catalog?: FieldCatalog): boolean {
  return ruleFor(sobject, field, catalog) !== null;
}

/**
 * Why `value` cannot be written to `sobject.field`, or `null` when it can.
 *
 * @example
 * ```ts
 * checkFieldValue("Opportunity", "CloseDate", "2026-02-30"); // "must be a date YYYY-MM-DD"
 * ```
 */
export function checkFieldValue(
  sobject: EditableSObject,
  field: string,
  value: unknown,
  catalog?: FieldCatalog,
): string | null {
  const rule = ruleFor(sobject, field, catalog);
  if (rule === null) return `is not an editable ${sobject} field`;
  return rule(value);
}

/** The Task subject of a logged activity, e.g. "Call with Ada Lovelace". */
export function defaultActivitySubject(kind: ActivityKind, contactName: string): string {
  switch (kind) {
    case "call":
      return `Call with ${contactName}`;
    case "email":
      return `Email with ${contactName}`;
    case "meeting":
      return `Meeting with ${contactName}`;
    case "note":
      return `Note about ${contactName}`;
  }
}

/** Trims and lower-cases an email address, the form Key-contact matching compares. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const SHAPE_FIELDS: Readonly<Record<EditableSObject, ReadonlySet<string>>> = {
  Opportunity: new Set(Object.keys(OPPORTUNITY_SHAPE.fields)),
  Contact: new Set(Object.keys(CONTACT_SHAPE.fields)),
};

/** True when `field` is one of the record shape's own fields (else it lives in `extra`). */
export const isShapeField = (sobject: EditableSObject, field: string): boolean => SHAPE_FIELDS[sobject].has(field);

/**
 * The value of `field` on a mirrored record: a shape field, else the record's `extra` field
 * (`null` when absent).
 *
 * @example
 * ```ts
 * fieldValue("Opportunity", opp, "Competitor__c"); // opp.extra?.Competitor__c ?? null
 * ```
 */
export function fieldValue(sobject: EditableSObject, record: object, field: string): unknown {
  const r = record as Record<string, unknown> & { readonly extra?: Readonly<Record<string, unknown>> };
  if (isShapeField(sobject, field)) return r[field] ?? null;
  return r.extra?.[field] ?? null;
}

/** A copy of `record` with `field` set to `value` (in `extra` for a field beyond the shape). */
export function withFieldValue<R extends object>(
  sobject: EditableSObject,
  record: R,
  field: string,
  value: unknown,
): R {
  if (isShapeField(sobject, field)) return { ...record, [field]: value };
  const extra = (record as { readonly extra?: Readonly<Record<string, unknown>> }).extra ?? {};
  return { ...record, extra: { ...extra, [field]: value } };
}
