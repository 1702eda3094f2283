/**
 * AES-256-GCM sealing of refresh tokens at rest.
 *
 * A sealed value is `v1.<iv>.<tag>.<ciphertext>` (base64url), with a fresh 96-bit IV per seal
 * and the (org, user) pair as additional authenticated data, so a sealed token copied onto
 * another user's row fails to open. The key never enters the store.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** A sealed value failed to open (wrong key, tampered, or moved to another user). */
export class TokenCipherError extends Error {
  override readonly name = "TokenCipherError";
}

/** Seals and opens secrets with one AES-256 key. */
export class TokenCipher {
  private readonly key: Buffer;
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new TokenCipherError("AES-256-GCM needs a 32-byte key");
    this.key = Buffer.from(key);
  }

  /**
   * Encrypts `plaintext`, bound to `aad`.
   * @example
   * const sealed = cipher.seal(refreshToken, `${orgId}:${userId}`);
   */
  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    c.setAAD(Buffer.from(aad, "utf8"));
    const ct = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
    return ["v1", iv.toString("base64url"), c.getAuthTag().toString("base64url"), ct.toString("base64url")].join(".");
  }

  /** Decrypts a value sealed with the same key and `aad`; throws {@link TokenCipherError}. */
  open(sealed: string, aad: string): string {
    const [v, iv, tag, ct] = sealed.split(".");
    if (v !== "v1" || iv === undefined || tag === undefined || ct === undefined)
      throw new TokenCipherError("not a sealed value");
    try {
      const d = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      d.setAAD(Buffer.from(aad, "utf8"));
      d.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([d.update(Buffer.from(ct, "base64url")), d.final()]).toString("utf8");
    } catch {
      throw new TokenCipherError("sealed value failed authentication");
    }
  }
}
