import { describe, expect, it } from "vitest";
import { chunkByUrlLength, chunkedStatements, encodedLength, InvalidSoqlIdError, select, soqlId } from "./builder.js";
import { soqlString } from "./literal.js";

const ID = "0066s000002YyiJAAS";

describe("SOQL builder", () => {
  it("quotes well-formed ids and rejects anything else", () => {
    expect(soqlId(ID)).toBe(`'${ID}'`);
    expect(soqlId("0066s000002YyiJ")).toBe("'0066s000002YyiJ'");
    expect(() => soqlId("x' OR Name != '")).toThrow(InvalidSoqlIdError);
    expect(() => soqlId("0066s000002YyiJAA")).toThrow(InvalidSoqlIdError);
  });

  it("renders SELECT with parenthesised AND-ed conditions, ORDER BY and LIMIT", () => {
    expect(select({ fields: ["Id", "Name"], from: "Account" })).toBe("SELECT Id, Name FROM Account");
    expect(
      select({
        fields: ["Id"],
        from: "Task",
        where: ["A = 1", "B = 2 OR C = 3"],
        orderBy: "CreatedDate ASC",
        limit: 5,
      }),
    ).toBe("SELECT Id FROM Task WHERE (A = 1) AND (B = 2 OR C = 3) ORDER BY CreatedDate ASC LIMIT 5");
  });

  it("splits IN lists so every URL stays under the budget and keeps every value once, in order", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `003000000000${String(i).padStart(3, "0")}`);
    const base = "https://example.my.salesforce.com/services/data/v60.0/query?q=".length;
    const statements = chunkedStatements(
      ids,
      "Id",
      soqlId,
      (c) => select({ fields: ["Id"], from: "Contact", where: [c] }),
      {
        baseUrlLength: base,
        maxUrlLength: 4000,
      },
    );
    expect(statements.length).toBeGreaterThan(1);
    for (const soql of statements) expect(base + encodedLength(soql)).toBeLessThanOrEqual(4000);
    const back = statements.flatMap((soql) => [...soql.matchAll(/'([0-9A-Za-z]+)'/g)].map((m) => m[1]));
    expect(back).toEqual(ids);
  });

  it("counts escaped and multi-byte characters at their encoded length", () => {
    const values = ["ümlaut's", "plain", "emoji 🎉"];
    const chunks = chunkByUrlLength(values, soqlString, { fixedLength: 0, maxUrlLength: 40 });
    for (const chunk of chunks) {
      const length = chunk.reduce(
        (sum, v, i) => sum + encodedLength(soqlString(v)) + (i > 0 ? encodedLength(", ") : 0),
        0,
      );
      expect(chunk.length === 1 || length <= 40).toBe(true);
    }
    expect(chunks.flat()).toEqual(values);
  });

  it("gives no statement for an empty list", () => {
    expect(chunkedStatements([], "Id", soqlId, (c) => c, { baseUrlLength: 0 })).toEqual([]);
  });
});
