import { describe, expect, it } from "vitest";
import { dateLiteralRange } from "./date-literals.js";

const NOW = Date.UTC(2026, 10, 26, 15, 30); // Thursday 26 Nov 2026, 15:30 UTC
const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

describe("date literal ranges (UTC, half-open)", () => {
  it.each([
    ["TODAY", day(2026, 11, 26), day(2026, 11, 27)],
    ["YESTERDAY", day(2026, 11, 25), day(2026, 11, 26)],
    ["TOMORROW", day(2026, 11, 27), day(2026, 11, 28)],
    ["THIS_WEEK", day(2026, 11, 22), day(2026, 11, 29)],
    ["LAST_MONTH", day(2026, 10, 1), day(2026, 11, 1)],
    ["THIS_QUARTER", day(2026, 10, 1), day(2027, 1, 1)],
    ["NEXT_YEAR", day(2027, 1, 1), day(2028, 1, 1)],
    ["LAST_N_DAYS:3", day(2026, 11, 23), day(2026, 11, 27)],
    ["NEXT_N_DAYS:2", day(2026, 11, 27), day(2026, 11, 29)],
    ["N_DAYS_AGO:5", day(2026, 11, 21), day(2026, 11, 22)],
    ["LAST_N_MONTHS:2", day(2026, 9, 1), day(2026, 11, 1)],
    ["NEXT_N_WEEKS:1", day(2026, 11, 29), day(2026, 12, 6)],
    ["last_90_days", day(2026, 8, 28), day(2026, 11, 27)],
  ])("%s", (literal, start, end) => {
    expect(dateLiteralRange(literal, NOW)).toEqual({ start, end });
  });

  it("answers undefined for text that is not a date literal", () => {
    expect(dateLiteralRange("SOMEDAY", NOW)).toBeUndefined();
    expect(dateLiteralRange("LAST_N_FORTNIGHTS:2", NOW)).toBeUndefined();
  });
});
