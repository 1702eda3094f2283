/**
 * Sign-in and token lifecycle against the emulator over HTTP: authorization code + PKCE, the
 * identity, refresh on an expired access token (reported through `onTokenRefresh`), and a
 * revoked refresh token ending every call in `Revoked`.
 */
import type { SalesforceId } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect, Result } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizeUrl, exchangeCode, readIdentity } from "../src/auth/oauth.js";
import type { SalesforceTokens } from "../src/auth/tokens.js";
import { Mirror, portFor, signIn } from "./harness.js";

let sf: Emulator;

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "auth" });
});

afterAll(async () => {
  await sf.close();
});

describe("OAuth against the emulator", () => {
  it("signs a user in with PKCE and reads who they are", async () => {
    const user = sf.users[1];
    if (user === undefined) throw new Error("no user");
    const tokens = await signIn(sf, user.username);
    expect(tokens.userId).toBe(user.id);
    expect(tokens.refreshToken).not.toBe("");
    const me = await Effect.runPromise(readIdentity(tokens));
    expect(me).toEqual({ orgId: tokens.orgId, userId: user.id, name: user.name, username: user.username });
    const viaUserinfo = await Effect.runPromise(
      readIdentity({ instanceUrl: tokens.instanceUrl, accessToken: tokens.accessToken }),
    );
    expect(viaUserinfo.userId).toBe(user.id);
  });

  it("rejects a code exchanged with the wrong verifier", async () => {
    const user = sf.users[0];
    if (user === undefined) throw new Error("no user");
    const redirectUri = "http://127.0.0.1/auth/callback";
    const authorize = createAuthorizeUrl({
      loginUrl: sf.url,
      clientId: sf.clientId,
      redirectUri,
      loginHint: user.username,
    });
    const response = await fetch(authorize.url, { redirect: "manual" });
    const code = new URL(response.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const result = await Effect.runPromise(
      Effect.result(
        exchangeCode({
          client: { loginUrl: sf.url, clientId: sf.clientId, clientSecret: sf.clientSecret },
          redirectUri,
          code,
          codeVerifier: createAuthorizeUrl({ loginUrl: sf.url, clientId: sf.clientId, redirectUri }).codeVerifier,
        }),
      ),
    );
    expect(Result.isFailure(result) && result.failure.code).toBe("invalid_grant");
  });

  it("refreshes an expired access token and reports it; a revoked refresh token gives Revoked", async () => {
    const user = sf.users[2];
    if (user === undefined) throw new Error("no user");
    const tokens = await signIn(sf, user.username);
    const reported: SalesforceTokens[] = [];
    const port = portFor(sf, tokens, { onTokenRefresh: (t) => reported.push(t), now: () => sf.control.now() });
    const pull = () =>
      Effect.runPromise(
        Effect.result(
          port.pullScope({ userId: user.id as SalesforceId, watermarks: {}, mirrored: new Mirror().ids() }),
        ),
      );

    sf.control.expireAccessTokens(user.id);
    const refreshed = await pull();
    expect(Result.isSuccess(refreshed)).toBe(true);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.accessToken).not.toBe(tokens.accessToken);
    expect(reported[0]?.instanceUrl).toBe(tokens.instanceUrl);

    sf.control.revokeUser(user.id);
    const revoked = await pull();
    expect(Result.isFailure(revoked) && revoked.failure._tag).toBe("Revoked");
  });
});
