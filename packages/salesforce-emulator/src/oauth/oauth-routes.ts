/**
 * OAuth 2.0 endpoints of the emulated org (reference §1.5, §2.9, §2.10): authorize (auto-approve,
 * `login_hint` or a small login form), token (authorization_code with PKCE, refresh_token,
 * password, client_credentials, jwt-bearer), revoke, userinfo and the identity URL — one Hono
 * app over `authorize-routes.ts`, `token-routes.ts` and `identity-routes.ts`.
 *
 * Invariants: token responses carry `instance_url` = the emulator URL and `id` =
 * `<url>/id/<orgId>/<userId>`; failures are `{"error","error_description"}` with status 400;
 * these endpoints never count as API calls.
 */
import { Hono } from "hono";
import { registerAuthorizeRoutes } from "./authorize-routes.js";
import { registerIdentityRoutes } from "./identity-routes.js";
import { createOAuthContext, type OAuthOptions } from "./oauth-context.js";
import { registerTokenRoutes } from "./token-routes.js";

export type { OAuthOptions } from "./oauth-context.js";

/** Creates the OAuth and identity routes. */
export function createOAuthRoutes(options: OAuthOptions): Hono {
  const app = new Hono();
  const ctx = createOAuthContext(options);
  registerAuthorizeRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerIdentityRoutes(app, ctx);
  return app;
}
