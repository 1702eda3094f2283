/**
 * Property tests of the Bulk CSV reader: whatever rows Salesforce writes (any text, quotes,
 * commas, line breaks; nulls; typed values), parsing the CSV gives them back in the REST shape.
 * Seeds are printed by fast-check on failure; `TANDEM_PROP_RUNS` runs more.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BulkColumnType, parseBulkCsv, readCsvRecords } from "./bulk-csv.js";

const numRuns = Number(process.env.TANDEM_PROP_RUNS ?? 100);

/** One field as a CSV writer may write it: always quoted (as Salesforce does), or only when needed. */
function field(value: string, alwaysQuote: boolean): string {
  const needs = /[",\r\n]/.test(value) || value === "";
  return alwaysQuote || needs ? `"${value.replace(/"/g, '""')}"` : value;
}

function csv(rows: ReadonlyArray<ReadonlyArray<string>>, alwaysQuote: boolean, eol: string, lastEol: boolean) {
  return rows.map((r) => r.map((v) => field(v, alwaysQuote)).join(",")).join(eol) + (lastEol ? eol : "");
}

const text = fc.string({ unit: fc.constantFrom("a", "Z", " ", ",", '"', "\n", "\r", "é", "😀", "0"), maxLength: 12 });

describe("rule: any CSV records written per RFC 4180 read back unchanged", () => {
  it("holds for any field texts, quoting style and line ending", () => {
    const property = fc.property(
      fc
        .integer({ min: 1, max: 5 })
        .chain((width) =>
          fc.array(fc.array(text, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }),
        ),
      fc.boolean(),
      fc.constantFrom("\n", "\r\n"),
      fc.boolean(),
      (rows, alwaysQuote, eol, lastEol) => {
        expect(readCsvRecords(csv(rows, alwaysQuote, eol, lastEol))).toEqual(rows);
      },
    );
    fc.assert(property, { numRuns });
  });
});

/** A typed value, its CSV text as Salesforce writes it, and the REST value it must read as. */
const typed: Record<BulkColumnType, fc.Arbitrary<readonly [string, unknown]>> = {
  string: text.filter((t) => t !== "").map((t) => [t, t] as const),
  boolean: fc.boolean().map((b) => [String(b), b] as const),
  // -0 has no text of its own (String(-0) is "0") and JSON has none either: REST sends 0.
  number: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => [String(n), n === 0 ? 0 : n] as const),
  date: fc
    .date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2999-12-31T00:00:00Z"), noInvalidDate: true })
    .map((d) => [d.toISOString().slice(0, 10), d.toISOString().slice(0, 10)] as const),
  datetime: fc
    .tuple(
      fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2999-12-31T00:00:00Z"), noInvalidDate: true }),
      fc.boolean(),
    )
    .map(([d, zulu]) => {
      const rest = `${d.toISOString().slice(0, 23)}+0000`;
      return [zulu ? d.toISOString() : rest, rest] as const;
    }),
};

const TYPES = Object.keys(typed) as BulkColumnType[];

describe("rule: typed columns read back as the REST values Salesforce wrote", () => {
  it("holds for any column types and values, nulls included", () => {
    const property = fc.property(
      fc
        .array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 6 })
        .chain((types) =>
          fc.tuple(
            fc.constant(types),
            fc.array(fc.tuple(...types.map((t) => fc.option(typed[t], { nil: null }))), { maxLength: 6 }),
          ),
        ),
      ([types, rows]) => {
        const names = types.map((_, i) => `F${i}`);
        const lines = [names, ...rows.map((row) => row.map((cell) => (cell === null ? "" : cell[0])))];
        const parsed = parseBulkCsv(
          csv(lines, true, "\n", true),
          Object.fromEntries(names.map((n, i) => [n, types[i] ?? "string"])),
        );
        const expected = rows.map((row) =>
          Object.fromEntries(row.map((cell, i) => [names[i], cell === null ? null : cell[1]])),
        );
        expect(parsed).toEqual(expected);
      },
    );
    fc.assert(property, { numRuns });
  });
});
