/**
 * Salesforce REST errors (reference §2.7): a thrown {@link SalesforceApiError} becomes a JSON
 * array body `[{"message","errorCode","fields"?}]` with the status Salesforce uses. It lives
 * in `schema/`, a bottom layer (beside `ids/` and `util/`), so that SOQL, the record writer and
 * the routes throw the same errors without importing upward.
 */

/** One entry of a Salesforce error array. */
export interface ApiErrorEntry {
  readonly message: string;
  readonly errorCode: string;
  readonly fields?: readonly string[];
}

/** An API failure with its HTTP status and Salesforce error code. */
export class SalesforceApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: readonly string[] | undefined;

  constructor(status: number, errorCode: string, message: string, fields?: readonly string[]) {
    super(message);
    this.name = "SalesforceApiError";
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }

  /** The wire body entry. */
  toEntry(): ApiErrorEntry {
    return this.fields === undefined
      ? { message: this.message, errorCode: this.errorCode }
      : { message: this.message, errorCode: this.errorCode, fields: this.fields };
  }
}

/** Shorthands for the errors the emulator gives. */
export const apiErrors = {
  notFound: () => new SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist"),
  invalidSession: () => new SalesforceApiError(401, "INVALID_SESSION_ID", "Session expired or invalid"),
  requestLimit: () => new SalesforceApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
  methodNotAllowed: (method: string, allowed: readonly string[]) =>
    new SalesforceApiError(
      405,
      "METHOD_NOT_ALLOWED",
      `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(",")}`,
    ),
  jsonParser: (detail: string) => new SalesforceApiError(400, "JSON_PARSER_ERROR", detail),
  entityDeleted: () => new SalesforceApiError(404, "ENTITY_IS_DELETED", "entity is deleted", []),
  insufficientAccess: () =>
    new SalesforceApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", []),
  malformedId: (label: string, id: string) =>
    new SalesforceApiError(400, "MALFORMED_ID", `${label} ID: id value of incorrect type: ${id}`, ["Id"]),
  invalidField: (message: string) => new SalesforceApiError(400, "INVALID_FIELD", message),
  noSuchColumn: (field: string, object: string) =>
    new SalesforceApiError(400, "INVALID_FIELD", `No such column '${field}' on sobject of type ${object}`),
  malformedQuery: (message: string) => new SalesforceApiError(400, "MALFORMED_QUERY", message),
} as const;
