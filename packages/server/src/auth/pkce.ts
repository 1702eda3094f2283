/**
 * PKCE (RFC 7636) with the S256 method: a random verifier and its SHA-256 challenge.
 */
import { createHash } from "node:crypto";
import { randomSecret } from "./secret-hash.js";

/** A PKCE verifier and its S256 challenge. */
export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

/** Creates a fresh verifier (43 base64url characters, 256 bits) and its challenge. */
export function createPkce(): Pkce {
  const verifier = randomSecret(32);
  return { verifier, challenge: s256(verifier) };
}

/** The S256 challenge of a verifier. */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}
