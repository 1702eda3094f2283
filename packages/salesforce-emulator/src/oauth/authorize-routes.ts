/**
 * `GET`/`POST /services/oauth2/authorize`: the authorization-code flow with optional PKCE.
 * A known `login_hint` is approved at once; otherwise a small login form posts the username and
 * password back.
 *
 * Invariants: an unknown client or a redirect URI that is not allowed gets a 400 and is never
 * redirected to; otherwise the answer is the login form or a redirect to the redirect URI with
 * `code` or `error` (and `state` when one was given).
 */
import type { Hono } from "hono";
import type { OrgUser } from "../store/org.js";
import type { OAuthContext } from "./oauth-context.js";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginForm(ctx: OAuthContext, params: URLSearchParams, error?: string): Response {
  const hidden = [...params]
    .filter(([k]) => k !== "username" && k !== "password")
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  const users = ctx.options.org.users.map((u) => `<li><code>${escapeHtml(u.username)}</code></li>`).join("");
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
}

function redirectAllowed(ctx: OAuthContext, uri: string): boolean {
  const { redirectUris } = ctx.options;
  if (redirectUris.length > 0) return redirectUris.includes(uri);
  return /^https?:\/\//.test(uri);
}

function authorize(
  ctx: OAuthContext,
  params: URLSearchParams,
  user: OrgUser | undefined,
  loginError?: string,
): Response {
  const { options } = ctx;
  if (params.get("client_id") !== options.clientId) {
    return new Response("error=invalid_client_id&error_description=client%20identifier%20invalid", { status: 400 });
  }
  const redirectUri = params.get("redirect_uri") ?? "";
  if (!redirectAllowed(ctx, redirectUri)) {
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
  if (!user) return loginForm(ctx, params, loginError);
  const challenge = params.get("code_challenge") ?? undefined;
  const method = params.get("code_challenge_method") ?? "S256";
  const code = options.tokens.issueCode(user.id, redirectUri, challenge, method, options.org.clock.nowMs());
  target.searchParams.set("code", code);
  if (state !== null) target.searchParams.set("state", state);
  return new Response(null, { status: 302, headers: { Location: target.toString() } });
}

/** Registers the authorize endpoint on `app`. */
export function registerAuthorizeRoutes(app: Hono, ctx: OAuthContext): void {
  app.get("/services/oauth2/authorize", (c) => {
    const params = new URL(c.req.url).searchParams;
    const hint = params.get("login_hint");
    return authorize(ctx, params, hint ? ctx.userByName(hint) : undefined);
  });

  app.post("/services/oauth2/authorize", async (c) => {
    const params = new URLSearchParams(await c.req.text());
    const user = ctx.userByName(params.get("username") ?? "");
    if (!user || user.password !== params.get("password")) {
      return authorize(ctx, params, undefined, "Please check your username and password.");
    }
    return authorize(ctx, params, user);
  });
}
