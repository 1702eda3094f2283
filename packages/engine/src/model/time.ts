/**
 * Dates in the user's time zone. Salesforce stores a Task's `ActivityDate` as a bare date that
 * the user reads in their own zone (`User.TimeZoneSidKey`), and datetimes as UTC instants; the
 * book compares the two as instants and local days, never as strings.
 *
 * Invariants: pure (only `Intl`, no clock); an unknown or absent zone is UTC; a bare date
 * `YYYY-MM-DD` is a local day, from its local midnight to the next.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * `timeZone` when the runtime knows it, else `"UTC"` (a damaged or unknown `TimeZoneSidKey`).
 *
 * @example
 * ```ts
 * validTimeZone("America/Los_Angeles"); // "America/Los_Angeles"
 * validTimeZone("Mars/Olympus"); // "UTC"
 * ```
 */
export function validTimeZone(timeZone: string | null | undefined): string {
  if (typeof timeZone !== "string" || timeZone === "") return "UTC";
  try {
    formatter(timeZone);
    return timeZone;
  } catch {
    return "UTC";
  }
}

/** The wall-clock parts of instant `ms` in `timeZone`. */
function wallParts(ms: number, timeZone: string): { date: string; offsetMs: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return { date, offsetMs: wall - Math.floor(ms / 1000) * 1000 };
}

/**
 * The user's local date (`YYYY-MM-DD`) of an ISO instant.
 *
 * @example
 * ```ts
 * localDate("2026-03-03T07:30:00.000Z", "America/Los_Angeles"); // "2026-03-02" (23:30 local)
 * ```
 */
export function localDate(iso: string, timeZone: string | null | undefined): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso.slice(0, 10);
  return wallParts(ms, validTimeZone(timeZone)).date;
}

/**
 * The instant a local day starts (its local midnight) in `timeZone`, in epoch ms; `NaN` for a
 * malformed date.
 *
 * @example
 * ```ts
 * new Date(localDayStartMs("2026-03-02", "America/Los_Angeles")).toISOString(); // "2026-03-02T08:00:00.000Z"
 * ```
 */
export function localDayStartMs(date: string, timeZone: string | null | undefined): number {
  const utcMidnight = Date.parse(`${date.slice(0, 10)}T00:00:00.000Z`);
  if (Number.isNaN(utcMidnight)) return Number.NaN;
  const zone = validTimeZone(timeZone);
  // Two passes settle the offset across a daylight-saving change.
  let guess = utcMidnight - wallParts(utcMidnight, zone).offsetMs;
  guess = utcMidnight - wallParts(guess, zone).offsetMs;
  return guess;
}

/** The instant the local day after `date` starts, in epoch ms (its end, exclusive). */
export function localDayEndMs(date: string, timeZone: string | null | undefined): number {
  const next = new Date(Date.parse(`${date.slice(0, 10)}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);
  return localDayStartMs(next, timeZone);
}

/** True for a bare date `YYYY-MM-DD` (no time of day). */
export const isBareDate = (at: string): boolean => at.length === 10;
