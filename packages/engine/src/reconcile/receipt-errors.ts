/**
 * The errors a receipt can carry: the planner's own codes, and the code and readable message
 * of a port error, with which port errors are worth another attempt.
 *
 * Invariant: a code is a fixed identifier (one of {@link RECEIPT_CODES}, a port error's tag or
 * Salesforce's error code), safe to log; a message is for the user and may quote Salesforce.
 */

import type { SalesforcePortError } from "../port/salesforce-port.js";

/** Error codes a receipt can carry besides the port's error tags. */
export const RECEIPT_CODES = {
  outOfScope: "OUT_OF_SCOPE",
  tooLate: "TOO_LATE",
  notInConflict: "NOT_IN_CONFLICT",
  unknownIntent: "UNKNOWN_INTENT",
  /** The intent does not decode, its key is not its id, or it is dated in the future. */
  invalidIntent: "INVALID_INTENT",
  /** An `editField` of a field outside the allow-list (`OwnerId`, `AccountId`, …). */
  fieldNotEditable: "FIELD_NOT_EDITABLE",
  /** An `editField` whose value has the wrong type, length or range for its field. */
  invalidValue: "INVALID_VALUE",
} as const;

/** The closing sentence of every refusal: the user must know Salesforce was not touched. */
export const NOTHING_WRITTEN = "Nothing was written to Salesforce.";

const RETRYABLE = new Set(["RateLimited", "RowLocked", "SessionExpired", "Unavailable", "OutcomeUnknown"]);

/** True when a port error may succeed on a later attempt. */
export function isRetryable(error: SalesforcePortError): boolean {
  return RETRYABLE.has(error._tag);
}

/** A readable message for a port error (validation errors name the fields). */
export function describePortError(error: SalesforcePortError): { code: string; message: string } {
  switch (error._tag) {
    case "ValidationFailed":
      return {
        code: error.code,
        message: error.fields.length > 0 ? `${error.message} (${error.fields.join(", ")})` : error.message,
      };
    case "AccessDenied":
      return { code: error.code, message: error.message };
    default:
      return { code: error._tag, message: error.message };
  }
}
