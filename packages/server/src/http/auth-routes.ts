/**
 * HTTP routes of sign-in and the session API:
 * `GET /auth/login`, `GET /auth/callback`, `POST /auth/logout`, `POST /auth/logout-everywhere`,
 * `GET /api/me`, `GET /api/session`, `POST /api/sync-ticket`.
 *
 * Sessions are per device: `POST /auth/logout` ends this browser's session only (its sockets
 * close with 4001; the user's grant and other devices stay); `POST /auth/logout-everywhere`
 * revokes the user (every session, socket and the Salesforce grant), as `invalid_grant` does.
 *
 * Cookies: `tandem_session` (HttpOnly, SameSite=Lax, Path=/, Secure on https) holds the
 * session secret; `tandem_login` (HttpOnly, SameSite=Lax, Path=/auth, 10 min) binds the OAuth
 * `state` to the browser that started the login. State-changing POSTs refuse a foreign
 * `Origin` header. `POST /api/sync-ticket` answers 429 (`too_many_tickets`, with
 * `Retry-After`) while the user holds the most live tickets allowed. Log lines never carry
 * text the device wrote (`auth/log-text.ts`): only codes from known sets and lengths.
 */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { type AuthService, roomOf, TicketLimitError } from "../auth/auth-service.js";
import { AUTHORIZE_ERROR_CODES, logCode, logOAuthCode } from "../auth/log-text.js";
import { OAuthError } from "../auth/oauth-client.js";
import type { Logger } from "../obs/logger.js";

/** Name of the session cookie. */
export const SESSION_COOKIE = "tandem_session";
const LOGIN_COOKIE = "tandem_login";

/** Options of {@link createAuthRoutes}. */
export interface AuthRoutesOptions {
  readonly auth: AuthService;
  readonly logger: Logger;
  /** The server's public origin, e.g. `http://127.0.0.1:8080`. */
  readonly publicUrl: string;
}

/** Routes for login, logout, `/api/me` and sync tickets. */
export function createAuthRoutes(o: AuthRoutesOptions): Hono {
  const app = new Hono();
  const secure = o.publicUrl.startsWith("https:");
  const origin = new URL(o.publicUrl).origin;
  const redirectUri = new URL("/auth/callback", o.publicUrl).toString();
  const foreignOrigin = (h: string | undefined): boolean => h !== undefined && h !== origin;

  app.get("/auth/login", (c) => {
    const hint = c.req.query("login_hint");
    const { url, state } = o.auth.beginLogin(redirectUri, hint && hint.length <= 256 ? hint : undefined);
    setCookie(c, LOGIN_COOKIE, state, { httpOnly: true, sameSite: "Lax", path: "/auth", maxAge: 600, secure });
    return c.redirect(url, 302);
  });

  app.get("/auth/callback", async (c) => {
    const state = c.req.query("state");
    const code = c.req.query("code");
    const bound = getCookie(c, LOGIN_COOKIE);
    deleteCookie(c, LOGIN_COOKIE, { path: "/auth" });
    const error = c.req.query("error");
    if (error) {
      o.logger.log("warn", "auth.callback_error", {
        error: logCode(error, AUTHORIZE_ERROR_CODES),
        errorLength: error.length,
      });
      return c.json({ error: "login_refused" }, 400);
    }
    if (!state || !code || bound !== state) {
      o.logger.log("warn", "auth.callback_rejected", {
        reason: !state || !code ? "missing-parameters" : "state-mismatch",
      });
      return c.json({ error: "invalid_login_state" }, 400);
    }
    try {
      const { secret } = await o.auth.completeLogin(state, code);
      setCookie(c, SESSION_COOKIE, secret, {
        httpOnly: true,
        sameSite: "Lax",
        path: "/",
        secure,
        maxAge: 30 * 24 * 3600,
      });
      return c.redirect("/", 302);
    } catch (err) {
      o.logger.log("warn", "auth.login_failed", {
        error: err instanceof Error ? err.name : "unknown",
        ...(err instanceof OAuthError && err.code !== undefined ? { oauthError: logOAuthCode(err.code) } : {}),
      });
      return c.json({ error: "login_failed" }, 400);
    }
  });

  app.post("/auth/logout", async (c) => {
    if (foreignOrigin(c.req.header("origin"))) return c.json({ error: "forbidden_origin" }, 403);
    await o.auth.logout(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  app.post("/auth/logout-everywhere", async (c) => {
    if (foreignOrigin(c.req.header("origin"))) return c.json({ error: "forbidden_origin" }, 403);
    await o.auth.logoutEverywhere(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  // For a client that does not know yet whether it is signed in: always 200, so a signed-out
  // start is not an HTTP error in the browser's console.
  app.get("/api/session", async (c) => {
    const s = await o.auth.session(getCookie(c, SESSION_COOKIE));
    c.header("cache-control", "no-store");
    if (!s) return c.json({ signedIn: false });
    return c.json({
      signedIn: true,
      me: { orgId: s.orgId, userId: s.userId, name: s.name, room: roomOf(s.orgId, s.userId) },
    });
  });

  app.get("/api/me", async (c) => {
    const s = await o.auth.session(getCookie(c, SESSION_COOKIE));
    if (!s) return c.json({ error: "unauthenticated" }, 401);
    return c.json({ orgId: s.orgId, userId: s.userId, name: s.name, room: roomOf(s.orgId, s.userId) });
  });

  app.post("/api/sync-ticket", async (c) => {
    if (foreignOrigin(c.req.header("origin"))) return c.json({ error: "forbidden_origin" }, 403);
    const s = await o.auth.session(getCookie(c, SESSION_COOKIE));
    if (!s) return c.json({ error: "unauthenticated" }, 401);
    c.header("cache-control", "no-store");
    try {
      return c.json(await o.auth.issueSessionTicket(s));
    } catch (err) {
      if (!(err instanceof TicketLimitError)) throw err;
      o.logger.log("warn", "auth.ticket_limit", { orgId: s.orgId, userId: s.userId });
      c.header("retry-after", String(Math.ceil(err.retryAfterMs / 1000)));
      return c.json({ error: "too_many_tickets" }, 429);
    }
  });

  return app;
}
