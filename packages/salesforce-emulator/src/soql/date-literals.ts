/**
 * SOQL date literals (`TODAY`, `LAST_N_DAYS:n`, `THIS_MONTH`, …) as half-open UTC ranges
 * `[start, end)` in epoch ms. Weeks start on Sunday; the fiscal year is the calendar year.
 * (Salesforce evaluates them in the user's time zone; UTC is the emulator's simplification.)
 */
import { DAY_MS, startOfDay } from "../util/time.js";

type Unit = "day" | "week" | "month" | "quarter" | "year";

/** A half-open range in epoch ms. */
export interface MsRange {
  readonly start: number;
  readonly end: number;
}

function unitStart(unit: Unit, nowMs: number, offset: number): number {
  const today = startOfDay(nowMs);
  const d = new Date(today);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (unit) {
    case "day":
      return today + offset * DAY_MS;
    case "week":
      return today - d.getUTCDay() * DAY_MS + offset * 7 * DAY_MS;
    case "month":
      return Date.UTC(y, m + offset, 1);
    case "quarter":
      return Date.UTC(y, Math.floor(m / 3) * 3 + offset * 3, 1);
    case "year":
      return Date.UTC(y + offset, 0, 1);
  }
}

function span(unit: Unit, nowMs: number, from: number, to: number): MsRange {
  return { start: unitStart(unit, nowMs, from), end: unitStart(unit, nowMs, to) };
}

const FIXED: Readonly<Record<string, readonly [Unit, number, number]>> = {
  YESTERDAY: ["day", -1, 0],
  TODAY: ["day", 0, 1],
  TOMORROW: ["day", 1, 2],
  LAST_WEEK: ["week", -1, 0],
  THIS_WEEK: ["week", 0, 1],
  NEXT_WEEK: ["week", 1, 2],
  LAST_MONTH: ["month", -1, 0],
  THIS_MONTH: ["month", 0, 1],
  NEXT_MONTH: ["month", 1, 2],
  LAST_90_DAYS: ["day", -90, 1],
  NEXT_90_DAYS: ["day", 1, 91],
  LAST_QUARTER: ["quarter", -1, 0],
  THIS_QUARTER: ["quarter", 0, 1],
  NEXT_QUARTER: ["quarter", 1, 2],
  LAST_YEAR: ["year", -1, 0],
  THIS_YEAR: ["year", 0, 1],
  NEXT_YEAR: ["year", 1, 2],
  LAST_FISCAL_QUARTER: ["quarter", -1, 0],
  THIS_FISCAL_QUARTER: ["quarter", 0, 1],
  NEXT_FISCAL_QUARTER: ["quarter", 1, 2],
  LAST_FISCAL_YEAR: ["year", -1, 0],
  THIS_FISCAL_YEAR: ["year", 0, 1],
  NEXT_FISCAL_YEAR: ["year", 1, 2],
};

const N_UNITS: Readonly<Record<string, Unit>> = {
  DAYS: "day",
  WEEKS: "week",
  MONTHS: "month",
  QUARTERS: "quarter",
  FISCAL_QUARTERS: "quarter",
  YEARS: "year",
  FISCAL_YEARS: "year",
};

/**
 * The range of a date literal such as `THIS_MONTH` or `LAST_N_DAYS:30`, or `undefined` when the
 * text is not one.
 */
export function dateLiteralRange(literal: string, nowMs: number): MsRange | undefined {
  const upper = literal.toUpperCase();
  const fixed = FIXED[upper];
  if (fixed) return span(fixed[0], nowMs, fixed[1], fixed[2]);
  const m = /^(LAST_N|NEXT_N|N)_([A-Z_]+?)(_AGO)?:(\d+)$/.exec(upper);
  if (!m) return undefined;
  const [, kind, unitName, ago, nText] = m;
  const unit = N_UNITS[unitName ?? ""];
  const n = Number(nText);
  if (!unit || !Number.isFinite(n)) return undefined;
  if (kind === "N" && ago) return span(unit, nowMs, -n, -n + 1);
  if (kind === "LAST_N" && !ago) return unit === "day" ? span(unit, nowMs, -n, 1) : span(unit, nowMs, -n, 0);
  if (kind === "NEXT_N" && !ago) return unit === "day" ? span(unit, nowMs, 1, n + 1) : span(unit, nowMs, 1, n + 1);
  return undefined;
}
