/**
 * The JWT bearer grant (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, RFC 7523) as
 * Salesforce checks it: a compact JWS signed RS256 with the connected app's registered key,
 * `iss` = the consumer key, `aud` = the login URL, `exp` in the future, `sub` = a username.
 *
 * Invariants: nothing is issued unless every check passes; failures answer Salesforce's
 * `{"error","error_description"}` strings (`invalid_client_id` "client identifier invalid",
 * `invalid_grant` "invalid assertion" / "audience is invalid" / "expired authorization code" /
 * "user hasn't approved this consumer"); the signature is checked before any claim is trusted.
 */
import type { OrgUser } from "../store/org.js";
import { type OAuthContext, oauthError } from "./oauth-context.js";

type Claims = Readonly<Record<string, unknown>>;

function decodeJson(part: string | undefined): Claims | undefined {
  if (part === undefined || !/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Claims) : undefined;
  } catch {
    // Not JSON: the assertion is malformed, which the caller reports as such.
    return undefined;
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

function audienceMatches(aud: unknown, loginUrl: string): boolean {
  const list = Array.isArray(aud) ? aud : [aud];
  return list.some((a) => typeof a === "string" && trimSlash(a) === trimSlash(loginUrl));
}

/**
 * Checks a JWT bearer assertion; answers the user it names, or the OAuth error response.
 *
 * @example
 * const checked = checkJwtAssertion(ctx, params.get("assertion") ?? "");
 * if (checked instanceof Response) return checked;
 */
export function checkJwtAssertion(ctx: OAuthContext, assertion: string): OrgUser | Response {
  const { options } = ctx;
  const parts = assertion.split(".");
  const header = decodeJson(parts[0]);
  const claims = decodeJson(parts[1]);
  const signature = parts[2];
  if (parts.length !== 3 || header === undefined || claims === undefined || !signature) {
    return oauthError("invalid_grant", "invalid assertion");
  }
  if (header.alg !== "RS256") return oauthError("invalid_grant", "invalid assertion");
  if (claims.iss !== options.clientId) return oauthError("invalid_client_id", "client identifier invalid");
  const signed = options.jwtKeys.verifyRs256(`${parts[0]}.${parts[1]}`, Buffer.from(signature, "base64url"));
  if (!signed) return oauthError("invalid_grant", "invalid assertion");
  if (!audienceMatches(claims.aud, options.baseUrl())) return oauthError("invalid_grant", "audience is invalid");
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= options.org.clock.nowMs()) {
    return oauthError("invalid_grant", "expired authorization code");
  }
  const user = typeof claims.sub === "string" ? ctx.userByName(claims.sub) : undefined;
  if (!user) return oauthError("invalid_grant", "user hasn't approved this consumer");
  return user;
}
