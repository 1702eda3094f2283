import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkedStatements, encodedLength, select } from "./builder.js";
import { soqlString } from "./literal.js";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? 100);

describe("rule: IN (…) chunking keeps every URL under the budget and loses nothing", () => {
  it("holds for arbitrary string values and budgets", () => {
    const property = fc.property(
      fc.array(fc.string({ maxLength: 60 }), { maxLength: 300 }),
      fc.integer({ min: 1_000, max: 16_000 }),
      (values, budget) => {
        const base = 80;
        const statements = chunkedStatements(
          values,
          "CallObject",
          soqlString,
          (c) => select({ fields: ["Id"], from: "Task", where: [c] }),
          {
            baseUrlLength: base,
            maxUrlLength: budget,
          },
        );
        // Every value fits alone here, so every URL must be within budget.
        for (const soql of statements) expect(base + encodedLength(soql)).toBeLessThanOrEqual(budget);
        expect(statements.length === 0).toBe(values.length === 0);
        const inside = statements.map((s) => s.slice(s.indexOf("IN (") + 4, -1)).join(", ");
        expect(inside).toBe(values.map(soqlString).join(", "));
      },
    );
    // fast-check's failure report names the seed and path to replay.
    fc.assert(property, { numRuns });
  });
});
