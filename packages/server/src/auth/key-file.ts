/**
 * The token-encryption key file of the embedded default.
 *
 * Generated on first start (32 random bytes, hex) with mode 0600, created exclusively so two
 * starting servers cannot write different keys. On later starts a file readable by group or
 * others is refused: the key protects every refresh token in the store.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The key file is unusable (bad permissions or content). */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
}

/**
 * Reads the key at `path`, creating it (0600) if it does not exist.
 * @example
 * const key = loadOrCreateKeyFile("/var/lib/tandem/token.key");
 */
export function loadOrCreateKeyFile(path: string): Buffer {
  try {
    writeKey(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const st = statSync(path);
  if (process.platform !== "win32" && (st.mode & 0o077) !== 0) {
    throw new KeyFileError(`key file ${path} must not be readable by group or others (chmod 600)`);
  }
  const hex = readFileSync(path, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new KeyFileError(`key file ${path} does not hold a 256-bit hex key`);
  return Buffer.from(hex, "hex");
}

function writeKey(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
}
