/**
 * API call accounting the way the org counts it (reference §5.1): a rolling 24-hour window of
 * org time against the daily limit, plus totals per route since start (or the last reset) for
 * the control API's stats. OAuth and control calls are never recorded here.
 */
import type { Clock } from "../util/time.js";

const WINDOW_MS = 86_400_000;

/** Stats as the control API shows them. */
export interface ApiCallStats {
  readonly apiCalls: { readonly total: number; readonly byRoute: Readonly<Record<string, number>> };
  readonly apiUsage: { readonly used: number; readonly max: number };
}

/** Counts API calls. */
export class ApiUsage {
  readonly #clock: Clock;
  #max: number;
  #baseline = 0;
  #stamps: number[] = [];
  #head = 0;
  #total = 0;
  #byRoute = new Map<string, number>();

  constructor(clock: Clock, max: number) {
    this.#clock = clock;
    this.#max = max;
  }

  /** Records one call of `route`. */
  record(route: string): void {
    this.#stamps.push(this.#clock.nowMs());
    this.#total++;
    this.#byRoute.set(route, (this.#byRoute.get(route) ?? 0) + 1);
  }

  /** Calls in the last 24 hours of org time (plus a configured baseline). */
  used(): number {
    const cutoff = this.#clock.nowMs() - WINDOW_MS;
    while (this.#head < this.#stamps.length && (this.#stamps[this.#head] ?? 0) <= cutoff) this.#head++;
    if (this.#head > 4096 && this.#head * 2 > this.#stamps.length) {
      this.#stamps = this.#stamps.slice(this.#head);
      this.#head = 0;
    }
    return this.#baseline + this.#stamps.length - this.#head;
  }

  /** The daily limit. */
  max(): number {
    return this.#max;
  }

  /** Sets the daily limit and, optionally, the usage already consumed in the window. */
  setLimit(max: number, used?: number): void {
    if (!Number.isInteger(max) || max < 0) throw new RangeError("max must be a non-negative integer");
    this.#max = max;
    if (used !== undefined) {
      if (!Number.isInteger(used) || used < 0) throw new RangeError("used must be a non-negative integer");
      this.#stamps = [];
      this.#head = 0;
      this.#baseline = used;
    }
  }

  /** Stats since start or the last reset. */
  stats(): ApiCallStats {
    return {
      apiCalls: { total: this.#total, byRoute: Object.fromEntries(this.#byRoute) },
      apiUsage: { used: this.used(), max: this.#max },
    };
  }

  /** Resets the per-route totals (not the daily window). */
  resetStats(): void {
    this.#total = 0;
    this.#byRoute = new Map();
  }
}
