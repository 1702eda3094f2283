/**
 * The JWT bearer grant over HTTP (reference §2.10, RFC 7523): an RS256 assertion signed with a
 * registered key gets a token response without a refresh token; every other assertion gets
 * Salesforce's own error strings, and nothing is issued.
 */
import { createSign, generateKeyPairSync, type KeyObject, X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../server/create-emulator.js";
import { JwtKeyError, JwtKeyRegistry } from "./jwt-keys.js";

/** A self-signed test certificate (public data only; its private key is not kept anywhere). */
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIDITCCAgmgAwIBAgIUci85DGMAg2wEuGWEzC4qJlBqa0YwDQYJKoZIhvcNAQEL
BQAwHzEdMBsGA1UEAwwUdGFuZGVtLWVtdWxhdG9yLXRlc3QwIBcNMjYxMjA3MjI1
NDExWhgPMjEyNjExMTMyMjU0MTFaMB8xHTAbBgNVBAMMFHRhbmRlbS1lbXVsYXRv
ci10ZXN0MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArby3acj5MGGq
S6Qcxjg+mUodTYPhsaAiJKXiFgFUsTegKbkPBkWcSk/HZaWuieMulk8U5Zn5HWS5
bHoFQNXJA/yghOhD3LiDB7SaFUD2pdmJDDEnINHp/7SsIf9tmIXMqz9pY2ji1i36
SAbCin/k7Yma7FU7nI/o7ttO56/V53BpWxjNIA6nx8x3ex2tp4W3COdCCp1/RRQE
ueB/tvZjHUFdyIYNV1aPWrTRDQhbRzme5avqpD3rlKuX0MYFtd72Gezh5h0920rX
TCvjL9lfHRpmXr3Ahj8GcfQQIbE+JeoN9CmarTlfUCuoLzEPohKmi+FQjbYNbBEK
t3SoVTPOgwIDAQABo1MwUTAdBgNVHQ4EFgQU9pDejM3qlaD5l2P2xW3JtOcKMSow
HwYDVR0jBBgwFoAU9pDejM3qlaD5l2P2xW3JtOcKMSowDwYDVR0TAQH/BAUwAwEB
/zANBgkqhkiG9w0BAQsFAAOCAQEATWlOVFsrSSQGh4w2ly6JWsGEST2+H57WSgU5
o1LXPayjhLxgasu7GdwC1kJXv+8kZH3ktQRFe9YG2NxINrACRsPnwexx1MYUmMiE
bj2glKagpQY4hTSUS4Q4xF0+rpamuZVREAGZeT17BnZSMDaYnmakRNmOQFRgf22X
JzMCOKaDbHuAiaxB5IJt7NzBNz4iwFYfTCLxHQ/ImalCZ1BitWGJiRETA8KQ5EqH
U9mHdj5WViw1mMvxsQEs16ScP9o2yWnr3+vJm6s1gSlVkjtFIsSxoofAWzFHJGq6
YHht2vnS+2owBVM5P83NNVik95Z5fRs1DHdcNvEUgxqEUAT9tw==
-----END CERTIFICATE-----`;

const JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicPem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();

let sf: Emulator;

beforeAll(async () => {
  sf = await createEmulator({ port: 0, seed: "jwt", jwtPublicKeys: [publicPem(keys.publicKey)] });
});

afterAll(async () => {
  await sf.close();
});

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const nowS = () => Math.floor(sf.control.now().getTime() / 1000);

function assertion(claims: Record<string, unknown>, options: { key?: KeyObject; header?: unknown } = {}): string {
  const input = `${encode(options.header ?? { alg: "RS256" })}.${encode(claims)}`;
  const signature = createSign("RSA-SHA256")
    .update(input)
    .sign(options.key ?? keys.privateKey)
    .toString("base64url");
  return `${input}.${signature}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: sf.clientId,
  sub: sf.users[0]?.username,
  aud: sf.url,
  exp: nowS() + 180,
  ...extra,
});

async function grant(jwt: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sf.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: JWT_GRANT, assertion: jwt }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const refusal = (error: string, description: string) => ({
  status: 400,
  body: { error, error_description: description },
});

describe("jwt-bearer grant", () => {
  it("issues an access token (no refresh token) for an assertion signed with a registered key", async () => {
    const { status, body } = await grant(assertion(claims()));
    expect(status).toBe(200);
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe("api");
    expect(body.id).toBe(`${sf.url}/id/${sf.orgId}/${sf.users[0]?.id}`);
    const identity = await fetch(String(body.id), {
      headers: { authorization: `Bearer ${String(body.access_token)}` },
    });
    expect(identity.status).toBe(200);
    // aud may be a list, and the login URL may end in a slash.
    expect((await grant(assertion(claims({ aud: ["https://other.example", `${sf.url}/`] })))).status).toBe(200);
  });

  it("refuses a wrong key, a tampered claim, an unsigned or HMAC assertion: invalid assertion", async () => {
    const invalid = refusal("invalid_grant", "invalid assertion");
    expect(await grant(assertion(claims(), { key: stranger.privateKey }))).toEqual(invalid);
    const [header, , signature] = assertion(claims()).split(".");
    const otherUser = encode(claims({ sub: sf.users[1]?.username }));
    expect(await grant(`${header}.${otherUser}.${signature}`)).toEqual(invalid);
    expect(await grant(`${encode({ alg: "none" })}.${encode(claims())}.`)).toEqual(invalid);
    expect(await grant(assertion(claims(), { header: { alg: "HS256" } }))).toEqual(invalid);
    expect(await grant("not-a-jwt")).toEqual(invalid);
  });

  it("answers Salesforce's errors for the client, audience, expiry and user", async () => {
    expect(await grant(assertion(claims({ iss: "3MVG9other" })))).toEqual(
      refusal("invalid_client_id", "client identifier invalid"),
    );
    expect(await grant(assertion(claims({ aud: "https://login.salesforce.com" })))).toEqual(
      refusal("invalid_grant", "audience is invalid"),
    );
    expect(await grant(assertion(claims({ exp: nowS() - 1 })))).toEqual(
      refusal("invalid_grant", "expired authorization code"),
    );
    expect(await grant(assertion(claims({ exp: undefined })))).toEqual(
      refusal("invalid_grant", "expired authorization code"),
    );
    expect(await grant(assertion(claims({ sub: "nobody@example.com" })))).toEqual(
      refusal("invalid_grant", "user hasn't approved this consumer"),
    );
  });

  it("refuses every assertion once the keys are cleared, and accepts again after registering", async () => {
    sf.control.clearJwtKeys();
    expect(await grant(assertion(claims()))).toEqual(refusal("invalid_grant", "invalid assertion"));
    sf.control.registerJwtKey(publicPem(keys.publicKey));
    expect((await grant(assertion(claims()))).status).toBe(200);
  });
});

describe("JwtKeyRegistry", () => {
  it("takes a certificate or a public key, once per key, and refuses private and non-RSA keys", () => {
    const registry = new JwtKeyRegistry();
    const fromCertificate = registry.register(CERTIFICATE);
    const certKey = new X509Certificate(CERTIFICATE).publicKey;
    expect(registry.register(publicPem(certKey))).toEqual(fromCertificate);
    expect(registry.list()).toEqual([fromCertificate]);
    const pkcs8 = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => registry.register(pkcs8)).toThrow(JwtKeyError);
    expect(() => registry.register(pkcs8)).toThrow(/private key/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
    expect(() => registry.register(publicPem(ec))).toThrow(/RSA/);
    expect(() => registry.register("hello")).toThrow(JwtKeyError);
    expect(registry.list()).toHaveLength(1);
  });
});
