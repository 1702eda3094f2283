/**
 * A worker's tokens at rest: after Salesforce refreshes them, the access token is kept sealed
 * beside the refresh token, so a restarted server acts without another refresh; a revoked
 * user's grant never comes back.
 */
import { randomBytes } from "node:crypto";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../src/auth/auth-service.js";
import { TokenCipher } from "../src/auth/token-cipher.js";
import { createMemoryLogger } from "../src/obs/logger.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { startTestServer, type TestServer } from "./helpers.js";
import { signIn } from "./sync-helpers.js";

let emu: Emulator;
let t: TestServer;
const key = randomBytes(32);

beforeAll(async () => {
  emu = await createEmulator({ port: 0 });
  t = await startTestServer({
    store: createMemoryStore(),
    tokenKey: key,
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    sync: false,
  });
});
afterAll(async () => {
  await t.close();
  await emu.close();
});

describe("sealed grants", () => {
  it("keeps a refreshed access token sealed, and a restarted server uses it without a refresh", async () => {
    const user = emu.users[0];
    if (!user) throw new Error("the emulator has users");
    await signIn(t.server.url, user.username);
    const before = await t.server.auth.workerTokens(emu.orgId, user.id);
    await t.server.auth.rememberTokens(emu.orgId, user.id, { ...before, accessToken: "refreshed-access-token" });
    const sealed = (await t.store.getToken(emu.orgId, user.id)) ?? "";
    expect(sealed).not.toContain("refreshed-access-token");
    expect(sealed).not.toContain(before.refreshToken);

    // A new process: same store and key, nothing in memory, and no way to reach the org.
    const restarted = new AuthService({
      store: t.store,
      clock: { now: () => Date.now() },
      logger: createMemoryLogger(),
      org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
      cipher: new TokenCipher(key),
      fetch: () => Promise.reject(new Error("no network in this test")),
    });
    expect(await restarted.workerTokens(emu.orgId, user.id)).toEqual({
      instanceUrl: before.instanceUrl,
      accessToken: "refreshed-access-token",
      refreshToken: before.refreshToken,
    });
  });

  it("does not bring a revoked grant back when a refresh lands after the revocation", async () => {
    const user = emu.users[1];
    if (!user) throw new Error("the emulator has a second user");
    await signIn(t.server.url, user.username);
    const tokens = await t.server.auth.workerTokens(emu.orgId, user.id);
    await t.server.revokeUser(emu.orgId, user.id);
    await t.server.auth.rememberTokens(emu.orgId, user.id, tokens);
    expect(await t.store.getToken(emu.orgId, user.id)).toBeUndefined();
    await expect(t.server.auth.workerTokens(emu.orgId, user.id)).rejects.toThrow(/no refresh token/);
  });
});
