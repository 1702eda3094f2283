/**
 * API usage of one port: the org's usage as Salesforce reports it in `Sforce-Limit-Info`
 * (`api-usage=used/max`) and the number of calls this port made.
 *
 * Invariant: `callsMade` only grows; `used`/`max` are the latest values Salesforce sent
 * (0/0 until the first response carries the header).
 */
import type { ApiUsage } from "@tandem/engine";

/** Counts calls and keeps the latest org usage. */
export interface UsageTracker {
  /** Records one API call (an HTTP request to the data API). */
  readonly recordCall: () => void;
  /** Reads a `Sforce-Limit-Info` header value; ignores values without `api-usage`. */
  readonly recordLimitInfo: (header: string | undefined) => void;
  /** The current figures. */
  readonly snapshot: () => ApiUsage;
}

const API_USAGE = /(?:^|[;,\s])api-usage=(\d+)\/(\d+)/;

/**
 * Parses `Sforce-Limit-Info` (`api-usage=18/15000; per-app-api-usage=…`).
 *
 * @example
 * ```ts
 * parseLimitInfo("api-usage=18/15000"); // { used: 18, max: 15000 }
 * ```
 */
export function parseLimitInfo(header: string | undefined): { readonly used: number; readonly max: number } | null {
  if (header === undefined) return null;
  const match = API_USAGE.exec(header);
  if (match === null) return null;
  return { used: Number(match[1]), max: Number(match[2]) };
}

/**
 * Creates a usage tracker.
 *
 * @example
 * ```ts
 * const usage = createUsageTracker();
 * usage.recordCall();
 * usage.recordLimitInfo("api-usage=5/15000");
 * usage.snapshot(); // { used: 5, max: 15000, callsMade: 1 }
 * ```
 */
export function createUsageTracker(): UsageTracker {
  let callsMade = 0;
  let used = 0;
  let max = 0;
  return {
    recordCall: () => {
      callsMade += 1;
    },
    recordLimitInfo: (header) => {
      const parsed = parseLimitInfo(header);
      if (parsed === null) return;
      used = parsed.used;
      max = parsed.max;
    },
    snapshot: () => ({ used, max, callsMade }),
  };
}
