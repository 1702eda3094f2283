/**
 * Hashing of bearer secrets (session cookies, sync tickets) before they reach the store or a
 * log, and generation of fresh random secrets.
 *
 * The store keeps only SHA-256 digests, so a copy of the data directory cannot be replayed as
 * a live session or ticket.
 */
import { createHash, randomBytes } from "node:crypto";

/** SHA-256 of a secret, base64url. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

/** A fresh random secret of `bytes` random bytes, base64url. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
