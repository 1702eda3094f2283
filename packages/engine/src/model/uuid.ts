/**
 * UUIDv7 (RFC 9562) from a given time and given random bytes: the engine never draws
 * randomness or reads the clock itself.
 *
 * Invariant: ids made later (by the millisecond) sort after earlier ones as strings.
 */

/**
 * Makes a UUIDv7 string.
 *
 * @remarks `random` must hold at least 10 bytes; only the first 10 are used (74 random bits
 * after the version and variant bits).
 * @example
 * ```ts
 * uuidv7(Date.UTC(2026, 0, 1), new Uint8Array(10)); // "019b76da-a800-7000-8000-000000000000"
 * ```
 */
export function uuidv7(timeMs: number, random: Uint8Array): string {
  if (random.length < 10) throw new RangeError("uuidv7 needs at least 10 random bytes");
  const bytes = new Uint8Array(16);
  let t = Math.max(0, Math.floor(timeMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  for (let i = 0; i < 10; i++) bytes[6 + i] = random[i] ?? 0;
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** True when `text` is a UUIDv7 string. */
export function isUuidv7(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(text);
}
