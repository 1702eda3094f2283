/**
 * The JWT bearer assertion (RFC 7523) Salesforce expects: header `{"alg":"RS256"}`, claims
 * `iss` = the consumer key, `sub` = the username, `aud` = the login URL, `exp` = now + 3 minutes,
 * signed RS256 with the private key whose certificate is uploaded to the connected app.
 *
 * Invariants: the private key is parsed once per session and checked to be RSA before any
 * request; the assertion is valid for at most {@link ASSERTION_LIFETIME_S} seconds.
 */
import { createPrivateKey, createSign, type KeyObject } from "node:crypto";
import { trimUrl } from "../auth/tokens.js";
import { OAuthFailed } from "../errors/oauth-failed.js";

/** How long an assertion is valid: Salesforce accepts at most about three minutes. */
export const ASSERTION_LIFETIME_S = 180;

/** What an assertion states. */
export interface JwtClaimsInput {
  readonly clientId: string;
  readonly username: string;
  /** `https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain or the emulator URL. */
  readonly audience: string;
  /** The current time in ms (`exp` is computed from it). */
  readonly nowMs: number;
}

/**
 * Reads a PEM private key (PKCS#1 or PKCS#8) for RS256.
 *
 * @remarks Rejects with {@link OAuthFailed} `invalid_private_key` when the text is no private
 * key (a certificate or public key given by mistake included) or not an RSA key.
 * @example
 * ```ts
 * const key = readJwtPrivateKey(readFileSync("server.key", "utf8"));
 * ```
 */
export function readJwtPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    const got = /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1];
    throw new OAuthFailed({
      code: "invalid_private_key",
      message: `privateKey is not a PEM private key${got ? ` (got a ${got.toLowerCase()})` : ""}: ${cause instanceof Error ? cause.message : String(cause)}`,
    });
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new OAuthFailed({
      code: "invalid_private_key",
      message: `privateKey must be an RSA key for RS256 (got ${key.asymmetricKeyType ?? "an unknown key type"})`,
    });
  }
  return key;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Builds and signs one JWT bearer assertion.
 *
 * @example
 * ```ts
 * const assertion = createJwtAssertion(key, { clientId, username, audience: loginUrl, nowMs: Date.now() });
 * ```
 */
export function createJwtAssertion(key: KeyObject, claims: JwtClaimsInput): string {
  const signingInput = `${encode({ alg: "RS256" })}.${encode({
    iss: claims.clientId,
    sub: claims.username,
    aud: trimUrl(claims.audience),
    exp: Math.floor(claims.nowMs / 1000) + ASSERTION_LIFETIME_S,
  })}`;
  const signature = createSign("RSA-SHA256").update(signingInput).sign(key).toString("base64url");
  return `${signingInput}.${signature}`;
}
