/**
 * How the opportunity screen labels, shows and parses its editable fields; shared by the
 * Details card and the conflict panel so both word a value the same way.
 *
 * Invariant: pure; no state.
 */
import type { DeviceInputErrorCode } from "@tandem/engine";
import type { EditableField, PipelineRow } from "../../view-model/view-model.js";
import { formatAmount, formatDate, formatPercent } from "../format.js";

/** The label of each editable field. */
export const FIELD_LABEL: Record<EditableField, string> = {
  StageName: "Stage",
  CloseDate: "Close date",
  Amount: "Amount",
  Probability: "Probability (%)",
  Description: "Description",
};

/** The stages the Stage picker offers (Salesforce's default picklist). */
export const STAGES = [
  "Prospecting",
  "Qualification",
  "Needs Analysis",
  "Value Proposition",
  "Id. Decision Makers",
  "Perception Analysis",
  "Proposal/Price Quote",
  "Negotiation/Review",
  "Closed Won",
  "Closed Lost",
];

/** A field's value as the screen shows it ("—" when empty). */
export function showValue(field: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (field === "Amount" && typeof value === "number") return formatAmount(value);
  if (field === "CloseDate" && typeof value === "string") return formatDate(value);
  if (field === "Probability" && typeof value === "number") return formatPercent(value);
  return String(value);
}

/** The shown (pending edits applied) value of an editable field of a row. */
export function fieldValue(row: PipelineRow, field: EditableField): unknown {
  switch (field) {
    case "StageName":
      return row.stage;
    case "CloseDate":
      return row.closeDate;
    case "Amount":
      return row.amount;
    case "Probability":
      return row.probability;
    case "Description":
      return row.description;
  }
}

/** The value typed into a field's input; `undefined` when a number field holds no number. */
export function parseInput(field: EditableField, text: string): unknown {
  if (field === "Amount" || field === "Probability") {
    const trimmed = text.trim();
    if (trimmed === "") return null;
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : undefined;
  }
  if (field === "Description") return text === "" ? null : text;
  return text;
}

/** What to do about a bad value, per field, in a salesperson's words. */
const INVALID_VALUE: Record<EditableField, string> = {
  StageName: "Choose a stage.",
  CloseDate: "Pick a close date from the calendar.",
  Amount: "Enter the amount as a number, like 25000.",
  Probability: "Enter a probability between 0 and 100.",
  Description: "Keep the description under 32,000 characters.",
};

/**
 * Why a field's edit was refused, worded for the form (the engine's message names the API
 * field and its format, e.g. "CloseDate must be a date YYYY-MM-DD").
 */
export function fieldErrorText(field: EditableField, code: DeviceInputErrorCode | "not-a-number"): string {
  switch (code) {
    case "invalid-value":
    case "not-a-number":
      return INVALID_VALUE[field];
    case "unknown-record":
      return "This opportunity is no longer in your book.";
    case "book-too-new":
      return "A newer version of Tandem wrote this book; reload the page to update, then try again.";
    default:
      return `${FIELD_LABEL[field]} can't be changed here.`;
  }
}

/** The line above a refused form: nothing was saved, and which fields to fix. */
export function formErrorSummary(fields: readonly EditableField[]): string {
  const names = fields.map((f) => FIELD_LABEL[f].replace(/ \(%\)$/, ""));
  const list = names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `Nothing was saved. Check ${list}.`;
}
