/**
 * Time for the emulated org: a clock that tests can advance, and the wire formats of dates and
 * datetimes (reference §2.3: datetimes always UTC, `+0000`, milliseconds).
 */

/** The org's clock: real time plus an offset that only grows. */
export class Clock {
  #offsetMs: number;
  readonly #base: (() => number) | undefined;

  constructor(offsetMs = 0, base?: () => number) {
    this.#offsetMs = offsetMs;
    this.#base = base;
  }

  /** Milliseconds since the epoch, as the org sees them. */
  nowMs(): number {
    return (this.#base ? this.#base() : Date.now()) + this.#offsetMs;
  }

  /** Moves the org's time forward. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("advanceMs must be a non-negative number");
    this.#offsetMs += ms;
  }

  /** The current offset, for persistence. */
  get offsetMs(): number {
    return this.#offsetMs;
  }
}

/** `2026-11-26T10:00:00.000+0000`. */
export function formatDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+0000`;
}

/** `2026-11-26` (UTC). */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses `yyyy-MM-dd` into epoch ms at UTC midnight, or `undefined`. */
export function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return formatDate(ms) === text ? ms : undefined;
}

/** Parses an ISO 8601 datetime (`Z`, `±HH:mm` or `±HHmm`; none = UTC) into epoch ms, or `undefined`. */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(ms)) return undefined;
  if (frac) ms += Math.floor(Number(`0.${frac}`) * 1000);
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
    ms -= sign * offset;
  }
  return ms;
}

/** Midnight UTC of the day holding `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/** Adds whole days. */
export const DAY_MS = 86_400_000;
