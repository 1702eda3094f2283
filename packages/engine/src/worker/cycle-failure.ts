/**
 * How the worker loop classifies a failed cycle: the runner's typed error (its exit's cause), a
 * failure before the runner ran (no port: {@link SalesforceSignInError}), or a defect.
 *
 * Invariants: pure functions of their input; failures are classified by their type, never by
 * their text; a message is for the user (it may quote Salesforce), a code is safe to log.
 */
import { Cause, Option } from "effect";
import { describeRunnerError, type RunnerError, SYNC_ERROR_CODES } from "../runner/runner.js";
import { SalesforceSignInError } from "./book-sync-salesforce.js";

/** A failed cycle, classified by its type. */
export interface CycleFailure {
  /** A fixed identifier of the kind of failure (a port error's tag, or `code`), for metrics and hooks. */
  readonly tag: string;
  /** What `meta.sync.lastError.code` records; safe to log. */
  readonly code: string;
  /** A readable message for the user (it may quote Salesforce: not for logs). */
  readonly message: string;
  /** Whether the grant is gone for good: the loop stops. */
  readonly revoked: boolean;
  /** Whether `meta.sync` already records it (the runner records its own failures). */
  readonly recorded: boolean;
}

/** A failed runner exit: its typed error, or a defect. */
export function fromCause(cause: Cause.Cause<RunnerError>): CycleFailure {
  const error = Cause.findErrorOption(cause);
  if (Option.isNone(error)) {
    const code = SYNC_ERROR_CODES.internal;
    return { tag: code, code, message: "An unexpected error stopped the sync cycle.", revoked: false, recorded: false };
  }
  const e = error.value;
  const d = describeRunnerError(e);
  const tag = e._tag === "CycleFailed" ? e.error._tag : d.code;
  return { ...d, tag, revoked: tag === "Revoked", recorded: true };
}

/** A failure before the runner ran: the port could not be built, or the book not held. */
export function fromThrown(error: unknown): CycleFailure {
  if (error instanceof SalesforceSignInError) {
    return { tag: error.code, code: error.code, message: error.message, revoked: error.revoked, recorded: false };
  }
  const code = SYNC_ERROR_CODES.internal;
  return { tag: code, code, message: "The sync cycle could not start.", revoked: false, recorded: false };
}
