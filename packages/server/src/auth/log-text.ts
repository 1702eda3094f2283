/**
 * What auth and HTTP log lines may say about text a device wrote (query parameters, paths,
 * error messages that may embed either).
 *
 * Invariant: such text never reaches a log verbatim. A log shows a code from a fixed, known
 * set (anything else is `"other"`) or the text's length, never the text, not even truncated
 * or hashed: a short hash of a login hint (an e-mail address) is a dictionary lookup away.
 */

/** The `error` codes an authorization server may send to the redirect URI (RFC 6749 §4.1.2.1). */
export const AUTHORIZE_ERROR_CODES: readonly string[] = [
  "invalid_request",
  "unauthorized_client",
  "access_denied",
  "unsupported_response_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
];

/**
 * `value` when it is one of `known`, else `"other"` (or `undefined` when there is no value).
 * @remarks For logging a field a device controls, such as the callback's `error` parameter.
 * @example
 * logCode(c.req.query("error"), AUTHORIZE_ERROR_CODES); // "access_denied" | "other" | undefined
 */
export function logCode(value: string | undefined, known: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  return known.includes(value) ? value : "other";
}

/**
 * An OAuth error code from the org, when it has the shape of one (`invalid_grant`), else
 * `"other"`: the org is trusted, but what it echoes may come from a device.
 * @example
 * logOAuthCode("invalid_grant"); // "invalid_grant"
 */
export function logOAuthCode(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[a-z][a-z0-9_]{0,63}$/.test(value) ? value : "other";
}
