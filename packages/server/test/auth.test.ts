/**
 * Sign-in end to end: `/auth/login` → the org's authorize endpoint (PKCE S256) → `/auth/callback`
 * → session cookie → `/api/me` → `/api/sync-ticket` → a stock provider joins its room;
 * logout closes the user's sockets. The org is the real `@tandem/salesforce-emulator` over HTTP.
 */
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CloseCode } from "../src/relay/close-codes.js";
import { connectProvider, startTestServer, type TestServer, waitFor } from "./helpers.js";

let emu: Emulator;
let t: TestServer;
beforeAll(async () => {
  emu = await createEmulator({ port: 0 });
  t = await startTestServer({ org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret } });
});
afterAll(async () => {
  await t.close();
  await emu.close();
});

function user(i: number): { id: string; username: string; name: string } {
  const u = emu.users[i];
  if (!u) throw new Error(`the emulator has no user ${i}`);
  return u;
}

/** Tries a refresh grant at the org directly; true when the org still honours the token. */
async function orgAcceptsRefresh(refreshToken: string): Promise<boolean> {
  const body = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: emu.clientId,
    client_secret: emu.clientSecret,
  });
  const res = await fetch(`${emu.url}/services/oauth2/token`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  return res.ok;
}

function cookieOf(res: Response, name: string): string | undefined {
  for (const c of res.headers.getSetCookie()) if (c.startsWith(`${name}=`)) return c;
  return undefined;
}

async function login(username: string): Promise<string> {
  const start = await fetch(`${t.server.url}/auth/login?login_hint=${encodeURIComponent(username)}`, {
    redirect: "manual",
  });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get("location") ?? "");
  expect(authorize.origin + authorize.pathname).toBe(`${emu.url}/services/oauth2/authorize`);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const loginCookie = (cookieOf(start, "tandem_login") ?? "").split(";")[0] ?? "";
  const atOrg = await fetch(authorize, { redirect: "manual" });
  expect(atOrg.status).toBe(302);
  const callback = await fetch(atOrg.headers.get("location") ?? "", {
    redirect: "manual",
    headers: { cookie: loginCookie },
  });
  expect(callback.status).toBe(302);
  expect(callback.headers.get("location")).toBe("/");
  const session = cookieOf(callback, "tandem_session") ?? "";
  expect(session).toMatch(/HttpOnly/i);
  expect(session).toMatch(/SameSite=Lax/i);
  return session.split(";")[0] ?? "";
}

describe("OAuth sign-in, sessions and tickets", () => {
  it("/api/session answers 200 whether or not someone is signed in", async () => {
    const anon = await fetch(`${t.server.url}/api/session`);
    expect(anon.status).toBe(200);
    expect(await anon.json()).toEqual({ signedIn: false });
    const bob = user(1);
    const cookie = await login(bob.username);
    const res = await fetch(`${t.server.url}/api/session`, { headers: { cookie } });
    expect(await res.json()).toEqual({
      signedIn: true,
      me: { orgId: emu.orgId, userId: bob.id, name: bob.name, room: `book:${emu.orgId}:${bob.id}` },
    });
  });

  it("signs in with PKCE, answers /api/me, issues a ticket that joins the user's room, and logout closes the socket", async () => {
    const alice = user(0);
    const cookie = await login(alice.username);
    const me = (await (await fetch(`${t.server.url}/api/me`, { headers: { cookie } })).json()) as { room: string };
    expect(me).toEqual({ orgId: emu.orgId, userId: alice.id, name: alice.name, room: `book:${emu.orgId}:${alice.id}` });

    // The refresh token is stored sealed, never in clear, and opens with the server's key.
    const sealed = await t.store.getToken(emu.orgId, alice.id);
    const clear = await t.server.auth.refreshToken(emu.orgId, alice.id);
    expect(sealed).toBeDefined();
    expect(clear).toBeDefined();
    expect(sealed).not.toContain(clear);
    expect(await orgAcceptsRefresh(clear ?? "")).toBe(true);

    const res = await fetch(`${t.server.url}/api/sync-ticket`, { method: "POST", headers: { cookie } });
    const { ticket, room, expiresAt } = (await res.json()) as { ticket: string; room: string; expiresAt: number };
    expect(room).toBe(me.room);
    expect(expiresAt).toBeGreaterThan(Date.now());
    const doc = new Y.Doc();
    const provider = connectProvider(t.server.url, room, doc, ticket);
    const closes: number[] = [];
    provider.on("connection-close", (e) => {
      if (e) closes.push(e.code);
    });
    await waitFor(() => provider.synced, "provider synced");
    provider.shouldConnect = true;

    const out = await fetch(`${t.server.url}/auth/logout`, { method: "POST", headers: { cookie } });
    expect(out.status).toBe(204);
    await waitFor(() => closes.includes(CloseCode.revoked), "socket closed on logout");
    provider.destroy();
    expect((await fetch(`${t.server.url}/api/me`, { headers: { cookie } })).status).toBe(401);
    // The user's only session ended: the grant goes with it (a logout on one of several devices
    // keeps it, test/sessions-logout.test.ts).
    expect(await t.store.getToken(emu.orgId, alice.id)).toBeUndefined();
    expect(await orgAcceptsRefresh(clear ?? "")).toBe(false);
  });

  it("refuses a callback whose state is not bound to this browser", async () => {
    const start = await fetch(`${t.server.url}/auth/login?login_hint=${encodeURIComponent(user(0).username)}`, {
      redirect: "manual",
    });
    const atOrg = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
    const callback = await fetch(atOrg.headers.get("location") ?? "", {
      redirect: "manual",
      headers: { cookie: "tandem_login=forged" },
    });
    expect(callback.status).toBe(400);
    expect(cookieOf(callback, "tandem_session")).toBeUndefined();
  });

  it("refuses /api/me and tickets without a session, and a ticket request from a foreign origin", async () => {
    expect((await fetch(`${t.server.url}/api/me`)).status).toBe(401);
    expect((await fetch(`${t.server.url}/api/sync-ticket`, { method: "POST" })).status).toBe(401);
    const cookie = await login(user(1).username);
    const foreign = await fetch(`${t.server.url}/api/sync-ticket`, {
      method: "POST",
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
  });

  it("a refresh that fails with invalid_grant revokes the user", async () => {
    const bob = user(1);
    const cookie = await login(bob.username);
    expect((await t.server.auth.refreshAccessToken(emu.orgId, bob.id)).accessToken.length).toBeGreaterThan(10);
    expect(emu.control.revokeUser(bob.id)).toBe(true);
    await expect(t.server.auth.refreshAccessToken(emu.orgId, bob.id)).rejects.toMatchObject({ code: "invalid_grant" });
    expect((await fetch(`${t.server.url}/api/me`, { headers: { cookie } })).status).toBe(401);
  });

  it("puts security headers on every response", async () => {
    for (const path of ["/healthz", "/api/me", "/nope", "/metrics"]) {
      const res = await fetch(`${t.server.url}${path}`);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });
});
