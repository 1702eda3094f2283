/**
 * Promise sign-in helpers for back ends, one per OAuth flow a server-side integration uses:
 * a stored refresh token, the JWT bearer flow (server-to-server, no user present), and the
 * authorization code with PKCE (the user signs in once in a browser; start it with
 * `createAuthorizeUrl`). Each resolves to a {@link SalesforceSession}, which is what the
 * engine's `createBookSync` takes as `salesforce`.
 *
 * Invariants: a helper resolves only once the tokens work and the identity is read (ids branded
 * inside), or rejects with {@link OAuthFailed} naming what to fix, and calls nothing of the
 * caller's (`onTokens`) before that; bad options are refused before any request.
 */

import type { SalesforceTokens } from "../auth/tokens.js";
import { trimUrl } from "../auth/tokens.js";
import { OAuthFailed } from "../errors/oauth-failed.js";
import { createJwtAssertion, readJwtPrivateKey } from "./jwt-assertion.js";
import { createSalesforceSession, type SalesforceSession, type SessionPortOptions } from "./salesforce-session.js";
import { type GrantedTokens, type GrantFlow, readGrantIdentity, requestGrant } from "./token-grant.js";

/** Options every sign-in takes. */
export interface SignInCommonOptions {
  /** `https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain URL, or the emulator's URL. */
  readonly loginUrl: string;
  /** The connected app's consumer key. */
  readonly clientId: string;
  /** REST API version. Default `"60.0"`. */
  readonly apiVersion?: string | undefined;
  /**
   * Called with the new tokens after each refresh (or newly minted JWT token); store them. The
   * session already holds them; must not throw (it runs inside the connection's refresh).
   */
  readonly onTokens?: ((tokens: SalesforceTokens) => void) | undefined;
  /** Passed to `createSalesforcePort` (retries, bulk threshold, idempotency field, clock …). */
  readonly portOptions?: SessionPortOptions | undefined;
}

/** Options of {@link signInWithRefreshToken}. */
export interface RefreshTokenSignInOptions extends SignInCommonOptions {
  /** The connected app's consumer secret, when the app requires it for refreshes. */
  readonly clientSecret?: string | undefined;
  /** A refresh token the user granted earlier (authorization code flow, `refresh_token` scope). */
  readonly refreshToken: string;
}

