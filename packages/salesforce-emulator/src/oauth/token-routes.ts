/**
 * `POST /services/oauth2/token` (authorization_code with PKCE, refresh_token, password,
 * client_credentials, jwt-bearer — signature and claims checked in `jwt-bearer-grant.ts`) and
 * `/services/oauth2/revoke`.
 *
 * Invariants: token responses carry `instance_url` = the emulator URL, `id` = the identity URL
 * and an HMAC `signature` of `id + issued_at` under the client secret; a refresh answers a new
 * access token and no new refresh token; client credentials come from the body or HTTP Basic.
 */
import { createHash, createHmac } from "node:crypto";
import type { Hono } from "hono";
import { checkJwtAssertion } from "./jwt-bearer-grant.js";
import { jsonResponse, type OAuthContext, oauthError, safeEqual } from "./oauth-context.js";

function tokenResponse(ctx: OAuthContext, userId: string, refresh: boolean, scope: string): Response {
  const { org, tokens, clientSecret, baseUrl } = ctx.options;
  const now = org.clock.nowMs();
  const refreshToken = refresh ? tokens.issueRefresh(userId) : undefined;
  const accessToken = tokens.issueAccess(userId, now, refreshToken);
  const issuedAt = String(now);
  const id = ctx.idUrl(userId);
  const signature = createHmac("sha256", clientSecret)
    .update(id + issuedAt)
    .digest("base64");
  return jsonResponse({
    access_token: accessToken,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    signature,
    scope,
    instance_url: baseUrl(),
    id,
    token_type: "Bearer",
    issued_at: issuedAt,
  });
}

function clientCredentials(params: URLSearchParams, authHeader: string | undefined) {
  let clientId = params.get("client_id") ?? undefined;
  let secret = params.get("client_secret") ?? undefined;
  if (authHeader?.startsWith("Basic ")) {
    const decoded = Buffer.from(authHeader.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    clientId = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  return { clientId, secret };
}

function authorizationCodeGrant(ctx: OAuthContext, params: URLSearchParams, secret: string | undefined): Response {
  const { org, tokens } = ctx.options;
  const entry = tokens.takeCode(params.get("code") ?? "", org.clock.nowMs());
  if (!entry) return oauthError("invalid_grant", "expired authorization code");
  if (entry.redirectUri !== (params.get("redirect_uri") ?? "")) {
    return oauthError("redirect_uri_mismatch", "redirect_uri must match configuration");
  }
  const verifier = params.get("code_verifier");
  if (entry.challenge !== undefined) {
    const computed =
      entry.method.toLowerCase() === "plain"
        ? verifier
        : verifier
          ? createHash("sha256").update(verifier).digest("base64url")
          : null;
    if (!computed || computed !== entry.challenge) return oauthError("invalid_grant", "invalid code verifier");
  } else if (secret === undefined) {
    return oauthError("invalid_client", "invalid client credentials");
  }
  return tokenResponse(ctx, entry.userId, true, "api refresh_token id");
}

function refreshTokenGrant(ctx: OAuthContext, params: URLSearchParams): Response {
  const { org, tokens, clientSecret, baseUrl } = ctx.options;
  const userId = tokens.resolveRefresh(params.get("refresh_token") ?? "");
  if (!userId) return oauthError("invalid_grant", "expired access/refresh token");
  const now = org.clock.nowMs();
  const refreshToken = params.get("refresh_token") ?? undefined;
  const accessToken = tokens.issueAccess(userId, now, refreshToken);
  const issuedAt = String(now);
  const id = ctx.idUrl(userId);
  return jsonResponse({
    access_token: accessToken,
    signature: createHmac("sha256", clientSecret)
      .update(id + issuedAt)
      .digest("base64"),
    scope: "api refresh_token id",
    instance_url: baseUrl(),
    id,
    token_type: "Bearer",
    issued_at: issuedAt,
  });
}

function jwtBearer(ctx: OAuthContext, assertion: string): Response {
  const checked = checkJwtAssertion(ctx, assertion);
  return checked instanceof Response ? checked : tokenResponse(ctx, checked.id, false, "api");
}

/** Registers the token and revoke endpoints on `app`. */
export function registerTokenRoutes(app: Hono, ctx: OAuthContext): void {
  const { options } = ctx;
  app.post("/services/oauth2/token", async (c) => {
    const params = new URLSearchParams(await c.req.text());
    const grant = params.get("grant_type");
    const { clientId, secret } = clientCredentials(params, c.req.header("authorization"));
    if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer") return jwtBearer(ctx, params.get("assertion") ?? "");
    if (clientId !== options.clientId) return oauthError("invalid_client_id", "client identifier invalid");
    if (secret !== undefined && !safeEqual(secret, options.clientSecret)) {
      return oauthError("invalid_client", "invalid client credentials");
    }
    switch (grant) {
      case "authorization_code":
        return authorizationCodeGrant(ctx, params, secret);
      case "refresh_token":
        return refreshTokenGrant(ctx, params);
      case "password": {
        if (secret === undefined) return oauthError("invalid_client", "invalid client credentials");
        const user = ctx.userByName(params.get("username") ?? "");
        if (!user || user.password !== params.get("password"))
          return oauthError("invalid_grant", "authentication failure");
        return tokenResponse(ctx, user.id, false, "api id");
      }
      case "client_credentials": {
        if (secret === undefined) return oauthError("invalid_client", "invalid client credentials");
        return tokenResponse(ctx, options.clientCredentialsUserId, false, "api");
      }
      default:
        return oauthError("unsupported_grant_type", "grant type not supported");
    }
  });

  const revoke = (token: string): Response => {
    if (!options.tokens.revoke(token)) return oauthError("unsupported_token_type", "this token type is not supported");
    return new Response(null, { status: 200 });
  };
  app.post("/services/oauth2/revoke", async (c) => revoke(new URLSearchParams(await c.req.text()).get("token") ?? ""));
  app.get("/services/oauth2/revoke", (c) => revoke(c.req.query("token") ?? ""));
}
