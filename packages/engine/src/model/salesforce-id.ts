/**
 * Salesforce record ids: validation, 15 → 18 character conversion and branded types.
 *
 * Invariants: a {@link SalesforceId} is always the 18-character, case-insensitive form with a
 * correct checksum suffix; every id that enters the engine passes through {@link readSalesforceId}
 * exactly once, so the rest of the code compares ids with `===`.
 */
import { Schema, SchemaTransformation } from "effect";

const SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const ID15 = /^[a-zA-Z0-9]{15}$/;
const ID18 = /^[a-zA-Z0-9]{18}$/;

/** An 18-character Salesforce id with a verified checksum. */
export type SalesforceId = string & { readonly __brand: "SalesforceId" };

/** Why a string is not a Salesforce id. */
export type InvalidSalesforceIdReason = "length" | "characters" | "checksum";

/** A string that is not a valid 15- or 18-character Salesforce id. */
export class InvalidSalesforceIdError extends Error {
  readonly _tag = "InvalidSalesforceIdError";
  constructor(
    readonly input: string,
    readonly reason: InvalidSalesforceIdReason,
  ) {
    super(`not a Salesforce id (${reason}): ${JSON.stringify(input.slice(0, 40))}`);
    this.name = "InvalidSalesforceIdError";
  }
}

/** The three checksum characters that make a 15-character id case-insensitive. */
function checksum(id15: string): string {
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let j = 0; j < 5; j++) {
      const code = id15.charCodeAt(chunk * 5 + j);
      // Bit j marks an upper-case letter at position j of the chunk.
      if (code >= 65 && code <= 90) bits |= 1 << j;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/**
 * Converts a 15-character id to its 18-character form.
 *
 * @remarks Throws {@link InvalidSalesforceIdError} when the input is not 15 alphanumerics.
 * @example
 * ```ts
 * to18("001M000000qfPyS"); // "001M000000qfPySIAU"
 * ```
 */
export function to18(id15: string): SalesforceId {
  if (id15.length !== 15) throw new InvalidSalesforceIdError(id15, "length");
  if (!ID15.test(id15)) throw new InvalidSalesforceIdError(id15, "characters");
  return (id15 + checksum(id15)) as SalesforceId;
}

/**
 * Recovers the case-sensitive 15-character id from an 18-character one, whatever the case
 * the 18-character id arrived in.
 *
 * @remarks The checksum suffix records which characters are upper case, so the first 15
 * characters are re-cased from it. Throws {@link InvalidSalesforceIdError} on bad input.
 * @example
 * ```ts
 * to15("001m000000QFPYSIAU"); // "001M000000qfPyS"
 * ```
 */
export function to15(id18: string): string {
  if (id18.length !== 18) throw new InvalidSalesforceIdError(id18, "length");
  if (!ID18.test(id18)) throw new InvalidSalesforceIdError(id18, "characters");
  const chars = id18.slice(0, 15).split("");
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf((id18[15 + chunk] ?? "").toUpperCase());
    if (bits < 0) throw new InvalidSalesforceIdError(id18, "checksum");
    for (let j = 0; j < 5; j++) {
      const i = chunk * 5 + j;
      const ch = chars[i] ?? "";
      chars[i] = bits & (1 << j) ? ch.toUpperCase() : ch.toLowerCase();
    }
  }
  return chars.join("");
}

/**
 * Reads a 15- or 18-character id into the canonical 18-character form.
 *
 * @remarks An 18-character input is re-cased from its suffix and its checksum verified, so
 * `001m000000qfpysIAU` and `001M000000qfPySIAU` read to the same id. Throws
 * {@link InvalidSalesforceIdError} naming what was wrong.
 * @example
 * ```ts
 * readSalesforceId("001M000000qfPyS") === readSalesforceId("001M000000qfPySIAU"); // true
 * ```
 */
export function readSalesforceId(input: string): SalesforceId {
  if (input.length === 15) return to18(input);
  if (input.length !== 18) throw new InvalidSalesforceIdError(input, "length");
  const id15 = to15(input);
  const canonical = to18(id15);
  if (canonical.slice(15) !== input.slice(15).toUpperCase()) {
    throw new InvalidSalesforceIdError(input, "checksum");
  }
  return canonical;
}

/** True when `input` is a valid 15- or 18-character Salesforce id. */
export function isSalesforceId(input: string): boolean {
  try {
    readSalesforceId(input);
    return true;
  } catch {
    return false;
  }
}

/** The 3-character key prefix naming the object type (`006` Opportunity, `00K` OpportunityContactRole …). */
export function keyPrefix(id: SalesforceId): string {
  return id.slice(0, 3);
}

const isCanonicalSalesforceId = (u: unknown): u is SalesforceId =>
  typeof u === "string" && u.length === 18 && isSalesforceId(u) && readSalesforceId(u) === u;

/** The decoded side of {@link SalesforceIdSchema}: an already canonical 18-character id. */
const CanonicalSalesforceId = Schema.declare(isCanonicalSalesforceId, { expected: "a canonical Salesforce id" });

/**
 * Schema for an 18-character Salesforce id, decoding 15- or 18-character input (any case) to
 * the canonical branded form.
 *
 * @example
 * ```ts
 * Schema.decodeUnknownSync(SalesforceIdSchema)("001M000000qfPyS"); // "001M000000qfPySIAU"
 * ```
 */
export const SalesforceIdSchema = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => isSalesforceId(s) || "a valid 15- or 18-character Salesforce id")),
  Schema.decodeTo(
    CanonicalSalesforceId,
    SchemaTransformation.transform<SalesforceId, string>({
      decode: (s) => readSalesforceId(s),
      encode: (id) => id,
    }),
  ),
);
