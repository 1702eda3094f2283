/**
 * Maps every way a Salesforce call can fail onto the port's typed errors: jsforce
 * `HttpApiError`s (`errorCode`), sObject Collection items (`statusCode`), OAuth errors
 * (`name = "invalid_grant"`), jsforce's refresh failure, and network errors from node-fetch.
 *
 * Invariant: this is the one place `unknown` failures are turned into typed errors; a
 * connection lost after a write was sent is always `OutcomeUnknown`, never `Unavailable`.
 */
import {
  AccessDenied,
  NotFound,
  OutcomeUnknown,
  RateLimited,
  Revoked,
  RowLocked,
  type SalesforcePortError,
  SessionExpired,
  Unavailable,
  ValidationFailed,
} from "@tandem/engine";

/** What the mapper knows about the failed call. */
export interface ErrorContext {
  /** HTTP method of the call; decides whether a lost connection leaves the outcome unknown. */
  readonly method: string;
  /** HTTP status of the response, when one arrived. */
  readonly status?: number | undefined;
  /** `Retry-After` of the response in milliseconds, when Salesforce sent one. */
  readonly retryAfterMs?: number | undefined;
  /** Wait suggested for rate limits without a `Retry-After`. Default 60 s. */
  readonly defaultRetryAfterMs?: number | undefined;
  /** The name of the last OAuth refresh failure (e.g. `invalid_grant`), if a refresh failed. */
  readonly refreshErrorName?: string | undefined;
}

