/**
 * The Promise sign-in helpers against the emulator over HTTP (issue 21): refresh token,
 * authorization code with PKCE, and JWT bearer (RS256 against the connected app's registered
 * key). Each session's `port()` pulls; an expired access token is refreshed (or, for JWT, minted
 * again inside the call, which then completes, write or read) and reported through `onTokens`;
 * a revoked grant (or a JWT key the app no longer has) rejects `port()` with
 * `SalesforceSignInError` (`revoked`); bad input is refused with a clear `OAuthFailed`.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  type CreateTaskWrite,
  idempotencyKeyFor,
  type SalesforceId,
  type SalesforcePort,
  SalesforceSignInError,
  uuidv7,
} from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { createAuthorizeUrl } from "../src/auth/oauth.js";
import type { SalesforceTokens } from "../src/auth/tokens.js";
import { OAuthFailed } from "../src/errors/oauth-failed.js";
import {
  type SalesforceSession,
  signInWithAuthorizationCode,
  signInWithJwtBearer,
  signInWithRefreshToken,
} from "../src/index.js";
import { Mirror, runnerCycle, signIn } from "./harness.js";

let sf: Emulator;
const REDIRECT_URI = "http://127.0.0.1/auth/callback";
const pem = () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
};
const appKey = pem();
const otherKey = pem();

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "sign-in" });
  sf.control.registerJwtKey(appKey.publicKey);
});

afterAll(async () => {
  await sf.close();
});

const user = (index: number) => {
  const u = sf.users[index];
  if (u === undefined) throw new Error(`no user ${index}`);
  return u;
};
const fast = () => ({
  readRetry: { maxAttempts: 2, baseDelayMs: 5, maxRateLimitWaitMs: 0 },
  now: () => sf.control.now(),
});

/** One scope pull through the session's current port, as a cycle would start. */
async function pull(session: SalesforceSession) {
  const port = await session.port();
  return Effect.runPromiseExit(
    port.pullScope({ userId: session.userId, watermarks: {}, mirrored: new Mirror().ids() }),
  );
}

async function refused(promise: Promise<unknown>): Promise<OAuthFailed> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OAuthFailed)) throw new Error(`expected OAuthFailed, got ${String(error)}`);
  return error;
}

describe("signInWithRefreshToken", () => {
  it("signs in, pulls, refreshes an expired access token (onTokens) and rejects port() once revoked", async () => {
    const u = user(1);
    const granted = await signIn(sf, u.username);
    const reported: SalesforceTokens[] = [];
    const session = await signInWithRefreshToken({
      loginUrl: sf.url,
      clientId: sf.clientId,
      clientSecret: sf.clientSecret,
      refreshToken: granted.refreshToken,
      onTokens: (t) => reported.push(t),
      portOptions: fast(),
    });
    expect({ userId: session.userId, orgId: session.orgId, username: session.username }).toEqual({
      userId: u.id,
      orgId: sf.orgId,
      username: u.username,
    });
    expect(session.instanceUrl).toBe(sf.url);
    expect(reported).toEqual([]);
    const first = await pull(session);
    expect(Exit.isSuccess(first) && first.value.opportunities.length).toBeGreaterThan(0);

    const before = session.tokens().accessToken;
    sf.control.expireAccessTokens(u.id);
    expect(Exit.isSuccess(await pull(session))).toBe(true);
    expect(reported).toHaveLength(1);
    expect(session.tokens().accessToken).not.toBe(before);
    expect(session.tokens().refreshToken).toBe(granted.refreshToken);

    sf.control.revokeUser(u.id);
    const revoked = await pull(session).catch((e: unknown) => e);
    expect(Exit.isExit(revoked) && Exit.isFailure(revoked)).toBe(true);
    const rejection = await session.port().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(rejection).toBeInstanceOf(SalesforceSignInError);
    expect(rejection).toMatchObject({ code: "invalid_grant", revoked: true });
    await expect(session.port()).rejects.toBe(rejection);
  });

  it("refuses a revoked refresh token, a wrong client id and a bad login URL, saying which", async () => {
    const u = user(2);
    const granted = await signIn(sf, u.username);
    const wrongClient = await refused(
      signInWithRefreshToken({ loginUrl: sf.url, clientId: "3MVG9wrong", refreshToken: granted.refreshToken }),
    );
    expect(wrongClient.code).toBe("invalid_client_id");
    expect(wrongClient.message).toContain("consumer key");
    const badUrl = await refused(
      signInWithRefreshToken({ loginUrl: "login.salesforce.com", clientId: sf.clientId, refreshToken: "x" }),
    );
    expect(badUrl.code).toBe("invalid_options");
    expect(badUrl.message).toContain("loginUrl");
    sf.control.revokeUser(u.id);
    const revoked = await refused(
      signInWithRefreshToken({ loginUrl: sf.url, clientId: sf.clientId, refreshToken: granted.refreshToken }),
    );
    expect(revoked.code).toBe("invalid_grant");
    expect(revoked.message).toContain("sign the user in again");
  });
});

