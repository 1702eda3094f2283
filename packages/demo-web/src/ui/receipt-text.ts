/**
 * How a receipt reads to a salesperson: a short label, a tone for its badge, and for final
 * problems the reason and what to do next.
 *
 * Invariant: pure; covers every status of protocol v1 plus "queued" (no receipt yet).
 */
import type { ReceiptView } from "../view-model/view-model.js";

/** The badge of a receipt. */
export interface ReceiptText {
  readonly label: string;
  readonly tone: "neutral" | "busy" | "ok" | "error" | "warn";
  readonly detail: string | null;
  readonly action: string | null;
}

/** Describes a receipt for the activity list, the log toast and the edit overlay. */
export function receiptText(receipt: ReceiptView, what: "activity" | "edit" = "activity"): ReceiptText {
  switch (receipt.status) {
    case "queued":
      return {
        label: "Queued",
        tone: "neutral",
        detail: "Saved in your book; it goes to Salesforce once the server has it.",
        action: null,
      };
    case "pending":
      return { label: "Queued", tone: "neutral", detail: "Waiting for the next sync with Salesforce.", action: null };
    case "sending":
      return { label: "Sending", tone: "busy", detail: "Being written to Salesforce now.", action: null };
    case "applied":
      return {
        label: "In Salesforce",
        tone: "ok",
        detail: receipt.salesforceId === null ? null : `Record ${receipt.salesforceId}`,
        action: null,
      };
    case "failed":
      return {
        label: "Failed",
        tone: "error",
        detail: receipt.error === null ? "Salesforce refused it." : `${receipt.error.message} (${receipt.error.code})`,
        action:
          what === "edit"
            ? "Check the value and try again, or dismiss to keep Salesforce's value."
            : "Log it again once the cause is fixed, or ask your Salesforce admin.",
      };
    case "conflict":
      return {
        label: "Conflict",
        tone: "warn",
        detail: "Someone changed this in Salesforce after you saw it.",
        action: "Keep theirs, or re-apply yours over it.",
      };
    case "superseded":
      return { label: "Replaced", tone: "neutral", detail: "A later edit of yours replaced this one.", action: null };
    case "cancelled":
      return { label: "Cancelled", tone: "neutral", detail: "Withdrawn before it was sent.", action: null };
  }
}
