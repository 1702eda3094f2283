/**
 * How the opportunity screen labels its fields, shows their values and words a refused edit;
 * shared by the Details card, the contact card, the conflict panel and the attention list so all
 * word a value the same way.
 *
 * Invariant: pure; no state.
 */
import type { DeviceInputErrorCode } from "@tandem/engine";
import { formatAmount, formatDate, formatDateTime, formatPercent } from "../../text/format.js";
import { DEFAULT_STAGES, type FieldSpec, SHAPE_FIELD_LABEL, type ShapeField } from "../../view-model/field-specs.js";

/** The label of each of the shape's editable fields. */
export const FIELD_LABEL: Record<ShapeField, string> = SHAPE_FIELD_LABEL;

/** The stages the Stage picker offers when the book knows no better (Salesforce's default picklist). */
export const STAGES = DEFAULT_STAGES;

const isShapeField = (field: string): field is ShapeField => Object.hasOwn(SHAPE_FIELD_LABEL, field);

/** A field's label: the form's word for a shape field, describe's label for another, else its API name. */
export function fieldLabel(field: string, spec?: Pick<FieldSpec, "label"> | undefined): string {
  if (isShapeField(field)) return FIELD_LABEL[field];
  return spec?.label ?? field;
}

/**
 * A field's value as the screen shows it ("—" when empty): booleans as Yes/No, dates in the
 * app's date format, amounts and percentages formatted, picklists and text as they are.
 * `type` is describe's type of a configured field (the shape's fields are known by name).
 */
export function showValue(field: string, value: unknown, type?: string | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if ((field === "Amount" || type === "currency") && typeof value === "number") return formatAmount(value);
  if ((field === "CloseDate" || type === "date") && typeof value === "string") return formatDate(value);
  if (type === "datetime" && typeof value === "string") return formatDateTime(value);
  if ((field === "Probability" || type === "percent") && typeof value === "number") return formatPercent(value);
  if (typeof value === "number") return new Intl.NumberFormat("en-US").format(value);
  return String(value);
}

/** What to do about a bad value, per shape field, in a salesperson's words. */
const INVALID_VALUE: Record<ShapeField, string> = {
  StageName: "Choose a stage.",
  CloseDate: "Pick a close date from the calendar.",
  Amount: "Enter the amount as a number, like 25000.",
  Probability: "Enter a probability between 0 and 100.",
  Description: "Keep the description under 32,000 characters.",
};

/** What to do about a bad value of a configured field, by its input. */
function invalidExtraValue(spec: FieldSpec): string {
  switch (spec.input.kind) {
    case "select":
      return `Choose one of ${spec.input.options.join(", ")}.`;
    case "checkbox":
      return `Tick ${spec.label} or leave it empty.`;
    case "date":
      return "Pick a date from the calendar.";
    case "decimal":
      return `Enter ${spec.label} as a number.`;
    case "text":
    case "textarea":
      return spec.input.maxLength === null
        ? `Check ${spec.label}.`
        : `Keep ${spec.label} to ${spec.input.maxLength.toLocaleString("en-US")} characters.`;
  }
}

/**
 * Why a field's edit was refused, worded for the form (the engine's message names the API
 * field and its format, e.g. "CloseDate must be a date YYYY-MM-DD"). `spec` words a
 * configured field by its input.
 */
export function fieldErrorText(
  field: string,
  code: DeviceInputErrorCode | "not-a-number",
  spec?: FieldSpec | undefined,
): string {
  switch (code) {
    case "invalid-value":
    case "not-a-number":
      if (isShapeField(field)) return INVALID_VALUE[field];
      return spec === undefined ? `Check ${field}.` : invalidExtraValue(spec);
    case "unknown-record":
      return "This opportunity is no longer in your book.";
    case "book-too-new":
      return "A newer version of Tandem wrote this book; reload the page to update, then try again.";
    case "unknown-field":
      return `Your Salesforce permissions do not allow editing ${fieldLabel(field, spec)}.`;
    default:
      return `${fieldLabel(field, spec)} can't be changed here.`;
  }
}

/** The line above a refused form: nothing was saved, and which fields to fix (by label). */
export function formErrorSummary(fields: readonly string[], specs: readonly FieldSpec[] = []): string {
  const names = fields.map((f) =>
    fieldLabel(
      f,
      specs.find((s) => s.name === f),
    ).replace(/ \(%\)$/, ""),
  );
  const list = names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `Nothing was saved. Check ${list}.`;
}
