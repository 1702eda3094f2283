/**
 * Tunables shared by the pulls, with the defaults the port uses.
 */

/** Options of the scope and activity pulls. */
export interface PullOptions {
  /** Subtracted from each watermark (clock skew, same-second commits). Default 5 minutes. */
  readonly overlapMs: number;
  /** Budget for any request URL. Default 8,000 (Salesforce rejects > 16,384). */
  readonly maxUrlLength: number;
  /** Bundle independent reads into composite requests (one API call each). Default true. */
  readonly useComposite: boolean;
  /** getDeleted's window; older watermarks fall back to a full id reconcile. Default 15 days. */
  readonly deletedWindowMs: number;
  /** The clock (for getDeleted's `end`). */
  readonly now: () => Date;
  /**
   * A first sync of contacts above this many records reads them through a Bulk API 2.0 query
   * job instead of REST pages (README, "Large first syncs"). Default 10,000; `Infinity` turns
   * Bulk off.
   */
  readonly bulkThreshold: number;
  /** Records per Bulk results page, one page per pull (the rest continues next cycle). Default 50,000. */
  readonly bulkPageRecords: number;
  /** First wait between polls of a Bulk job's state (ms); it doubles up to 10 s. Default 500. */
  readonly bulkPollMs: number;
}

export const DEFAULT_PULL_OPTIONS: PullOptions = {
  overlapMs: 5 * 60_000,
  maxUrlLength: 8_000,
  useComposite: true,
  deletedWindowMs: 15 * 24 * 60 * 60_000,
  now: () => new Date(),
  bulkThreshold: 10_000,
  bulkPageRecords: 50_000,
  bulkPollMs: 500,
};
