import { describe, expect, it } from "vitest";
import { soqlDate, soqlDateTime, soqlString } from "./literal.js";

describe("SOQL literals", () => {
  it("escapes quotes, backslashes and control characters", () => {
    expect(soqlString("O'Brien")).toBe("'O\\'Brien'");
    expect(soqlString("back\\slash")).toBe("'back\\\\slash'");
    // A trailing backslash must not escape the closing quote.
    expect(soqlString("x\\")).toBe("'x\\\\'");
    expect(soqlString('say "hi"\n')).toBe("'say \\\"hi\\\"\\n'");
  });

  it("formats dates and datetimes as unquoted UTC literals", () => {
    const d = new Date(Date.UTC(2024, 4, 1, 10, 30, 5, 123));
    expect(soqlDateTime(d)).toBe("2024-05-01T10:30:05Z");
    expect(soqlDate(d)).toBe("2024-05-01");
    expect(() => soqlDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});
