/**
 * SOQL errors in Salesforce's format: the query echoed, a caret under the offending token, the
 * row and column, then the message (reference §2.7).
 */
import { SalesforceApiError } from "../schema/errors.js";

/** Builds a query error pointing at `token` inside `soql` (first case-insensitive match). */
export function queryError(code: string, soql: string, token: string, message: string): SalesforceApiError {
  const index = token ? soql.toLowerCase().indexOf(token.toLowerCase()) : -1;
  const column = index >= 0 ? index + 1 : 1;
  const text = `\n${soql}\n${" ".repeat(column - 1)}^\nERROR at Row:1:Column:${column}\n${message}`;
  return new SalesforceApiError(400, code, text);
}

/** `INVALID_FIELD` for an unknown column. */
export function noSuchColumn(soql: string, field: string, object: string): SalesforceApiError {
  return queryError(
    "INVALID_FIELD",
    soql,
    field,
    `No such column '${field}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

/** `INVALID_FIELD` for an unknown relationship in a field path. */
export function unknownRelationship(soql: string, name: string): SalesforceApiError {
  return queryError(
    "INVALID_FIELD",
    soql,
    name,
    `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

/** `INVALID_TYPE` for an unknown object. */
export function unknownObject(soql: string, name: string): SalesforceApiError {
  return queryError(
    "INVALID_TYPE",
    soql,
    name,
    `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}
