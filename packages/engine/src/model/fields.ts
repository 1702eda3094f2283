/**
 * The fields a device may edit (docs/protocol.md §3–§4 and issue 4) and the rule each value must meet,
 * plus the Task subject a logged activity gets.
 *
 * Invariant: a value that passes {@link checkFieldValue} is one Salesforce accepts for the
 * field's type and length; picklist membership (StageName) is left to the org.
 */
import type { CONTACT_SHAPE, OPPORTUNITY_SHAPE } from "./record-shapes.js";
import type { ActivityKind, EditableSObject } from "./schemas.js";

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
    Email: (v) => {
      const base = text(80, false)(v);
      if (base !== null || v === null) return base;
      return EMAIL.test(String(v)) ? null : "must be an email address";
    },
    Phone: text(40, false),
    MobilePhone: text(40, false),
  },
};

/** True when `field` is editable on `sobject`. */
export function isEditableField(sobject: EditableSObject, field: string): boolean {
  return Object.hasOwn(RULES[sobject], field);
}

/**
 * Why `value` cannot be written to `sobject.field`, or `null` when it can.
 *
 * @example
 * ```ts
 * checkFieldValue("Opportunity", "CloseDate", "2026-02-30"); // "must be a date YYYY-MM-DD"
 * ```
 */
export function checkFieldValue(sobject: EditableSObject, field: string, value: unknown): string | null {
  const rule = RULES[sobject][field];
  if (rule === undefined) return `is not an editable ${sobject} field`;
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
