/**
 * `parseBulkCsv` on the CSV Salesforce sends: quoting, nulls, typed columns, relationship
 * nesting, and the malformed inputs that must fail rather than lose or invent rows.
 */
import { describe, expect, it } from "vitest";
import { BulkCsvError, parseBulkCsv, readCsvRecords } from "./bulk-csv.js";

describe("readCsvRecords (RFC 4180)", () => {
  it("reads quoted commas, doubled quotes and line breaks inside fields, LF or CRLF", () => {
    const text = '"Id","Title"\n"1","VP, Sales ""EMEA""\nand APAC"\r\n2,plain\n';
    expect(readCsvRecords(text)).toEqual([
      ["Id", "Title"],
      ["1", 'VP, Sales "EMEA"\nand APAC'],
      ["2", "plain"],
    ]);
  });

  it("keeps a last record without a line end and an empty trailing field", () => {
    expect(readCsvRecords('"a","b"\n"x",')).toEqual([
      ["a", "b"],
      ["x", ""],
    ]);
  });

  it.each([
    ['"Id"\n"unterminated', "unterminated"],
    ['"Id"\n"a"b', "unexpected character"],
    ['Id\nab"c', "quote inside"],
    ['"Id"\n"a"\r"b"', "unexpected character"],
  ])("refuses %j", (text, message) => {
    expect(() => readCsvRecords(text)).toThrow(message);
  });
});

describe("parseBulkCsv: REST-shaped rows", () => {
  it("reads empty values as null and typed columns as REST does", () => {
    const text =
      '"Id","Amount","IsClosed","CloseDate","SystemModstamp","Description"\n' +
      '"006A","75000.0","false","2026-11-26","2026-11-26T10:00:00.000Z",""\n' +
      '"006B","","true","","2026-11-26T10:00:00.000+0000","a, b"\n';
    const rows = parseBulkCsv(text, {
      Amount: "number",
      IsClosed: "boolean",
      CloseDate: "date",
      SystemModstamp: "datetime",
    });
    expect(rows).toEqual([
      {
        Id: "006A",
        Amount: 75000,
        IsClosed: false,
        CloseDate: "2026-11-26",
        SystemModstamp: "2026-11-26T10:00:00.000+0000",
        Description: null,
      },
      {
        Id: "006B",
        Amount: null,
        IsClosed: true,
        CloseDate: null,
        SystemModstamp: "2026-11-26T10:00:00.000+0000",
        Description: "a, b",
      },
    ]);
  });

  it("nests dotted columns, and a relationship whose columns are all empty is null", () => {
    const text =
      '"Id","Account.Name","Account.Owner.Name","Account.Owner.IsActive"\n' +
      '"003A","Acme","Ada","true"\n' +
      '"003B","Solo","",""\n' +
      '"003C","","",""\n';
    const rows = parseBulkCsv(text, { "Account.Owner.IsActive": "boolean" });
    expect(rows).toEqual([
      { Id: "003A", Account: { Name: "Acme", Owner: { Name: "Ada", IsActive: true } } },
      { Id: "003B", Account: { Name: "Solo", Owner: null } },
      { Id: "003C", Account: null },
    ]);
  });

  it("matches column types case-insensitively and reads untyped columns as text", () => {
    expect(parseBulkCsv('"ISCLOSED","Other"\n"TRUE","12"\n', { IsClosed: "boolean" })).toEqual([
      { ISCLOSED: true, Other: "12" },
    ]);
  });

  it("reads an empty body or a header alone as no rows", () => {
    expect(parseBulkCsv("", {})).toEqual([]);
    expect(parseBulkCsv('"Id","Name"\n', {})).toEqual([]);
  });

  it.each([
    ['"Id","Amount"\n"1","lots"\n', { Amount: "number" } as const, "not a number"],
    ['"Id","IsClosed"\n"1","yes"\n', { IsClosed: "boolean" } as const, "not a boolean"],
    ['"Id","CloseDate"\n"1","26/11/2026"\n', { CloseDate: "date" } as const, "not a date"],
    ['"Id","At"\n"1","yesterday"\n', { At: "datetime" } as const, "not a datetime"],
    ['"Id","Name"\n"1"\n', {}, "has 1 fields, the header 2"],
    ['"Id","Id"\n"1","1"\n', {}, "appears twice"],
    ['"Account","Account.Name"\n"1","x"\n', {}, "also a column"],
    ['"Id","Account."\n"1","x"\n', {}, "not a field path"],
  ])("refuses %j", (text, columns, message) => {
    expect(() => parseBulkCsv(text, columns)).toThrow(BulkCsvError);
    expect(() => parseBulkCsv(text, columns)).toThrow(message);
  });
});
