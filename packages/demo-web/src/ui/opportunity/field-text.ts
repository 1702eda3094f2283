/**
 * How the opportunity screen labels, shows and parses its editable fields; shared by the
 * Details card and the conflict panel so both word a value the same way.
 *
 * Invariant: pure; no state.
 */
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
