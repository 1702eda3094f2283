/**
 * Salesforce record ids: the 15-character case-sensitive form, the 18-character checksummed
 * form the API always returns, and a generator of fresh ids per key prefix (reference §3.8).
 *
 * Invariants: every id this module emits is 18 characters and its suffix is the checksum of its
 * first 15; `readSalesforceId` accepts 15 characters (case-sensitive) or 18 characters
 * (case-insensitive, re-cased from the suffix) and answers the canonical 18-character id.
 */

const SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID15 = /^[0-9A-Za-z]{15}$/;
const ID18 = /^[0-9A-Za-z]{18}$/;

/** Computes the 18-character id of a 15-character id. */
export function to18(id15: string): string {
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let n = 0;
    for (let j = 0; j < 5; j++) {
      const ch = id15.charCodeAt(chunk * 5 + j);
      if (ch >= 65 && ch <= 90) n |= 1 << j;
    }
    suffix += SUFFIX_ALPHABET[n];
  }
  return id15 + suffix;
}

/**
 * Reads a 15- or 18-character id and answers its canonical 18-character form, or `undefined`
 * when the text is not an id.
 *
 * @remarks An 18-character id is case-insensitive: its first 15 characters are re-cased from the
 * checksum suffix, and a suffix that cannot be produced by any 15-character id is rejected.
 * @example readSalesforceId("0066s000002YyiJ") // "0066s000002YyiJAAS"
 */
export function readSalesforceId(text: string): string | undefined {
  if (ID15.test(text)) return to18(text);
  if (!ID18.test(text)) return undefined;
  const suffix = text.slice(15).toUpperCase();
  let id15 = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix.charAt(chunk));
    if (bits < 0) return undefined;
    for (let j = 0; j < 5; j++) {
      const ch = text.charAt(chunk * 5 + j);
      const upper = (bits & (1 << j)) !== 0;
      if (upper) {
        if (!/[A-Za-z]/.test(ch)) return undefined;
        id15 += ch.toUpperCase();
      } else {
        id15 += ch.toLowerCase();
      }
    }
  }
  return to18(id15);
}

/** The 15-character case-sensitive form of an id. */
export function to15(id: string): string {
  return (readSalesforceId(id) ?? id).slice(0, 15);
}

/** Encodes a non-negative integer in base 62 with a fixed width. */
export function base62(n: number, width: number): string {
  let out = "";
  let rest = Math.floor(n);
  while (rest > 0) {
    out = BASE62.charAt(rest % 62) + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, "0");
}

/**
 * Mints fresh ids: `<prefix><pod 2><0><counter 9>` plus the checksum. Counters are per prefix
 * and only ever grow, so an id is never reused, even after a delete.
 */
export class IdGenerator {
  readonly #pod: string;
  readonly #counters: Map<string, number>;

  constructor(pod: string, counters?: Record<string, number>) {
    this.#pod = pod;
    this.#counters = new Map(Object.entries(counters ?? {}));
  }

  /** A new 18-character id with the given key prefix. */
  next(prefix: string): string {
    const n = (this.#counters.get(prefix) ?? 0) + 1;
    this.#counters.set(prefix, n);
    return to18(`${prefix}${this.#pod}0${base62(n, 9)}`);
  }

  /** The counters, for persistence. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#counters);
  }
}
