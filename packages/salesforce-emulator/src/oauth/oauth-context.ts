/**
 * What the OAuth and identity routes share: their options, user lookups, the identity URL, and
 * the JSON and error responses of the OAuth endpoints.
 *
 * Invariant: OAuth failures are `{"error","error_description"}` JSON (status 400 unless given).
 */
import { timingSafeEqual } from "node:crypto";
import type { Org, OrgUser } from "../store/org.js";
import type { JwtKeyRegistry } from "./jwt-keys.js";
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
  /** The connected app's registered keys; the JWT bearer grant verifies assertions against them. */
  readonly jwtKeys: JwtKeyRegistry;
}

/** The options plus the lookups every OAuth route uses. */
export interface OAuthContext {
  readonly options: OAuthOptions;
  userById(id: string): OrgUser | undefined;
  /** A user by username, trimmed and case-insensitive. */
  userByName(name: string): OrgUser | undefined;
  /** `<url>/id/<orgId>/<userId>`. */
  idUrl(userId: string): string;
}

/** Binds the lookups to the options' org. */
export function createOAuthContext(options: OAuthOptions): OAuthContext {
  const { org } = options;
  return {
    options,
    userById: (id) => org.users.find((u) => u.id === id),
    userByName: (name) => org.users.find((u) => u.username.toLowerCase() === name.trim().toLowerCase()),
    idUrl: (userId) => `${options.baseUrl()}/id/${org.orgId}/${userId}`,
  };
}

const JSON_TYPE = "application/json;charset=UTF-8";

/** An OAuth error response. */
export function oauthError(error: string, description: string, status: 400 | 401 | 403 = 400): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { "Content-Type": JSON_TYPE },
  });
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": JSON_TYPE } });
}

/** Compares secrets in constant time. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
