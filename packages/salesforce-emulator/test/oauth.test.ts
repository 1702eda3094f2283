/**
 * Conformance: OAuth 2.0 and identity, driven by the unmodified jsforce client over HTTP
 * (reference §1.5, §1.6, §2.9, §2.10).
 */
import { createHash, randomBytes } from "node:crypto";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { caught, connectAs, loadJsforce, raw } from "./helpers.js";

let sf: Emulator;
let jsforce: Awaited<ReturnType<typeof loadJsforce>>;

beforeAll(async () => {
  jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "oauth", accessTokenTtlMs: 60_000 });
});
afterAll(async () => {
  await sf.close();
});

function user(i = 0) {
  const u = sf.users[i];
  if (!u) throw new Error("missing user");
  return u;
}

async function authorizeCode(params: Record<string, string>): Promise<{ status: number; location: string | null }> {
  const url = new URL(`${sf.url}/services/oauth2/authorize`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: "manual" });
  return { status: res.status, location: res.headers.get("location") };
}

describe("token endpoint", () => {
  it("password flow: jsforce logs in and the response has the §2.10 shape without refresh_token", async () => {
    const res = await raw(`${sf.url}/services/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: sf.clientId,
        client_secret: sf.clientSecret,
        username: user().username,
        password: user().password,
      }).toString(),
    });
    expect(res.status).toBe(200);
    // §2.10: password → access_token, instance_url, id, token_type, issued_at, signature; no refresh_token
    const body = res.body as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual([
      "access_token",
      "id",
      "instance_url",
      "issued_at",
      "scope",
      "signature",
      "token_type",
    ]);
    expect(body.instance_url).toBe(sf.url);
    expect(body.id).toBe(`${sf.url}/id/${sf.orgId}/${user().id}`);
    expect(body.token_type).toBe("Bearer");
    expect(body.issued_at).toMatch(/^\d{13}$/);
    expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8");

    const conn = new jsforce.Connection({
      loginUrl: sf.url,
      version: "60.0",
      oauth2: { clientId: sf.clientId, clientSecret: sf.clientSecret, loginUrl: sf.url },
    });
    const info = await conn.login(user().username, user().password);
    // §1.5: jsforce parses userInfo from the last two segments of `id`
    expect(info.id).toBe(user().id);
    expect(info.organizationId).toBe(sf.orgId);
    expect(conn.instanceUrl).toBe(sf.url);
  });

  it("password flow with a wrong password answers 400 invalid_grant (§2.10)", async () => {
    const conn = new jsforce.Connection({
      loginUrl: sf.url,
      oauth2: { clientId: sf.clientId, clientSecret: sf.clientSecret, loginUrl: sf.url },
    });
    const error = await caught(conn.login(user().username, "wrong"));
    expect(error.name).toBe("invalid_grant");
    expect(error.message).toBe("authentication failure");
  });

  it("authorization code + PKCE S256 with jsforce's 171-char verifier, login_hint picks the user (§1.5)", async () => {
    const oauth2 = new jsforce.OAuth2({
      clientId: sf.clientId,
      redirectUri: "http://127.0.0.1:9/callback",
      loginUrl: sf.url,
      useVerifier: true,
    });
    const authUrl = new URL(oauth2.getAuthorizationUrl({ state: "s1" }));
    authUrl.searchParams.set("login_hint", user(1).username);
    const res = await fetch(authUrl, { redirect: "manual" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe("http://127.0.0.1:9/callback");
    expect(location.searchParams.get("state")).toBe("s1");
    const code = location.searchParams.get("code") ?? "";
    const conn = new jsforce.Connection({ oauth2, version: "60.0" });
    const info = await conn.authorize(code);
    expect(info.id).toBe(user(1).id);
    expect(conn.refreshToken).toBeTruthy();
    const q = await conn.query<{ Id: string }>("SELECT Id FROM User");
    expect(q.totalSize).toBe(4); // three sales reps and the administrator
    // a code is single use
    const again = await caught(new jsforce.Connection({ oauth2 }).authorize(code));
    expect(again.name).toBe("invalid_grant");
  });

  it("PKCE: a wrong code_verifier answers invalid_grant", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const { location } = await authorizeCode({
      response_type: "code",
      client_id: sf.clientId,
      redirect_uri: "http://127.0.0.1:9/cb",
      code_challenge: challenge,
      login_hint: user().username,
    });
    const code = new URL(location ?? "").searchParams.get("code") ?? "";
    const res = await raw(`${sf.url}/services/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        client_id: sf.clientId,
        redirect_uri: "http://127.0.0.1:9/cb",
        code_verifier: `${verifier}x`,
      }).toString(),
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid_grant", error_description: "invalid code verifier" });
  });

  it("authorize without login_hint shows an HTML login form that signs in on POST", async () => {
    const params = {
      response_type: "code",
      client_id: sf.clientId,
      redirect_uri: "http://127.0.0.1:9/cb",
      state: "xyz",
    };
    const form = await raw(`${sf.url}/services/oauth2/authorize?${new URLSearchParams(params)}`);
    expect(form.status).toBe(200);
    expect(form.headers.get("content-type")).toMatch(/^text\/html/);
    expect(form.text).toContain('<form method="post" action="/services/oauth2/authorize">');
    const bad = await raw(`${sf.url}/services/oauth2/authorize`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...params, username: user().username, password: "nope" }).toString(),
    });
    expect(bad.status).toBe(200);
    expect(bad.text).toContain("Please check your username and password.");
    const good = await raw(`${sf.url}/services/oauth2/authorize`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...params, username: user().username, password: user().password }).toString(),
    });
    expect(good.status).toBe(302);
    expect(new URL(good.headers.get("location") ?? "").searchParams.get("state")).toBe("xyz");
  });

  it("client_credentials runs as the org's integration user and has no refresh token (§2.10)", async () => {
    const conn = new jsforce.Connection({
      loginUrl: sf.url,
      version: "60.0",
      oauth2: { clientId: sf.clientId, clientSecret: sf.clientSecret, loginUrl: sf.url },
    });
    const info = await conn.authorize({ grant_type: "client_credentials" });
    expect(info.id).toBe(user().id);
    expect(conn.refreshToken).toBeFalsy();
  });

  it("an unknown grant type answers unsupported_grant_type; a wrong client id invalid_client_id", async () => {
    const post = (body: Record<string, string>) =>
      raw(`${sf.url}/services/oauth2/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(body).toString(),
      });
    expect((await post({ grant_type: "foo", client_id: sf.clientId })).body).toEqual({
      error: "unsupported_grant_type",
      error_description: "grant type not supported",
    });
    expect(((await post({ grant_type: "password", client_id: "nope" })).body as { error: string }).error).toBe(
      "invalid_client_id",
    );
  });
});

describe("session expiry and refresh (§1.6)", () => {
  it("an expired access token answers 401 INVALID_SESSION_ID; jsforce refreshes, retries and emits refresh", async () => {
    const conn = connectAs(jsforce, sf, user().username);
    const oldToken = conn.accessToken;
    let refreshed = "";
    conn.on("refresh", (token: string) => {
      refreshed = token;
    });
    sf.control.advanceClock(61_000);
    const direct = await raw(`${sf.url}/services/data/v60.0/limits`, { token: oldToken ?? "" });
    expect(direct.status).toBe(401);
    expect(direct.body).toEqual([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    const res = await conn.query("SELECT Id FROM Account LIMIT 1");
    expect(res.records).toHaveLength(1);
    expect(refreshed).not.toBe("");
    expect(conn.accessToken).toBe(refreshed);
  });

  it("a revoked refresh token answers 400 invalid_grant, so jsforce stops instead of looping", async () => {
    const conn = connectAs(jsforce, sf, user(2).username);
    expect(sf.control.revokeUser(user(2).username)).toBe(true);
    const error = await caught(conn.query("SELECT Id FROM Account LIMIT 1"));
    expect(error.message).toContain("expired access/refresh token");
    const res = await raw(`${sf.url}/services/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: sf.clientId,
        refresh_token: conn.refreshToken ?? "",
      }).toString(),
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid_grant", error_description: "expired access/refresh token" });
  });

  it("without an OAuth client, a bad token surfaces as INVALID_SESSION_ID (§1.7)", async () => {
    const conn = new jsforce.Connection({ instanceUrl: sf.url, accessToken: "bogus", version: "60.0" });
    const error = await caught(conn.query("SELECT Id FROM Account"));
    expect(error.errorCode).toBe("INVALID_SESSION_ID");
  });

  it("revoke endpoint invalidates a token (jsforce logout with revoke)", async () => {
    const conn = connectAs(jsforce, sf, user(1).username);
    const token = conn.accessToken ?? "";
    const res = await raw(`${sf.url}/services/oauth2/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: conn.refreshToken ?? "" }).toString(),
    });
    expect(res.status).toBe(200);
    expect((await raw(`${sf.url}/services/data/v60.0/limits`, { token })).status).toBe(401);
    const unknown = await raw(`${sf.url}/services/oauth2/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "token=nope",
    });
    expect(unknown.status).toBe(400);
  });
});

describe("identity (§2.9)", () => {
  let conn: Connection;
  beforeAll(() => {
    conn = connectAs(jsforce, sf, user(1).username);
  });

  it("conn.identity() reads the resources' identity URL then the identity JSON", async () => {
    const identity = await conn.identity();
    expect(identity.user_id).toBe(user(1).id);
    expect(identity.organization_id).toBe(sf.orgId);
    expect(identity.username).toBe(user(1).username);
    expect(identity.display_name).toBe(user(1).name);
    expect(identity.urls.rest).toBe(`${sf.url}/services/data/v{version}/`);
  });

  it("userinfo answers the OpenID Connect shape", async () => {
    const res = await raw(`${sf.url}/services/oauth2/userinfo`, { token: conn.accessToken ?? "" });
    expect(res.status).toBe(200);
    const body = res.body as Record<string, unknown>;
    expect(body.sub).toBe(`${sf.url}/id/${sf.orgId}/${user(1).id}`);
    expect(body.preferred_username).toBe(user(1).username);
    expect(body.organization_id).toBe(sf.orgId);
  });

  it("the identity URL refuses a missing token", async () => {
    const res = await raw(`${sf.url}/id/${sf.orgId}/${user(1).id}`);
    expect(res.status).toBe(403);
  });
});
