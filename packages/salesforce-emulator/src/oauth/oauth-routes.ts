/**
 * OAuth 2.0 endpoints of the emulated org (reference §1.5, §2.9, §2.10): authorize (auto-approve,
 * `login_hint` or a small login form), token (authorization_code with PKCE, refresh_token,
 * password, client_credentials, jwt-bearer), revoke, userinfo and the identity URL.
 *
 * Invariants: token responses carry `instance_url` = the emulator URL and `id` =
 * `<url>/id/<orgId>/<userId>`; failures are `{"error","error_description"}` with status 400;
 * these endpoints never count as API calls.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import type { Org, OrgUser } from "../store/org.js";
import { formatDateTime } from "../util/time.js";
import type { TokenStore } from "./token-store.js";

/** What the OAuth routes need. */
export interface OAuthOptions {
  readonly org: Org;
  readonly tokens: TokenStore;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly baseUrl: () => string;
  /** Allowed redirect URIs; empty = any http(s) URI. */
  readonly redirectUris: readonly string[];
  /** The user client_credentials runs as. */
  readonly clientCredentialsUserId: string;
}

const JSON_TYPE = "application/json;charset=UTF-8";

function oauthError(error: string, description: string, status: 400 | 401 | 403 = 400): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { "Content-Type": JSON_TYPE },
  });
}

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": JSON_TYPE } });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates the OAuth and identity routes. */
export function createOAuthRoutes(options: OAuthOptions): Hono {
  const { org, tokens } = options;
  const app = new Hono();
  const userById = (id: string): OrgUser | undefined => org.users.find((u) => u.id === id);
  const userByName = (name: string): OrgUser | undefined =>
    org.users.find((u) => u.username.toLowerCase() === name.trim().toLowerCase());
  const idUrl = (userId: string) => `${options.baseUrl()}/id/${org.orgId}/${userId}`;

  const tokenResponse = (userId: string, refresh: boolean, scope: string): Response => {
    const now = org.clock.nowMs();
    const refreshToken = refresh ? tokens.issueRefresh(userId) : undefined;
    const accessToken = tokens.issueAccess(userId, now, refreshToken);
    const issuedAt = String(now);
    const id = idUrl(userId);
    const signature = createHmac("sha256", options.clientSecret)
      .update(id + issuedAt)
      .digest("base64");
    return jsonResponse({
      access_token: accessToken,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      signature,
      scope,
      instance_url: options.baseUrl(),
      id,
      token_type: "Bearer",
      issued_at: issuedAt,
    });
  };

  const redirectAllowed = (uri: string): boolean => {
    if (options.redirectUris.length > 0) return options.redirectUris.includes(uri);
    return /^https?:\/\//.test(uri);
  };

  const loginForm = (params: URLSearchParams, error?: string): Response => {
    const hidden = [...params]
      .filter(([k]) => k !== "username" && k !== "password")
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join("");
    const users = org.users.map((u) => `<li><code>${escapeHtml(u.username)}</code></li>`).join("");
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Login | Salesforce emulator</title></head>
<body><main><h1>Log in to the emulated org</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/services/oauth2/authorize">${hidden}
<label>Username <input name="username" autocomplete="username" value="${escapeHtml(params.get("login_hint") ?? "")}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Log In</button></form><p>Users of this org:</p><ul>${users}</ul></main></body></html>`;
    return new Response(html, {
      status: 200,
      headers: {
        "Content-Type": "text/html;charset=UTF-8",
        "Content-Security-Policy": "default-src 'none'; form-action 'self'",
      },
    });
  };

  const authorize = (params: URLSearchParams, user: OrgUser | undefined, loginError?: string): Response => {
    if (params.get("client_id") !== options.clientId) {
      return new Response("error=invalid_client_id&error_description=client%20identifier%20invalid", { status: 400 });
    }
    const redirectUri = params.get("redirect_uri") ?? "";
    if (!redirectAllowed(redirectUri)) {
      return new Response("error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration", {
        status: 400,
      });
    }
    const target = new URL(redirectUri);
    const state = params.get("state");
    if (params.get("response_type") !== "code") {
      target.searchParams.set("error", "unsupported_response_type");
      target.searchParams.set("error_description", "response type not supported");
      if (state !== null) target.searchParams.set("state", state);
      return new Response(null, { status: 302, headers: { Location: target.toString() } });
    }
    if (!user) return loginForm(params, loginError);
    const challenge = params.get("code_challenge") ?? undefined;
    const method = params.get("code_challenge_method") ?? "S256";
    const code = tokens.issueCode(user.id, redirectUri, challenge, method, org.clock.nowMs());
    target.searchParams.set("code", code);
    if (state !== null) target.searchParams.set("state", state);
    return new Response(null, { status: 302, headers: { Location: target.toString() } });
  };

  app.get("/services/oauth2/authorize", (c) => {
    const params = new URL(c.req.url).searchParams;
    const hint = params.get("login_hint");
    return authorize(params, hint ? userByName(hint) : undefined);
  });

  app.post("/services/oauth2/authorize", async (c) => {
    const params = new URLSearchParams(await c.req.text());
    const user = userByName(params.get("username") ?? "");
    if (!user || user.password !== params.get("password")) {
      return authorize(params, undefined, "Please check your username and password.");
    }
    return authorize(params, user);
  });

  const clientCredentials = (params: URLSearchParams, authHeader: string | undefined) => {
    let clientId = params.get("client_id") ?? undefined;
    let secret = params.get("client_secret") ?? undefined;
    if (authHeader?.startsWith("Basic ")) {
      const decoded = Buffer.from(authHeader.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      clientId = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    }
    return { clientId, secret };
  };

  app.post("/services/oauth2/token", async (c) => {
    const params = new URLSearchParams(await c.req.text());
    const grant = params.get("grant_type");
    const { clientId, secret } = clientCredentials(params, c.req.header("authorization"));
    if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer") return jwtBearer(params.get("assertion") ?? "");
    if (clientId !== options.clientId) return oauthError("invalid_client_id", "client identifier invalid");
    if (secret !== undefined && !safeEqual(secret, options.clientSecret)) {
      return oauthError("invalid_client", "invalid client credentials");
    }
    switch (grant) {
      case "authorization_code": {
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
        return tokenResponse(entry.userId, true, "api refresh_token id");
      }
      case "refresh_token": {
        const userId = tokens.resolveRefresh(params.get("refresh_token") ?? "");
        if (!userId) return oauthError("invalid_grant", "expired access/refresh token");
        const now = org.clock.nowMs();
        const refreshToken = params.get("refresh_token") ?? undefined;
        const accessToken = tokens.issueAccess(userId, now, refreshToken);
        const issuedAt = String(now);
        const id = idUrl(userId);
        return jsonResponse({
          access_token: accessToken,
          signature: createHmac("sha256", options.clientSecret)
            .update(id + issuedAt)
            .digest("base64"),
          scope: "api refresh_token id",
          instance_url: options.baseUrl(),
          id,
          token_type: "Bearer",
          issued_at: issuedAt,
        });
      }
      case "password": {
        if (secret === undefined) return oauthError("invalid_client", "invalid client credentials");
        const user = userByName(params.get("username") ?? "");
        if (!user || user.password !== params.get("password"))
          return oauthError("invalid_grant", "authentication failure");
        return tokenResponse(user.id, false, "api id");
      }
      case "client_credentials": {
        if (secret === undefined) return oauthError("invalid_client", "invalid client credentials");
        return tokenResponse(options.clientCredentialsUserId, false, "api");
      }
      default:
        return oauthError("unsupported_grant_type", "grant type not supported");
    }
  });

  const jwtBearer = (assertion: string): Response => {
    const parts = assertion.split(".");
    let claims: Record<string, unknown> = {};
    try {
      claims = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    } catch {
      return oauthError("invalid_grant", "invalid assertion");
    }
    if (parts.length !== 3 || claims.iss !== options.clientId)
      return oauthError("invalid_client_id", "client identifier invalid");
    const user = typeof claims.sub === "string" ? userByName(claims.sub) : undefined;
    if (!user) return oauthError("invalid_grant", "user hasn't approved this consumer");
    if (typeof claims.exp !== "number" || claims.exp * 1000 < org.clock.nowMs()) {
      return oauthError("invalid_grant", "expired authorization code");
    }
    return tokenResponse(user.id, false, "api");
  };

  const revoke = (token: string): Response => {
    if (!tokens.revoke(token)) return oauthError("unsupported_token_type", "this token type is not supported");
    return new Response(null, { status: 200 });
  };
  app.post("/services/oauth2/revoke", async (c) => revoke(new URLSearchParams(await c.req.text()).get("token") ?? ""));
  app.get("/services/oauth2/revoke", (c) => revoke(c.req.query("token") ?? ""));

  const bearer = (authorization: string | undefined, param: string | undefined): string | undefined => {
    if (authorization) {
      const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(authorization);
      if (m?.[1]) return tokens.resolveAccess(m[1].trim(), org.clock.nowMs());
    }
    return param ? tokens.resolveAccess(param, org.clock.nowMs()) : undefined;
  };

  const urls = () => {
    const b = options.baseUrl();
    return {
      enterprise: `${b}/services/Soap/c/{version}/${org.orgId.slice(0, 15)}`,
      metadata: `${b}/services/Soap/m/{version}/${org.orgId.slice(0, 15)}`,
      partner: `${b}/services/Soap/u/{version}/${org.orgId.slice(0, 15)}`,
      rest: `${b}/services/data/v{version}/`,
      sobjects: `${b}/services/data/v{version}/sobjects/`,
      search: `${b}/services/data/v{version}/search/`,
      query: `${b}/services/data/v{version}/query/`,
      recent: `${b}/services/data/v{version}/recent/`,
      tooling_rest: `${b}/services/data/v{version}/tooling/`,
      custom_domain: b,
    };
  };

  const userRecord = (id: string) => org.store.get("User", id);

  app.get("/id/:org/:user", (c) => {
    const userId = bearer(c.req.header("authorization"), c.req.query("oauth_token"));
    if (!userId) return new Response("Bad_OAuth_Token", { status: 403 });
    if (c.req.param("org") !== org.orgId || c.req.param("user") !== userId)
      return new Response("Bad_Id", { status: 403 });
    const user = userById(userId);
    const rec = userRecord(userId);
    if (!user || !rec) return new Response("Bad_Id", { status: 403 });
    const version = c.req.query("version");
    const u = urls();
    const resolved = version
      ? Object.fromEntries(Object.entries(u).map(([k, v]) => [k, v.replace("{version}", version)]))
      : u;
    return jsonResponse({
      id: idUrl(userId),
      asserted_user: true,
      user_id: userId,
      organization_id: org.orgId,
      username: user.username,
      nick_name: String(rec.Alias ?? ""),
      display_name: user.name,
      email: String(rec.Email ?? user.username),
      email_verified: true,
      first_name: rec.FirstName ?? null,
      last_name: rec.LastName ?? null,
      timezone: String(rec.TimeZoneSidKey ?? "America/Los_Angeles"),
      photos: { picture: null, thumbnail: null },
      addr_street: null,
      addr_city: null,
      addr_state: null,
      addr_country: null,
      addr_zip: null,
      mobile_phone: null,
      mobile_phone_verified: false,
      is_lightning_login_user: false,
      status: { created_date: null, body: null },
      urls: { ...resolved, profile: `${options.baseUrl()}/${userId}` },
      active: true,
      user_type: "STANDARD",
      language: "en_US",
      locale: "en_US",
      utcOffset: 0,
      last_modified_date: String(rec.LastModifiedDate ?? formatDateTime(org.clock.nowMs())).replace(".000+0000", "Z"),
    });
  });

  app.get("/services/oauth2/userinfo", (c) => {
    const userId = bearer(c.req.header("authorization"), c.req.query("access_token"));
    if (!userId) return new Response("Bad_OAuth_Token", { status: 403 });
    const user = userById(userId);
    const rec = userRecord(userId);
    if (!user || !rec) return new Response("Bad_OAuth_Token", { status: 403 });
    return jsonResponse({
      sub: idUrl(userId),
      user_id: userId,
      organization_id: org.orgId,
      preferred_username: user.username,
      nickname: String(rec.Alias ?? ""),
      name: user.name,
      email: String(rec.Email ?? user.username),
      email_verified: true,
      given_name: rec.FirstName ?? null,
      family_name: rec.LastName ?? null,
      zoneinfo: String(rec.TimeZoneSidKey ?? "America/Los_Angeles"),
      photos: { picture: null, thumbnail: null },
      profile: `${options.baseUrl()}/${userId}`,
      picture: null,
      address: { country: null },
      is_salesforce_integration_user: false,
      urls: { ...urls(), profile: `${options.baseUrl()}/${userId}` },
      active: true,
      user_type: "STANDARD",
      language: "en_US",
      locale: "en_US",
      utcOffset: 0,
      updated_at: String(rec.LastModifiedDate ?? "").replace(".000+0000", "Z"),
      is_app_installed: true,
    });
  });

  return app;
}