describe("signInWithAuthorizationCode", () => {
  it("follows the auto-approve redirect headlessly, signs in and runs a first cycle", async () => {
    const u = user(0);
    const authorize = createAuthorizeUrl({
      loginUrl: sf.url,
      clientId: sf.clientId,
      redirectUri: REDIRECT_URI,
      loginHint: u.username,
    });
    const redirect = await fetch(authorize.url, { redirect: "manual" });
    const callback = new URL(redirect.headers.get("location") ?? "");
    expect(callback.searchParams.get("state")).toBe(authorize.state);
    const code = callback.searchParams.get("code") ?? "";
    const options = {
      loginUrl: sf.url,
      clientId: sf.clientId,
      clientSecret: sf.clientSecret,
      redirectUri: REDIRECT_URI,
      code,
      codeVerifier: authorize.codeVerifier,
      portOptions: fast(),
    };
    const session = await signInWithAuthorizationCode(options);
    expect(session.userId).toBe(u.id);
    expect(session.tokens().refreshToken).not.toBe("");

    const doc = new Y.Doc();
    const port: SalesforcePort = await session.port();
    const exit = await runnerCycle(
      sf,
      { ...session.tokens(), userId: session.userId, orgId: session.orgId, identityUrl: "" },
      doc,
      port,
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(doc.getMap("opportunities").size).toBeGreaterThan(0);

    const reused = await refused(signInWithAuthorizationCode(options));
    expect(reused.code).toBe("invalid_grant");
  });
});

describe("signInWithJwtBearer", () => {
  const jwt = (index: number, extra: Partial<Parameters<typeof signInWithJwtBearer>[0]> = {}) =>
    signInWithJwtBearer({
      loginUrl: sf.url,
      clientId: sf.clientId,
      username: user(index).username,
      privateKey: appKey.privateKey,
      now: () => sf.control.now().getTime(),
      portOptions: fast(),
      ...extra,
    });

  /** The first contact of the session's scope (a rep's book has some). */
  const firstContact = async (session: SalesforceSession) => {
    const scope = await pull(session);
    if (!Exit.isSuccess(scope)) throw new Error("pull failed");
    const contact = scope.value.contacts[0];
    if (contact === undefined) throw new Error("the rep has contacts");
    return contact;
  };

  /** A logged call on `contact`, under a new intent. */
  const taskWrite = (contact: { readonly Id: SalesforceId }, subject: string): CreateTaskWrite => {
    const intentId = uuidv7(sf.control.now().getTime(), randomBytes(10));
    return {
      kind: "createTask",
      intentId,
      key: idempotencyKeyFor(intentId),
      fields: {
        WhoId: contact.Id,
        WhatId: null,
        Subject: subject,
        Description: null,
        ActivityDate: "2026-01-05",
        Status: "Completed",
        TaskSubtype: "Call",
      },
    };
  };

  it("signs in with an RS256 assertion, pulls, and mints a new token when the access token expires", async () => {
    const u = user(0);
    const reported: SalesforceTokens[] = [];
    const session = await jwt(0, { onTokens: (t) => reported.push(t) });
    expect({ userId: session.userId, username: session.username }).toEqual({ userId: u.id, username: u.username });
    expect(session.tokens().refreshToken).toBe("");
    expect(Exit.isSuccess(await pull(session))).toBe(true);

    // Past the token lifetime of org time: the old token is dead, the assertion dated by the org clock.
    const before = session.tokens().accessToken;
    sf.control.advanceClock(3 * 3600_000);
    const after = await pull(session);
    expect(Exit.isSuccess(after)).toBe(true);
    expect(reported).toHaveLength(1);
    expect(session.tokens().accessToken).not.toBe(before);

    // A 401 in the middle of a read is a new token and the same read again, not a revocation.
    sf.control.addFault({ match: { path: "/services/data/" }, kind: "INVALID_SESSION_ID", count: 1 });
    expect(Exit.isSuccess(await pull(session))).toBe(true);
    expect(sf.control.faults()).toEqual([]);
    expect(reported).toHaveLength(2);
  });

  it("renews an expired token inside the call: a write goes out in the same call exactly once, and a read", async () => {
    const u = user(0);
    const reported: SalesforceTokens[] = [];
    const session = await jwt(0, { onTokens: (t) => reported.push(t) });
    const contact = await firstContact(session);

    sf.control.expireAccessTokens(u.id);
    const port = await session.port();
    const write = taskWrite(contact, "Call after the token expired");
    const pushed = await Effect.runPromiseExit(port.push([write]));
    expect(Exit.isSuccess(pushed) && pushed.value.map((r) => r.outcome)).toEqual(["applied"]);
    expect(reported).toHaveLength(1);
    const found = await Effect.runPromiseExit(port.lookup([write.key]));
    expect(Exit.isSuccess(found) && typeof found.value.get(write.key)).toBe("string");

    // A 401 on the write itself: Salesforce did not take it, so it goes again after the new token.
    sf.control.addFault({ match: { method: "POST", path: "/services/data/" }, kind: "INVALID_SESSION_ID", count: 1 });
    const second = taskWrite(contact, "Call after a 401 on the write");
    const refusedOnce = await Effect.runPromiseExit((await session.port()).push([second]));
    expect(Exit.isSuccess(refusedOnce) && refusedOnce.value.map((r) => r.outcome)).toEqual(["applied"]);
    expect(sf.control.faults()).toEqual([]);
    expect(reported).toHaveLength(2);

    sf.control.expireAccessTokens(u.id);
    const read = await Effect.runPromiseExit((await session.port()).lookup([write.key, second.key]));
    expect(Exit.isSuccess(read) && [...read.value.values()].every((id) => typeof id === "string")).toBe(true);
    expect(reported).toHaveLength(3);
    expect(reported.every((t) => t.refreshToken === "" && t.instanceUrl === sf.url)).toBe(true);
  });

  it("a renewal refused because the app's key is gone is Revoked, and port() rejects from then on", async () => {
    const u = user(0);
    const session = await jwt(0);
    const contact = await firstContact(session);
    const write = taskWrite(contact, "Call after the key was removed");
    sf.control.clearJwtKeys();
    try {
      sf.control.expireAccessTokens(u.id);
      // The push fails as a whole (its idempotency lookup is refused) or per write: either way Revoked.
      const outcome = await Effect.runPromise(
        (await session.port()).push([write]).pipe(
          Effect.map((results) => results.map((r) => (r.outcome === "failed" ? r.error._tag : r.outcome))),
          Effect.catch((error) => Effect.succeed([error._tag])),
        ),
      );
      expect(outcome).toEqual(["Revoked"]);
      const rejection = await session.port().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(rejection).toBeInstanceOf(SalesforceSignInError);
      expect(rejection).toMatchObject({ code: "invalid_grant", revoked: true });
      expect(String((rejection as Error).message)).toContain("invalid assertion");
      await expect(session.port()).rejects.toBe(rejection);
    } finally {
      sf.control.registerJwtKey(appKey.publicKey);
    }
    // Salesforce never took the write: a new sign-in finds no Task with its key.
    const again = await jwt(0);
    const found = await Effect.runPromiseExit((await again.port()).lookup([write.key]));
    expect(Exit.isSuccess(found) && found.value.get(write.key)).toBeNull();
  });

  it("refuses a key the app does not know, an unknown user, a wrong client id or audience, and a bad key", async () => {
    const wrongKey = await refused(jwt(0, { privateKey: otherKey.privateKey }));
    expect(wrongKey.code).toBe("invalid_grant");
    expect(wrongKey.message).toContain('"invalid assertion"');
    expect(wrongKey.message).toContain("certificate");
    const unknownUser = await refused(jwt(0, { username: "nobody@example.com" }));
    expect(unknownUser.code).toBe("invalid_grant");
    expect(unknownUser.message).toContain("user hasn't approved this consumer");
    const wrongClient = await refused(jwt(0, { clientId: "3MVG9wrong" }));
    expect(wrongClient.code).toBe("invalid_client_id");
    const wrongAudience = await refused(jwt(0, { audience: "https://login.salesforce.com" }));
    expect(wrongAudience.message).toContain("audience is invalid");
    const stale = await refused(jwt(0, { now: () => sf.control.now().getTime() - 10 * 60_000 }));
    expect(stale.message).toContain("expired authorization code");
    const notAKey = await refused(jwt(0, { privateKey: appKey.publicKey }));
    expect(notAKey.code).toBe("invalid_private_key");
    expect(notAKey.message).toContain("public key");
  });

  it("registers a key through the control API, refusing a private key there", async () => {
    const fresh = pem();
    expect((await jwt(3, { privateKey: fresh.privateKey }).catch((e: OAuthFailed) => e)) instanceof OAuthFailed).toBe(
      true,
    );
    const post = (body: unknown) =>
      fetch(`${sf.url}/_emulator/jwt-keys`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const leaked = await post({ publicKey: fresh.privateKey });
    expect(leaked.status).toBe(400);
    expect(((await leaked.json()) as { error: string }).error).toContain("private key");
    const registered = await post({ publicKey: fresh.publicKey });
    expect(registered.status).toBe(201);
    const { fingerprint } = (await registered.json()) as { fingerprint: string };
    const listed = (await (await fetch(`${sf.url}/_emulator/jwt-keys`)).json()) as { keys: { fingerprint: string }[] };
    expect(listed.keys.map((k) => k.fingerprint)).toContain(fingerprint);
    const session = await jwt(3, { privateKey: fresh.privateKey });
    expect(session.userId).toBe(user(3).id);
  });
});