/** Options of {@link signInWithJwtBearer}. */
export interface JwtBearerSignInOptions extends SignInCommonOptions {
  /** The Salesforce username the integration acts as (pre-authorized for the connected app). */
  readonly username: string;
  /** PEM private key (PKCS#1 or PKCS#8, RSA) of the certificate uploaded to the connected app. */
  readonly privateKey: string;
  /** The assertion's `aud`. Default `loginUrl` (use `https://test.salesforce.com` for a sandbox). */
  readonly audience?: string | undefined;
  /** The clock assertions are dated by, in ms. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** Options of {@link signInWithAuthorizationCode}. */
export interface AuthorizationCodeSignInOptions extends SignInCommonOptions {
  readonly clientSecret?: string | undefined;
  /** The redirect URI the authorize URL named. */
  readonly redirectUri: string;
  /** The `code` query parameter of the callback. */
  readonly code: string;
  /** The verifier `createAuthorizeUrl` returned with that URL. */
  readonly codeVerifier: string;
}

function required(options: object, names: ReadonlyArray<string>): void {
  const record = options as Readonly<Record<string, unknown>>;
  for (const name of names) {
    const value = record[name];
    if (typeof value !== "string" || value.trim() === "") {
      throw new OAuthFailed({ code: "invalid_options", message: `${name} is required (a non-empty string)` });
    }
  }
  const loginUrl = String(record.loginUrl);
  let url: URL | undefined;
  try {
    url = new URL(loginUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new OAuthFailed({
      code: "invalid_options",
      message: `loginUrl must be an http(s) URL such as https://login.salesforce.com (got ${JSON.stringify(loginUrl)})`,
    });
  }
}

/** Reads the identity and builds the session; nothing is handed to the caller before both work. */
async function completeSignIn(
  options: SignInCommonOptions & { readonly clientSecret?: string | undefined },
  kind: "refresh_token" | "jwt_bearer",
  granted: GrantedTokens,
  refreshToken: string,
  renew: (current: SalesforceTokens) => Promise<SalesforceTokens>,
): Promise<SalesforceSession> {
  const identity = await readGrantIdentity(granted);
  return createSalesforceSession({
    kind,
    loginUrl: trimUrl(options.loginUrl),
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...identity,
    tokens: { instanceUrl: granted.instanceUrl, accessToken: granted.accessToken, refreshToken },
    renew,
    apiVersion: options.apiVersion,
    onTokens: options.onTokens,
    portOptions: options.portOptions,
  });
}

function refreshGrant(
  flow: GrantFlow,
  options: SignInCommonOptions & { readonly clientSecret?: string | undefined },
  refreshToken: string,
): Promise<GrantedTokens> {
  return requestGrant(flow, options.loginUrl, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: options.clientId,
    ...(options.clientSecret !== undefined ? { client_secret: options.clientSecret } : {}),
  });
}

/** Refreshes with the session's refresh token, keeping a rotated one. */
function refreshRenewal(options: SignInCommonOptions & { readonly clientSecret?: string | undefined }) {
  return async (current: SalesforceTokens): Promise<SalesforceTokens> => {
    const granted = await refreshGrant("refresh token", options, current.refreshToken);
    return {
      instanceUrl: granted.instanceUrl,
      accessToken: granted.accessToken,
      refreshToken: granted.refreshToken ?? current.refreshToken,
    };
  };
}

/**
 * Signs a user in with a refresh token they granted earlier (a back end's usual way back in).
 *
 * @remarks Uses the refresh token once to get an access token and reads the identity. Rejects
 * with {@link OAuthFailed}: `invalid_grant` (revoked or expired token: the user must sign in
 * again), `invalid_client_id` / `invalid_client` (wrong consumer key or secret),
 * `invalid_options`, `unreachable`. The session refreshes again whenever the access token expires.
 * @example
 * ```ts
 * const salesforce = await signInWithRefreshToken({ loginUrl, clientId, clientSecret, refreshToken,
 *   onTokens: (tokens) => store.save(tokens) });
 * const sync = createBookSync({ doc, salesforce, persist });
 * ```
 */
export async function signInWithRefreshToken(options: RefreshTokenSignInOptions): Promise<SalesforceSession> {
  required(options, ["loginUrl", "clientId", "refreshToken"]);
  const granted = await refreshGrant("refresh token", options, options.refreshToken);
  return completeSignIn(
    options,
    "refresh_token",
    granted,
    granted.refreshToken ?? options.refreshToken,
    refreshRenewal(options),
  );
}

/**
 * Signs an integration user in with the OAuth 2.0 JWT bearer flow (no browser, no refresh token).
 *
 * @remarks The assertion (`iss` = clientId, `sub` = username, `aud` = audience ?? loginUrl,
 * `exp` = now + 3 min) is signed RS256 with `privateKey`; when an access token expires the
 * session mints a new one the same way. Rejects with {@link OAuthFailed}:
 * `invalid_private_key` (before any request), `invalid_client_id` (wrong consumer key),
 * `invalid_grant` with Salesforce's reason ("invalid assertion": the key does not match the
 * app's certificate; "user hasn't approved this consumer": unknown or not pre-authorized user;
 * "audience is invalid"), `invalid_options`, `unreachable`.
 * @example
 * ```ts
 * const salesforce = await signInWithJwtBearer({ loginUrl: "https://login.salesforce.com", clientId,
 *   username: "integration@example.com", privateKey: readFileSync("server.key", "utf8") });
 * ```
 */
export async function signInWithJwtBearer(options: JwtBearerSignInOptions): Promise<SalesforceSession> {
  required(options, ["loginUrl", "clientId", "username", "privateKey"]);
  const key = readJwtPrivateKey(options.privateKey);
  const now = options.now ?? Date.now;
  const mint = () =>
    requestGrant("JWT bearer", options.loginUrl, {
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: createJwtAssertion(key, {
        clientId: options.clientId,
        username: options.username,
        audience: options.audience ?? options.loginUrl,
        nowMs: now(),
      }),
    });
  const granted = await mint();
  return completeSignIn(options, "jwt_bearer", granted, "", async () => {
    const next = await mint();
    return { instanceUrl: next.instanceUrl, accessToken: next.accessToken, refreshToken: "" };
  });
}

/**
 * Completes the authorization code flow with PKCE: exchanges the callback's code for tokens.
 *
 * @remarks Start with `createAuthorizeUrl({ loginUrl, clientId, redirectUri })`, send the user
 * to its `url`, check `state` on the callback, then call this with the `code` and the
 * `codeVerifier`. Keep `session.tokens().refreshToken` to sign in later with
 * {@link signInWithRefreshToken}. Rejects with {@link OAuthFailed}: `invalid_grant` (code used,
 * expired, or wrong verifier), `redirect_uri_mismatch`, `invalid_client_id`, `no_refresh_token`
 * (the app lacks the `refresh_token` scope), `invalid_options`, `unreachable`.
 * @example
 * ```ts
 * const { url, codeVerifier, state } = createAuthorizeUrl({ loginUrl, clientId, redirectUri });
 * // … redirect to url; on the callback, after checking state:
 * const salesforce = await signInWithAuthorizationCode({ loginUrl, clientId, redirectUri, code, codeVerifier });
 * ```
 */
export async function signInWithAuthorizationCode(options: AuthorizationCodeSignInOptions): Promise<SalesforceSession> {
  required(options, ["loginUrl", "clientId", "redirectUri", "code", "codeVerifier"]);
  const granted = await requestGrant("authorization code", options.loginUrl, {
    grant_type: "authorization_code",
    code: options.code,
    client_id: options.clientId,
    ...(options.clientSecret !== undefined ? { client_secret: options.clientSecret } : {}),
    redirect_uri: options.redirectUri,
    code_verifier: options.codeVerifier,
  });
  if (granted.refreshToken === undefined) {
    throw new OAuthFailed({
      code: "no_refresh_token",
      message: "no refresh token issued; the connected app needs the refresh_token scope",
    });
  }
  return completeSignIn(options, "refresh_token", granted, granted.refreshToken, refreshRenewal(options));
}
