/**
 * How the views compare times (issue 20, "Time"): as instants and local days in the user's time
 * zone, never as strings. A datetime is its instant. A bare date `YYYY-MM-DD` (a Task whose time
 * of day is unknown, a to-do's due date) is a local day in the zone: it has happened once that
 * day has started, and for ordering it counts as the end of that day (a Task dated today, time
 * unknown, is later than an email from earlier today; a Task dated yesterday is earlier than an
 * email this morning).
 *
 * Invariants: pure (the clock is a parameter); an unreadable time never happens and sorts first.
 * A {@link Zone} memoises the bounds of the local days it was asked about (a book holds a few
 * thousand distinct dates at most), so judging a date costs a map lookup after the first time.
 */
import { isBareDate, localDayEndMs, localDayStartMs, validTimeZone } from "../model/time.js";

/** Time judged in one time zone. */
export interface Zone {
  /** The IANA name (`"UTC"` when unknown). */
  readonly timeZone: string;
  /** The instant `at` sorts by, in epoch ms: a datetime's instant, a bare date's last millisecond; `-Infinity` when unreadable. */
  orderMs(at: string): number;
  /** True when `at` has happened by `nowMs`: a datetime not after now, a bare date whose local day has started. */
  hasHappened(at: string, nowMs: number): boolean;
  /** True when a to-do due on `due` is overdue: its local day ended before `nowMs`. */
  isOverdue(due: string, nowMs: number): boolean;
  /** The instant the local day of bare date `date` starts (`NaN` when malformed). */
  dayStartMs(date: string): number;
  /** The instant the local day of bare date `date` ends (exclusive; `NaN` when malformed). */
  dayEndMs(date: string): number;
}

/**
 * Time judged in `timeZone` (an unknown zone is UTC).
 *
 * @example
 * ```ts
 * const la = createZone("America/Los_Angeles");
 * la.orderMs("2026-03-02") > la.orderMs("2026-03-02T20:00:00.000Z"); // true: the date is the end of its day
 * la.hasHappened("2026-03-03", Date.parse("2026-03-03T07:30:00Z")); // false: 23:30 on 2 March there
 * ```
 */
export function createZone(timeZone: string | null | undefined): Zone {
  const zone = validTimeZone(timeZone);
  const starts = new Map<string, number>();
  const ends = new Map<string, number>();
  const dayStartMs = (date: string): number => {
    let ms = starts.get(date);
    if (ms === undefined) {
      ms = localDayStartMs(date, zone);
      starts.set(date, ms);
    }
    return ms;
  };
  const dayEndMs = (date: string): number => {
    let ms = ends.get(date);
    if (ms === undefined) {
      ms = localDayEndMs(date, zone);
      ends.set(date, ms);
    }
    return ms;
  };
  return {
    timeZone: zone,
    dayStartMs,
    dayEndMs,
    orderMs(at) {
      const ms = isBareDate(at) ? dayEndMs(at) - 1 : Date.parse(at);
      return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
    },
    hasHappened(at, nowMs) {
      const ms = isBareDate(at) ? dayStartMs(at) : Date.parse(at);
      return !Number.isNaN(ms) && ms <= nowMs;
    },
    isOverdue(due, nowMs) {
      const end = dayEndMs(due.slice(0, 10));
      return !Number.isNaN(end) && end <= nowMs;
    },
  };
}
