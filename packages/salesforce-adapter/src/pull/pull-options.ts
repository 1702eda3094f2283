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
}

export const DEFAULT_PULL_OPTIONS: PullOptions = {
  overlapMs: 5 * 60_000,
  maxUrlLength: 8_000,
  useComposite: true,
  deletedWindowMs: 15 * 24 * 60 * 60_000,
  now: () => new Date(),
};
