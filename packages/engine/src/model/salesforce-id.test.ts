import { Schema } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  InvalidSalesforceIdError,
  isSalesforceId,
  readSalesforceId,
  SalesforceIdSchema,
  to15,
  to18,
} from "./salesforce-id.js";

// Published vectors and two real ids (reference/salesforce-api.md §3.8).
const VECTORS: ReadonlyArray<readonly [string, string]> = [
  ["a0RE000000IJmcN", "a0RE000000IJmcNMAT"],
  ["001M000000qfPyS", "001M000000qfPySIAU"],
  ["AbCdEfGhIjKlMnO", "AbCdEfGhIjKlMnOVKV"],
  ["aBcDEfgHIJKLMNO", "aBcDEfgHIJKLMNO025"],
  ["0066s000002YyiJ", "0066s000002YyiJAAS"],
  ["00K6s000000w5jx", "00K6s000000w5jxEAA"],
];

describe("Salesforce ids", () => {
  it.each(VECTORS)("converts %s to %s and back", (id15, id18) => {
    expect(to18(id15)).toBe(id18);
    expect(to15(id18)).toBe(id15);
    expect(to15(id18.toLowerCase())).toBe(id15);
  });

  it("reads 15- and 18-character forms, in any case, to the same canonical id", () => {
    expect(readSalesforceId("001M000000qfPyS")).toBe("001M000000qfPySIAU");
    expect(readSalesforceId("001M000000qfPySIAU")).toBe("001M000000qfPySIAU");
    expect(readSalesforceId("001m000000QFPYSiau")).toBe("001M000000qfPySIAU");
  });

  it("rejects bad input with the reason", () => {
    const reason = (s: string) => {
      try {
        readSalesforceId(s);
        return "ok";
      } catch (e) {
        return e instanceof InvalidSalesforceIdError ? e.reason : "other";
      }
    };
    expect(reason("001M000000qfPy")).toBe("length");
    expect(reason("001M000000qf-yS")).toBe("characters");
    expect(reason("001M000000qfPy0IAV")).toBe("checksum");
    // A suffix claiming an upper-case digit cannot be a real checksum.
    expect(reason("0010000000000000B")).toBe("length");
    expect(reason("001000000000000BAA")).toBe("checksum");
    expect(isSalesforceId("001M000000qfPySIAU")).toBe(true);
    expect(isSalesforceId("")).toBe(false);
  });

  it("decodes through the schema", () => {
    expect(Schema.decodeUnknownSync(SalesforceIdSchema)("001M000000qfPySIAU")).toBe("001M000000qfPySIAU");
    expect(Schema.decodeUnknownSync(SalesforceIdSchema)("001m000000QFPYSiau")).toBe("001M000000qfPySIAU");
    expect(Schema.decodeUnknownSync(SalesforceIdSchema)("001M000000qfPyS")).toBe("001M000000qfPySIAU");
    expect(() => Schema.decodeUnknownSync(SalesforceIdSchema)("nope")).toThrow();
  });

  it("rule: any 15-character id round-trips through 18 characters, whatever the case of the 18", () => {
    const alnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".split(""));
    const id15 = fc.array(alnum, { minLength: 15, maxLength: 15 }).map((a) => a.join(""));
    fc.assert(
      fc.property(id15, fc.boolean(), (id, lower) => {
        const id18 = to18(id);
        const input = lower ? id18.toLowerCase() : id18.toUpperCase();
        return to15(input) === id && readSalesforceId(input) === id18;
      }),
      { numRuns: Number(process.env.TANDEM_PROP_RUNS ?? 200) },
    );
  });
});
