/**
 * The small helpers every data API route group shares: building responses, refusing a method
 * a resource does not allow, and reading a JSON object body.
 *
 * Invariant: a bad method or body is a thrown {@link SalesforceApiError} with the code and
 * message Salesforce uses; the router turns it into the error array.
 */
import { apiErrors, SalesforceApiError } from "../schema/errors.js";
import type { ApiRequest, ApiResponse } from "./api-types.js";

/** A JSON response, with headers when given. */
export function json(status: number, body: unknown, headers?: Record<string, string>): ApiResponse {
  return headers ? { status, body, headers } : { status, body };
}

/** A 204 without a body. */
export function noContent(): ApiResponse {
  return { status: 204 };
}

/** The Salesforce error array of one error. */
export function errorResponse(error: SalesforceApiError): ApiResponse {
  return json(error.status, [error.toEntry()]);
}

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Throws 405 METHOD_NOT_ALLOWED unless the request's method is one of `allowed`. */
export function allow(req: ApiRequest, allowed: readonly string[]): void {
  if (!allowed.includes(req.method)) throw apiErrors.methodNotAllowed(req.method, allowed);
}

/** The request's JSON object body, or the JSON_PARSER_ERROR Salesforce gives without one. */
export function requireBodyObject(req: ApiRequest): Record<string, unknown> {
  if (!isPlainObject(req.body)) {
    throw apiErrors.jsonParser(
      req.body === undefined
        ? "The HTTP entity body is required, but this request has no entity body."
        : "Cannot deserialize instance of object from START_ARRAY value",
    );
  }
  return req.body;
}

/** The 404 Salesforce answers for an unknown external-id field (or a malformed id). */
export function unknownExternalIdField(name: string): SalesforceApiError {
  return new SalesforceApiError(
    404,
    "NOT_FOUND",
    `Provided external ID field does not exist or is not accessible: ${name}`,
  );
}