const RATE_LIMIT_CODES = new Set(["REQUEST_LIMIT_EXCEEDED", "TOO_MANY_REQUESTS", "ERROR_HTTP_429", "ERROR_HTTP_420"]);
const SESSION_CODES = new Set(["INVALID_SESSION_ID", "INVALID_AUTH_HEADER", "ERROR_HTTP_401"]);
/** OAuth error codes after which the grant is gone for good (`Revoked`; a session's `revoked`). */
export const REVOKED_CODES: ReadonlySet<string> = new Set([
  "invalid_grant",
  "inactive_user",
  "inactive_org",
  "invalid_client_id",
  "invalid_client",
]);
const ACCESS_CODES = new Set([
  "INSUFFICIENT_ACCESS",
  "INSUFFICIENT_ACCESS_OR_READONLY",
  "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
  "INSUFFICIENT_PRIVILEGES",
  "CANNOT_EXECUTE_FLOW_TRIGGER",
  "API_DISABLED_FOR_ORG",
  "API_CURRENTLY_DISABLED",
  "FUNCTIONALITY_NOT_ENABLED",
  "ERROR_HTTP_403",
  // Field-level security: the user may not write this field (read-only or hidden to them).
  "INVALID_FIELD_FOR_INSERT_UPDATE",
]);
const NOT_FOUND_CODES = new Set(["NOT_FOUND", "ENTITY_IS_DELETED", "ERROR_HTTP_404", "INVALID_QUERY_LOCATOR"]);
const UNAVAILABLE_CODES = new Set([
  "SERVER_UNAVAILABLE",
  "UNKNOWN_EXCEPTION",
  "SERVICE_UNAVAILABLE",
  "ERROR_HTTP_500",
  "ERROR_HTTP_502",
  "ERROR_HTTP_503",
  "ERROR_HTTP_504",
]);
/** Network failures that happen before anything was sent. */
const NOT_SENT_NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENETDOWN",
  "EHOSTDOWN",
]);
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Maps a Salesforce error code and message to the port's typed error.
 *
 * @remarks Unknown 4xx codes become `ValidationFailed` (permanent, with Salesforce's reason);
 * unknown 5xx statuses become `Unavailable`.
 * @example
 * ```ts
 * fromErrorCode("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access", [], { method: "POST" });
 * // RowLocked
 * ```
 */
export function fromErrorCode(
  code: string,
  message: string,
  fields: ReadonlyArray<string>,
  context: ErrorContext,
): SalesforcePortError {
  if (RATE_LIMIT_CODES.has(code) || context.status === 429) {
    return new RateLimited({
      message: `${code}: ${message}`,
      retryAfterMs: context.retryAfterMs ?? context.defaultRetryAfterMs ?? 60_000,
    });
  }
  if (code === "UNABLE_TO_LOCK_ROW") return new RowLocked({ message });
  if (REVOKED_CODES.has(code)) return new Revoked({ message: `${code}: ${message}` });
  if (SESSION_CODES.has(code) || context.status === 401) {
    if (context.refreshErrorName !== undefined && REVOKED_CODES.has(context.refreshErrorName)) {
      return new Revoked({ message: `${context.refreshErrorName}: ${message}` });
    }
    return new SessionExpired({ message: `${code}: ${message}` });
  }
  if (ACCESS_CODES.has(code) || code.startsWith("INSUFFICIENT_ACCESS")) return new AccessDenied({ code, message });
  if (NOT_FOUND_CODES.has(code)) return new NotFound({ message: `${code}: ${message}` });
  if (UNAVAILABLE_CODES.has(code) || (context.status !== undefined && context.status >= 500)) {
    return new Unavailable({ message: `${code}: ${message}` });
  }
  return new ValidationFailed({ code, message, fields: [...fields] });
}

/** A per-record error of an sObject Collection result (`statusCode`) or a REST error body (`errorCode`). */
export interface SalesforceErrorItem {
  readonly statusCode?: string | undefined;
  readonly errorCode?: string | undefined;
  readonly message?: string | undefined;
  readonly fields?: ReadonlyArray<string> | undefined;
}

/** Maps the first error of a collection item (or an error body) to a typed error. */
export function fromErrorItems(items: ReadonlyArray<SalesforceErrorItem>, context: ErrorContext): SalesforcePortError {
  const first = items[0];
  if (first === undefined)
    return new ValidationFailed({ code: "UNKNOWN", message: "Salesforce gave no reason", fields: [] });
  const code = first.statusCode ?? first.errorCode ?? "UNKNOWN";
  return fromErrorCode(code, first.message ?? code, first.fields ?? [], context);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null;
}

function stringProp(value: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = value[key];
  return typeof v === "string" ? v : undefined;
}

function isPortError(value: unknown): value is SalesforcePortError {
  return (
    value instanceof RateLimited ||
    value instanceof RowLocked ||
    value instanceof SessionExpired ||
    value instanceof Revoked ||
    value instanceof AccessDenied ||
    value instanceof ValidationFailed ||
    value instanceof NotFound ||
    value instanceof OutcomeUnknown ||
    value instanceof Unavailable
  );
}

/**
 * Maps anything a jsforce call threw to the port's typed error.
 *
 * @remarks
 * - `HttpApiError` (`errorCode`, `data.fields`), including `MULTIPLE_API_ERRORS` (first error wins);
 * - OAuth errors (`name` = `invalid_grant` …) → `Revoked`;
 * - jsforce's `Unable to refresh session due to: …` → `Revoked` when the refresh failed with
 *   `invalid_grant`, else `SessionExpired`;
 * - network errors: refused/unresolvable → `Unavailable` (nothing sent); any other lost
 *   connection → `OutcomeUnknown` for writes, `Unavailable` for reads.
 * @example
 * ```ts
 * toPortError(err, { method: "POST" }); // OutcomeUnknown after "socket hang up"
 * ```
 */
export function toPortError(cause: unknown, context: ErrorContext): SalesforcePortError {
  if (isPortError(cause)) return cause;
  if (!isRecord(cause)) return new Unavailable({ message: String(cause) });
  const message = stringProp(cause, "message") ?? "unknown error";
  const name = stringProp(cause, "name") ?? "";
  const errorCode = stringProp(cause, "errorCode");
  if (errorCode !== undefined) {
    const data = cause.data;
    if (errorCode === "MULTIPLE_API_ERRORS" && Array.isArray(data)) {
      return fromErrorItems(data.filter(isRecord) as ReadonlyArray<SalesforceErrorItem>, context);
    }
    const fields = isRecord(data) && Array.isArray(data.fields) ? data.fields.filter((f) => typeof f === "string") : [];
    return fromErrorCode(errorCode, message, fields, context);
  }
  if (REVOKED_CODES.has(name)) return new Revoked({ message: `${name}: ${message}` });
  if (message.startsWith("Unable to refresh session")) {
    if (context.refreshErrorName !== undefined && REVOKED_CODES.has(context.refreshErrorName)) {
      return new Revoked({ message });
    }
    return new SessionExpired({ message });
  }
  const code = stringProp(cause, "code") ?? stringProp(cause, "errno") ?? "";
  if (NOT_SENT_NETWORK_CODES.has(code)) return new Unavailable({ message: `${code}: ${message}` });
  const isNetwork =
    name === "FetchError" ||
    name === "AbortError" ||
    code !== "" ||
    /socket hang up|ECONNRESET|premature close/i.test(message);
  if (isNetwork) {
    if (READ_METHODS.has(context.method.toUpperCase()))
      return new Unavailable({ message: `${code || name}: ${message}` });
    return new OutcomeUnknown({ message: `connection lost after sending ${context.method}: ${message}` });
  }
  if (context.status !== undefined) return fromErrorCode(`ERROR_HTTP_${context.status}`, message, [], context);
  return new Unavailable({ message: `${name || "Error"}: ${message}` });
}

/** True for errors worth retrying after a pause (the call did not take effect). */
export function isRetryable(error: SalesforcePortError): boolean {
  return (
    error._tag === "Unavailable" ||
    error._tag === "RowLocked" ||
    error._tag === "RateLimited" ||
    error._tag === "SessionExpired"
  );
}
