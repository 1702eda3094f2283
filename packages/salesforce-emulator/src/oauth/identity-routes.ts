/**
 * The identity URL `GET /id/:org/:user` and `GET /services/oauth2/userinfo`: who an access
 * token belongs to, in Salesforce's two shapes.
 *
 * Invariants: the token comes from `Authorization: Bearer|OAuth …` or the query parameter
 * (`oauth_token`, `access_token`); an unknown or expired token is 403 `Bad_OAuth_Token`; the
 * identity URL answers only for the token's own org and user (else 403 `Bad_Id`).
 */
import type { Hono } from "hono";
import { formatDateTime } from "../util/time.js";
import { jsonResponse, type OAuthContext } from "./oauth-context.js";

/** The user id of the access token in the header or else the query parameter. */
function bearer(ctx: OAuthContext, authorization: string | undefined, param: string | undefined): string | undefined {
  const { org, tokens } = ctx.options;
  if (authorization) {
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(authorization);
    if (m?.[1]) return tokens.resolveAccess(m[1].trim(), org.clock.nowMs());
  }
  return param ? tokens.resolveAccess(param, org.clock.nowMs()) : undefined;
}

/** The org's service URLs, with a `{version}` placeholder. */
function urls(ctx: OAuthContext) {
  const { org } = ctx.options;
  const b = ctx.options.baseUrl();
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
}

/** Registers the identity URL and userinfo on `app`. */
export function registerIdentityRoutes(app: Hono, ctx: OAuthContext): void {
  const { org, baseUrl } = ctx.options;
  app.get("/id/:org/:user", (c) => {
    const userId = bearer(ctx, c.req.header("authorization"), c.req.query("oauth_token"));
    if (!userId) return new Response("Bad_OAuth_Token", { status: 403 });
    if (c.req.param("org") !== org.orgId || c.req.param("user") !== userId)
      return new Response("Bad_Id", { status: 403 });
    const user = ctx.userById(userId);
    const rec = org.store.get("User", userId);
    if (!user || !rec) return new Response("Bad_Id", { status: 403 });
    const version = c.req.query("version");
    const u = urls(ctx);
    const resolved = version
      ? Object.fromEntries(Object.entries(u).map(([k, v]) => [k, v.replace("{version}", version)]))
      : u;
    return jsonResponse({
      id: ctx.idUrl(userId),
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
      urls: { ...resolved, profile: `${baseUrl()}/${userId}` },
      active: true,
      user_type: "STANDARD",
      language: "en_US",
      locale: "en_US",
      utcOffset: 0,
      last_modified_date: String(rec.LastModifiedDate ?? formatDateTime(org.clock.nowMs())).replace(".000+0000", "Z"),
    });
  });

  app.get("/services/oauth2/userinfo", (c) => {
    const userId = bearer(ctx, c.req.header("authorization"), c.req.query("access_token"));
    if (!userId) return new Response("Bad_OAuth_Token", { status: 403 });
    const user = ctx.userById(userId);
    const rec = org.store.get("User", userId);
    if (!user || !rec) return new Response("Bad_OAuth_Token", { status: 403 });
    return jsonResponse({
      sub: ctx.idUrl(userId),
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
      profile: `${baseUrl()}/${userId}`,
      picture: null,
      address: { country: null },
      is_salesforce_integration_user: false,
      urls: { ...urls(ctx), profile: `${baseUrl()}/${userId}` },
      active: true,
      user_type: "STANDARD",
      language: "en_US",
      locale: "en_US",
      utcOffset: 0,
      updated_at: String(rec.LastModifiedDate ?? "").replace(".000+0000", "Z"),
      is_app_installed: true,
    });
  });
}
