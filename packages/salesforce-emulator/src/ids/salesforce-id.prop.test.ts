/**
 * Rule: ids round-trip between 15 and 18 characters (reference §3.8) — `to18` appends the
 * checksum, `readSalesforceId` accepts the 15-char id and any casing of the 18-char id and
 * answers the same canonical id, and rejects what is not an id.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readSalesforceId, to15, to18 } from "./salesforce-id.js";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? 200);
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".split("");
const id15 = fc.array(fc.constantFrom(...BASE62), { minLength: 15, maxLength: 15 }).map((cs) => cs.join(""));

describe("ids round-trip 15 ↔ 18", () => {
  it("published vectors (§3.8)", () => {
    expect(to18("a0RE000000IJmcN")).toBe("a0RE000000IJmcNMAT");
    expect(to18("001M000000qfPyS")).toBe("001M000000qfPySIAU");
    expect(to18("AbCdEfGhIjKlMnO")).toBe("AbCdEfGhIjKlMnOVKV");
    expect(to18("aBcDEfgHIJKLMNO")).toBe("aBcDEfgHIJKLMNO025");
    expect(to18("0066s000002YyiJ")).toBe("0066s000002YyiJAAS");
    expect(to18("00K6s000000w5jx")).toBe("00K6s000000w5jxEAA");
  });

  it("15 → 18 → 15 is the identity, and any casing of the 18 reads back canonically", () => {
    fc.assert(
      fc.property(id15, fc.array(fc.boolean(), { minLength: 18, maxLength: 18 }), (id, flips) => {
        const long = to18(id);
        expect(long).toHaveLength(18);
        expect(readSalesforceId(id)).toBe(long);
        expect(to15(long)).toBe(id);
        const recased = long
          .split("")
          .map((c, i) => (flips[i] ? (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) : c))
          .join("");
        expect(readSalesforceId(recased)).toBe(long);
      }),
      { numRuns },
    );
  });

  it("text that is not an id is rejected", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const ok = /^[0-9A-Za-z]{15}$|^[0-9A-Za-z]{18}$/.test(text);
        if (!ok) expect(readSalesforceId(text)).toBeUndefined();
      }),
      { numRuns },
    );
  });
});
