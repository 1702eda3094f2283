/**
 * How a receipt reads to a salesperson: a short label, a tone for its badge, and for final
 * problems the reason and what to do next.
 *
 * Invariant: pure; covers every status of protocol v1 plus "queued" (no receipt yet). Words
 * are a salesperson's: Salesforce's error codes never show alone, and an intent another device
 * wrote never reads as this device's.
 */
import type { ReceiptView } from "../view-model/view-model.js";

/** The badge of a receipt. */
export interface ReceiptText {
  readonly label: string;
  readonly tone: "neutral" | "busy" | "ok" | "error" | "warn";
  readonly detail: string | null;
  readonly action: string | null;
}

/** Who wrote the intent a receipt is for: this device, another device of the user, or unknown. */
export type IntentAuthor = "this-device" | "other-device" | "unknown";

/** Salesforce's (and Tandem's) error codes a salesperson may meet, in their words. */
const FAILURE_REASON: Readonly<Record<string, string>> = {
  INSUFFICIENT_ACCESS_OR_READONLY: "You don't have permission to change this record in Salesforce.",
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: "You don't have access to a record this one points to.",
  ENTITY_IS_DELETED: "This record was deleted in Salesforce.",
  INVALID_CROSS_REFERENCE_KEY: "A record this one points to no longer exists in Salesforce.",
  FIELD_CUSTOM_VALIDATION_EXCEPTION: "A rule in your Salesforce org refused this value.",
  FIELD_INTEGRITY_EXCEPTION: "Salesforce does not accept this value for the field.",
  INVALID_FIELD: "Salesforce does not have this field (ask your Salesforce admin).",
  REQUIRED_FIELD_MISSING: "Salesforce needs a field that was left empty.",
  STRING_TOO_LONG: "The text is too long for Salesforce.",
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: "Salesforce does not offer this choice for the field.",
  MALFORMED_ID: "A record id was not valid.",
  TOO_LATE: "It waited too long to be sent and was not written.",
  INVALID_INTENT: "Tandem could not read this change.",
};

/** Why Salesforce refused something, worded for a salesperson (its own message as the detail). */
export function failureReason(error: { readonly code: string; readonly message: string } | null): string {
  if (error === null) return "Salesforce refused it.";
  const reason = FAILURE_REASON[error.code];
  if (reason === undefined) return `Salesforce refused it: ${error.message}`;
  // A custom validation rule's own message is written by the org's admin for users: show it.
  return error.code === "FIELD_CUSTOM_VALIDATION_EXCEPTION" ? `${reason} It says: ${error.message}` : reason;
}

/** Describes a receipt for the activity list, the log toast and the edit overlay. */
export function receiptText(
  receipt: ReceiptView,
  what: "activity" | "edit" = "activity",
  author: IntentAuthor = "this-device",
): ReceiptText {
  switch (receipt.status) {
    case "queued":
      return {
        label: "Queued",
        tone: "neutral",
        detail:
          author === "other-device"
            ? "Made on another of your devices; the server sends it to Salesforce at its next sync."
            : "Saved in your book; it goes to Salesforce once the server has it.",
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
        detail: failureReason(receipt.error),
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
      return {
        label: "Replaced",
        tone: "neutral",
        detail:
          author === "other-device"
            ? "A later edit (on this or another device) replaced this one."
            : "A later edit of yours replaced this one.",
        action: null,
      };
    case "cancelled":
      return {
        label: "Cancelled",
        tone: "neutral",
        detail:
          author === "other-device"
            ? "Withdrawn on another device before it was sent."
            : "Withdrawn before it was sent.",
        action: null,
      };
  }
}
