/**
 * OAuth 2.0 authorization code + PKCE (S256) helpers for signing a user in: the authorize URL
 * with its verifier and state, the code exchange, and the identity of the signed-in user.
 *
 * Invariant: the verifier is RFC 7636-compliant (43–128 characters of base64url) and only
 * ever leaves this module in the caller's hands; token calls go through jsforce's OAuth2.
 */
import { createHash, randomBytes } from "node:crypto";
import { Effect } from "effect";
import { Connection, OAuth2 } from "jsforce";
import { OAuthFailed } from "../errors/oauth-failed.js";
import type { OAuthClientConfig, SalesforceTokens } from "./tokens.js";
import { trimUrl } from "./tokens.js";

/** Input of {@link createAuthorizeUrl}. */
export interface AuthorizeUrlOptions {
  readonly loginUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  /** Pre-fills the username on the login page (`login_hint`). */
  readonly loginHint?: string | undefined;
  /** OAuth scopes; default `api refresh_token id`. */
  readonly scope?: string | undefined;
}

/** What the caller keeps until the callback: the URL to redirect to, the verifier and the state. */
export interface AuthorizeRequest {
  readonly url: string;
  readonly codeVerifier: string;
  readonly state: string;
}

function base64url(bytes: Buffer): string {
  return bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Builds the authorize URL for the authorization-code flow with PKCE (S256).
 *
 * @remarks The verifier is 64 base64url characters (48 random bytes), the state 32; store both
 * server-side and check `state` on the callback.
 * @example
 * ```ts
 * const { url, codeVerifier, state } = createAuthorizeUrl({ loginUrl, clientId, redirectUri, loginHint: "ada@example.com" });
 * ```
 */
export function createAuthorizeUrl(options: AuthorizeUrlOptions): AuthorizeRequest {
  const codeVerifier = base64url(randomBytes(48));
  const state = base64url(randomBytes(24));
  const challenge = base64url(createHash("sha256").update(codeVerifier).digest());
  const params = new URLSearchParams({
    response_type: "code",
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
    scope: options.scope ?? "api refresh_token id",
  });
  if (options.loginHint !== undefined) params.set("login_hint", options.loginHint);
  return { url: `${trimUrl(options.loginUrl)}/services/oauth2/authorize?${params.toString()}`, codeVerifier, state };
}

/** Input of {@link exchangeCode}. */
export interface ExchangeCodeOptions {
  readonly client: OAuthClientConfig;
  readonly redirectUri: string;
  readonly code: string;
  readonly codeVerifier: string;
}

/** The tokens of a fresh sign-in plus the ids the token response names. */
export interface SignedInTokens extends SalesforceTokens {
  readonly orgId: string;
  readonly userId: string;
  /** The identity URL (`<login>/id/<orgId>/<userId>`). */
  readonly identityUrl: string;
}

interface TokenResponseShape {
  readonly access_token?: unknown;
  readonly refresh_token?: unknown;
  readonly instance_url?: unknown;
  readonly id?: unknown;
}

function oauthFailure(cause: unknown): OAuthFailed {
  const error = cause instanceof Error ? cause : new Error(String(cause));
  return new OAuthFailed({ code: error.name || "Error", message: error.message });
}

/**
 * Exchanges an authorization code (with its PKCE verifier) for tokens.
 *
 * @remarks Fails with {@link OAuthFailed} (`code` = Salesforce's `error`, e.g. `invalid_grant`)
 * when the code, verifier or client is rejected, or when no refresh token is issued.
 * @example
 * ```ts
 * const tokens = yield* exchangeCode({ client, redirectUri, code, codeVerifier });
 * ```
 */
export function exchangeCode(options: ExchangeCodeOptions): Effect.Effect<SignedInTokens, OAuthFailed> {
  return Effect.gen(function* () {
    const oauth2 = new OAuth2({
      loginUrl: trimUrl(options.client.loginUrl),
      clientId: options.client.clientId,
      ...(options.client.clientSecret !== undefined ? { clientSecret: options.client.clientSecret } : {}),
      redirectUri: options.redirectUri,
    });
    const response = (yield* Effect.tryPromise({
      try: () => oauth2.requestToken(options.code, { code_verifier: options.codeVerifier }),
      catch: oauthFailure,
    })) as TokenResponseShape;
    const { access_token, refresh_token, instance_url, id } = response;
    if (typeof access_token !== "string" || typeof instance_url !== "string" || typeof id !== "string") {
      return yield* new OAuthFailed({
        code: "invalid_response",
        message: "token response lacks access_token, instance_url or id",
      });
    }
    if (typeof refresh_token !== "string") {
      return yield* new OAuthFailed({
        code: "no_refresh_token",
        message: "no refresh token issued; the connected app needs the refresh_token scope",
      });
    }
    const [orgId, userId] = id.split("/").slice(-2);
    if (orgId === undefined || userId === undefined) {
      return yield* new OAuthFailed({ code: "invalid_response", message: `unexpected identity URL ${id}` });
    }
    return {
      instanceUrl: trimUrl(instance_url),
      accessToken: access_token,
      refreshToken: refresh_token,
      orgId,
      userId,
      identityUrl: id,
    };
  });
}

/** Input of {@link readIdentity}. */
export interface ReadIdentityOptions {
  readonly instanceUrl: string;
  readonly accessToken: string;
  /** The `id` URL of the token response; without it the OpenID `userinfo` endpoint is used. */
  readonly identityUrl?: string | undefined;
}

/** Who signed in. */
export interface SalesforceIdentity {
  readonly orgId: string;
  readonly userId: string;
  readonly name: string;
  readonly username: string;
}

function str(value: Readonly<Record<string, unknown>>, ...keys: ReadonlyArray<string>): string | undefined {
  for (const key of keys) {
    const v = value[key];
    if (typeof v === "string" && v !== "") return v;
  }
  return undefined;
}

/**
 * Reads the identity of the token's user (org id, user id, display name, username).
 *
 * @example
 * ```ts
 * const me = yield* readIdentity({ instanceUrl, accessToken, identityUrl });
 * ```
 */
export function readIdentity(options: ReadIdentityOptions): Effect.Effect<SalesforceIdentity, OAuthFailed> {
  return Effect.gen(function* () {
    const instanceUrl = trimUrl(options.instanceUrl);
    const conn = new Connection({ instanceUrl, accessToken: options.accessToken });
    const url = options.identityUrl ?? `${instanceUrl}/services/oauth2/userinfo`;
    const body = yield* Effect.tryPromise({
      try: () => conn.request<unknown>({ method: "GET", url }),
      catch: oauthFailure,
    });
    if (typeof body !== "object" || body === null) {
      return yield* new OAuthFailed({ code: "invalid_response", message: "identity response is not JSON" });
    }
    const record = body as Readonly<Record<string, unknown>>;
    const orgId = str(record, "organization_id");
    const userId = str(record, "user_id");
    if (orgId === undefined || userId === undefined) {
      return yield* new OAuthFailed({
        code: "invalid_response",
        message: "identity response lacks organization_id or user_id",
      });
    }
    const username = str(record, "username", "preferred_username") ?? "";
    const name = str(record, "display_name", "name") ?? username;
    return { orgId, userId, name, username };
  });
}
