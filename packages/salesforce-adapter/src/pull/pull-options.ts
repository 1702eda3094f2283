/**
 * Tunables shared by the pulls, with the defaults the port uses, and what a port learns about
 * its org along the way ({@link OrgFeatures}).
 *
 * Invariant: the defaults hold no state; an `OrgFeatures` belongs to one port (one client).
 */

/**
 * What a port has learned about its org and keeps for its life.
 *
 * @remarks `noSharedActivities` becomes true the first time the org answers a TaskRelation /
 * EventRelation read as an org without Shared Activities; later activity pulls then read by
 * `WhoId` alone without trying the relations first. It never turns back: an org cannot switch
 * Shared Activities off, and one that switches it on is found out by a new port (after a
 * restart).
 * @example
 * ```ts
 * const options: PullOptions = { ...DEFAULT_PULL_OPTIONS, orgFeatures: { noSharedActivities: false } };
 * ```
 */
export interface OrgFeatures {
  noSharedActivities: boolean;
}

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
  /** Where the port remembers what it learned of the org; absent: each pull finds out afresh. */
  readonly orgFeatures?: OrgFeatures | undefined;
}

/** The defaults (no {@link OrgFeatures}: a port adds its own). */
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
