/**
 * What auth and HTTP log lines say about text a device wrote (issue 18, "Sessions and
 * connections"): a login hint, the callback's `error` parameter, an org error echoing the
 * request, and the message of an error behind a 500 never appear verbatim; the lines carry
 * known codes, lengths and error classes instead. Real server on port 0, real emulator.
 */
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashSecret } from "../src/auth/secret-hash.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { startTestServer, type TestServer } from "./helpers.js";

const MARKER = "Robert'); DROP TABLE sessions;-- bobby@example.com";
const FAILING_LOOKUP = "driver error: SELECT * FROM sessions WHERE cookie = 'quoted-request-text'";
/** The session id of the cookie value `fail`, whose lookup fails. */
const hashOfFailingCookie = hashSecret("fail");

let emu: Emulator;
let t: TestServer;
beforeAll(async () => {
  emu = await createEmulator({ port: 0 });
  const inner = createMemoryStore();
  // A store whose session lookup fails with a message quoting what it was asked.
  const store: Store = {
    ...inner,
    getSession: (id, now) =>
      id === hashOfFailingCookie ? Promise.reject(new Error(FAILING_LOOKUP)) : inner.getSession(id, now),
  };
  t = await startTestServer({
    store,
    sync: false,
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    // The org's token endpoint, as one that echoes the request's code in its error.
    fetch: async (input, init) => {
      if (input.endsWith("/services/oauth2/token")) {
        const code = new URLSearchParams(String(init?.body)).get("code");
        return Response.json({ error: `bad code ${code}`, error_description: `${code}` }, { status: 400 });
      }
      return fetch(input, init);
    },
  });
});
afterAll(async () => {
  await t.close();
  await emu.close();
});

function logText(): string {
  return JSON.stringify(t.logger.entries);
}

describe("log lines of auth and HTTP", () => {
  it("never carry a login hint, the callback's error text, or an org error echoing the request", async () => {
    const start = await fetch(`${t.server.url}/auth/login?login_hint=${encodeURIComponent(MARKER)}`, {
      redirect: "manual",
    });
    expect(start.status).toBe(302);
    const loginCookie = (start.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    const state = new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";

    const refused = await fetch(`${t.server.url}/auth/callback?error=${encodeURIComponent(MARKER)}`, {
      redirect: "manual",
    });
    expect(refused.status).toBe(400);
    const known = await fetch(`${t.server.url}/auth/callback?error=access_denied`, { redirect: "manual" });
    expect(known.status).toBe(400);
    const failed = await fetch(
      `${t.server.url}/auth/callback?state=${encodeURIComponent(state)}&code=${encodeURIComponent(MARKER)}`,
      { redirect: "manual", headers: { cookie: loginCookie } },
    );
    expect(failed.status).toBe(400);

    expect(logText()).not.toContain("bobby");
    expect(logText()).not.toContain("DROP TABLE");
    const events = t.logger.entries.map((e) => [e.event, e.fields]);
    expect(events).toContainEqual(["auth.callback_error", { error: "other", errorLength: MARKER.length }]);
    expect(events).toContainEqual(["auth.callback_error", { error: "access_denied", errorLength: 13 }]);
    expect(events).toContainEqual(["auth.login_failed", { error: "OAuthError", oauthError: "other" }]);
  });

  it("a 500 names the route and the error's class, never the path or the error's message", async () => {
    const res = await fetch(`${t.server.url}/api/me`, { headers: { cookie: "tandem_session=fail" } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "internal" });
    expect(logText()).not.toContain("quoted-request-text");
    const line = t.logger.entries.find((e) => e.event === "http.error");
    expect(line?.fields).toEqual({ method: "GET", route: "/api/me", error: "Error" });
  });
});
