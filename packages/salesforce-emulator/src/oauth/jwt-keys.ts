/**
 * The connected app's registered signing keys for the JWT bearer flow ("Use digital
 * signatures" in Salesforce Setup): public keys or X.509 certificates, in PEM, against which
 * `POST /services/oauth2/token` verifies an assertion's RS256 signature.
 *
 * Invariants: only RSA public keys are kept (a private key given by mistake is refused, never
 * stored); a key is registered once (by its SHA-256 fingerprint); with no key registered every
 * assertion is refused, as Salesforce refuses the JWT flow of an app without a certificate.
 */
import { createHash, createPublicKey, createVerify, type KeyObject, X509Certificate } from "node:crypto";

/** A registered key as the control API lists it. */
export interface JwtKeyView {
  /** SHA-256 of the key's SPKI DER, base64url: stable whatever PEM form it was given in. */
  readonly fingerprint: string;
}

/** A PEM that is not an RSA public key or certificate. */
export class JwtKeyError extends Error {
  override readonly name = "JwtKeyError";
}

function readPublicKey(pem: string): KeyObject {
  const text = pem.trim();
  if (/-----BEGIN (?:RSA |ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
    throw new JwtKeyError("that is a private key: register the public key or the certificate, keep the private key");
  }
  let key: KeyObject;
  try {
    key = text.includes("-----BEGIN CERTIFICATE-----") ? new X509Certificate(text).publicKey : createPublicKey(text);
  } catch (error) {
    throw new JwtKeyError(
      `not a PEM public key or certificate: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new JwtKeyError(
      `the JWT bearer flow signs with RS256, which needs an RSA key (got ${key.asymmetricKeyType})`,
    );
  }
  return key;
}

/** The registered keys of the emulated connected app. */
export class JwtKeyRegistry {
  readonly #keys = new Map<string, KeyObject>();

  /**
   * @param pems keys to register at once (the emulator's `jwtPublicKeys` option).
   * @throws JwtKeyError when one of them is not an RSA public key or certificate.
   */
  constructor(pems: readonly string[] = []) {
    for (const pem of pems) this.register(pem);
  }

  /**
   * Registers a public key or certificate (PEM); registering the same key again is a no-op.
   *
   * @throws JwtKeyError for a private key, a non-RSA key or text that is no PEM key.
   * @example registry.register(readFileSync("server.crt", "utf8")); // { fingerprint }
   */
  register(pem: string): JwtKeyView {
    const key = readPublicKey(pem);
    const fingerprint = createHash("sha256")
      .update(key.export({ type: "spki", format: "der" }))
      .digest("base64url");
    this.#keys.set(fingerprint, key);
    return { fingerprint };
  }

  /** The registered keys. */
  list(): JwtKeyView[] {
    return [...this.#keys.keys()].map((fingerprint) => ({ fingerprint }));
  }

  /** Forgets every key (the JWT flow is then refused). */
  clear(): void {
    this.#keys.clear();
  }

  /** True when one registered key verifies the RS256 `signature` of `signingInput`. */
  verifyRs256(signingInput: string, signature: Buffer): boolean {
    for (const key of this.#keys.values()) {
      if (createVerify("RSA-SHA256").update(signingInput).verify(key, signature)) return true;
    }
    return false;
  }
}
