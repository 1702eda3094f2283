/**
 * The two plain HTTP exchanges of a back-end sign-in, as Promises: one grant at
 * `<loginUrl>/services/oauth2/token` and one read of the identity URL it names. Failures are
 * {@link OAuthFailed} with Salesforce's `error` as the code and a message that says what to fix.
 *
 * Invariants: secrets (tokens, client secret, assertion) never appear in an error message; the
 * identity's ids are branded here, once, with the engine's `readSalesforceId`.
 */
import { readSalesforceId, type SalesforceId } from "@tandem/engine";
import { trimUrl } from "../auth/tokens.js";
import { OAuthFailed } from "../errors/oauth-failed.js";

/** Which sign-in a grant belongs to (for the wording of its errors). */
export type GrantFlow = "refresh token" | "JWT bearer" | "authorization code";

/** A successful token response, read. */
export interface GrantedTokens {
  readonly accessToken: string;
  /** Only the refresh-token and authorization-code grants issue one. */
  readonly refreshToken: string | undefined;
  readonly instanceUrl: string;
  /** The identity URL (`<login>/id/<orgId>/<userId>`). */
  readonly identityUrl: string;
}

/** Who the tokens belong to, ids branded. */
export interface GrantedIdentity {
  readonly userId: SalesforceId;
  readonly orgId: string;
  readonly username: string;
}

/** What to check when Salesforce answers a given error (the description stays Salesforce's own). */
function hint(flow: GrantFlow, code: string, description: string): string {
  if (code === "invalid_client_id") return "check clientId: it must be the connected app's consumer key";
  if (code === "invalid_client") return "check clientSecret: it must be the connected app's consumer secret";
  if (code === "redirect_uri_mismatch") return "redirectUri must equal the one used for the authorize URL";
  if (code !== "invalid_grant") return "";
  if (flow === "JWT bearer") {
    if (description === "invalid assertion") {
      return "the signature was not accepted: privateKey must belong to the certificate uploaded to the connected app";
    }
    if (description === "audience is invalid") return "audience must be the login URL (or set it explicitly)";
    if (description === "user hasn't approved this consumer") {
      return "the username is unknown, or the user is not pre-authorized for this connected app";
    }
    if (description === "expired authorization code") return "the assertion expired: check this machine's clock";
    return "";
  }
  if (flow === "refresh token") return "the refresh token was revoked or has expired: sign the user in again";
  return "the code was used already, has expired, or the code verifier does not match it";
}

/**
 * Posts one grant to the token endpoint and reads the token response.
 *
 * @remarks Rejects with {@link OAuthFailed}: Salesforce's `error` as `code` (`invalid_grant`,
 * `invalid_client_id` …), `unreachable` when the login URL does not answer, `invalid_response`
 * when the answer is not a token response.
 * @example
 * ```ts
 * const granted = await requestGrant("refresh token", loginUrl, { grant_type: "refresh_token", refresh_token, client_id });
 * ```
 */
export async function requestGrant(
  flow: GrantFlow,
  loginUrl: string,
  params: Readonly<Record<string, string>>,
): Promise<GrantedTokens> {
  const url = `${trimUrl(loginUrl)}/services/oauth2/token`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(params).toString(),
    });
  } catch (cause) {
    const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : "";
    throw new OAuthFailed({ code: "unreachable", message: `cannot reach ${url}${reason ? `: ${reason}` : ""}` });
  }
  const text = await response.text();
  let body: Readonly<Record<string, unknown>> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    body = typeof parsed === "object" && parsed !== null ? (parsed as Readonly<Record<string, unknown>>) : undefined;
  } catch {
    // Not JSON (an HTML page, a proxy's text): reported below as not a token response.
    body = undefined;
  }
  if (!response.ok) {
    const code = typeof body?.error === "string" ? body.error : `http_${response.status}`;
    const description = typeof body?.error_description === "string" ? body.error_description : "";
    const advice = hint(flow, code, description);
    throw new OAuthFailed({
      code,
      message: `Salesforce refused the ${flow} sign-in: ${code}${description ? ` "${description}"` : ""}${advice ? ` (${advice})` : ""}`,
    });
  }
  const { access_token, refresh_token, instance_url, id } = body ?? {};
  if (typeof access_token !== "string" || typeof instance_url !== "string" || typeof id !== "string") {
    throw new OAuthFailed({
      code: "invalid_response",
      message: `${url} did not answer a token response (no access_token, instance_url or id); is loginUrl a Salesforce login URL?`,
    });
  }
  return {
    accessToken: access_token,
    refreshToken: typeof refresh_token === "string" && refresh_token !== "" ? refresh_token : undefined,
    instanceUrl: trimUrl(instance_url),
    identityUrl: id,
  };
}

/**
 * Reads who the access token belongs to from the identity URL of the token response.
 *
 * @remarks The user and org ids come from the URL's last two segments (as jsforce reads them) and
 * must match what the identity answers; both are checked as Salesforce ids. Rejects with
 * {@link OAuthFailed} (`identity_failed`, `invalid_response`, `unreachable`).
 * @example
 * ```ts
 * const { userId, orgId, username } = await readGrantIdentity(granted);
 * ```
 */
export async function readGrantIdentity(granted: GrantedTokens): Promise<GrantedIdentity> {
  const [orgPart, userPart] = new URL(granted.identityUrl).pathname.split("/").slice(-2);
  let response: Response;
  try {
    response = await fetch(granted.identityUrl, {
      headers: { authorization: `Bearer ${granted.accessToken}`, accept: "application/json" },
    });
  } catch (cause) {
    throw new OAuthFailed({
      code: "unreachable",
      message: `cannot reach the identity URL ${granted.identityUrl}: ${cause instanceof Error ? cause.message : String(cause)}`,
    });
  }
  if (!response.ok) {
    throw new OAuthFailed({
      code: "identity_failed",
      message: `the identity URL ${granted.identityUrl} answered ${response.status} to the new access token`,
    });
  }
  const body = (await response.json().catch(() => undefined)) as Readonly<Record<string, unknown>> | undefined;
  const userId = body?.user_id;
  const orgId = body?.organization_id;
  const username = body?.username;
  if (typeof userId !== "string" || typeof orgId !== "string" || typeof username !== "string") {
    throw new OAuthFailed({
      code: "invalid_response",
      message: "the identity lacks user_id, organization_id or username",
    });
  }
  try {
    const user = readSalesforceId(userId);
    const org = readSalesforceId(orgId);
    if (
      userPart === undefined ||
      orgPart === undefined ||
      readSalesforceId(userPart) !== user ||
      readSalesforceId(orgPart) !== org
    ) {
      throw new Error(`the identity URL names ${orgPart}/${userPart}, the identity ${orgId}/${userId}`);
    }
    return { userId: user, orgId: org, username };
  } catch (cause) {
    throw new OAuthFailed({
      code: "invalid_response",
      message: `unexpected identity: ${cause instanceof Error ? cause.message : String(cause)}`,
    });
  }
}
