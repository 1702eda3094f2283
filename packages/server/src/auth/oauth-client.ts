/**
 * The OAuth 2.0 calls the server makes to the org, with plain `fetch`: the authorize URL,
 * the code exchange (with the PKCE verifier), the identity lookup, refresh and revoke.
 *
 * Responses are decoded at this boundary; anything unexpected becomes an {@link OAuthError}
 * naming what was wrong (never the token values themselves).
 */
import type { OrgConfig } from "./org-config.js";

/** An OAuth call failed. `code` is the OAuth error code when the org sent one. */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    message: string,
    readonly code?: string | undefined,
  ) {
    super(message);
  }
}

/** The useful part of a token response. */
export interface TokenResponse {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly instanceUrl: string;
  /** The identity URL (`…/id/<org>/<user>`). */
  readonly idUrl: string;
}

/** Who signed in. */
export interface Identity {
  readonly orgId: string;
  readonly userId: string;
  readonly displayName: string;
}

/** `fetch`, injectable for tests. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Builds the authorize URL (authorization code + PKCE S256). */
export function authorizeUrl(
  org: OrgConfig,
  p: { redirectUri: string; state: string; challenge: string; loginHint?: string | undefined },
): string {
  const u = new URL("/services/oauth2/authorize", org.loginUrl);
  u.searchParams.set("response_type", "code");
  u.searchParams.set("client_id", org.clientId);
  u.searchParams.set("redirect_uri", p.redirectUri);
  u.searchParams.set("state", p.state);
  u.searchParams.set("code_challenge", p.challenge);
  u.searchParams.set("code_challenge_method", "S256");
  u.searchParams.set("scope", org.scope ?? "api refresh_token id");
  if (p.loginHint) u.searchParams.set("login_hint", p.loginHint);
  return u.toString();
}

/** Exchanges an authorization code for tokens. */
export async function exchangeCode(
  fetchFn: FetchLike,
  org: OrgConfig,
  p: { code: string; redirectUri: string; verifier: string },
): Promise<TokenResponse> {
  return tokenRequest(fetchFn, org, {
    grant_type: "authorization_code",
    code: p.code,
    redirect_uri: p.redirectUri,
    code_verifier: p.verifier,
  });
}

/** Uses a refresh token; an `invalid_grant` error means the user must sign in again. */
export async function refreshTokens(fetchFn: FetchLike, org: OrgConfig, refreshToken: string): Promise<TokenResponse> {
  return tokenRequest(fetchFn, org, { grant_type: "refresh_token", refresh_token: refreshToken });
}

/** Revokes a token at the org. */
export async function revokeToken(fetchFn: FetchLike, org: OrgConfig, token: string): Promise<void> {
  const res = await fetchFn(new URL("/services/oauth2/revoke", org.loginUrl).toString(), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }).toString(),
  });
  if (!res.ok && res.status !== 400) throw new OAuthError(`revoke failed with HTTP ${res.status}`);
}

/** Reads the identity URL with the access token. */
export async function fetchIdentity(fetchFn: FetchLike, idUrl: string, accessToken: string): Promise<Identity> {
  const res = await fetchFn(idUrl, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } });
  if (!res.ok) throw new OAuthError(`identity request failed with HTTP ${res.status}`);
  const body = (await res.json()) as Record<string, unknown>;
  const orgId = body.organization_id;
  const userId = body.user_id;
  const displayName = body.display_name ?? body.name ?? "";
  if (typeof orgId !== "string" || typeof userId !== "string" || typeof displayName !== "string") {
    throw new OAuthError("identity response lacks organization_id/user_id/display_name");
  }
  return { orgId, userId, displayName };
}

async function tokenRequest(
  fetchFn: FetchLike,
  org: OrgConfig,
  params: Record<string, string>,
): Promise<TokenResponse> {
  const body = new URLSearchParams({ ...params, client_id: org.clientId, client_secret: org.clientSecret });
  const res = await fetchFn(new URL("/services/oauth2/token", org.loginUrl).toString(), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: body.toString(),
  });
  let json: Record<string, unknown>;
  try {
    json = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new OAuthError(`token endpoint answered HTTP ${res.status} without JSON`);
  }
  if (!res.ok) {
    const code = typeof json.error === "string" ? json.error : undefined;
    throw new OAuthError(`token endpoint refused: ${code ?? res.status}`, code);
  }
  const { access_token, refresh_token, instance_url, id } = json;
  if (typeof access_token !== "string" || typeof instance_url !== "string" || typeof id !== "string") {
    throw new OAuthError("token response lacks access_token/instance_url/id");
  }
  return {
    accessToken: access_token,
    refreshToken: typeof refresh_token === "string" ? refresh_token : undefined,
    instanceUrl: instance_url,
    idUrl: id,
  };
}
