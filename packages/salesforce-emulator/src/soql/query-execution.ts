/**
 * What executing one SOQL statement gives: its total size and the rows to page through, shaped
 * on demand. Query cursors (queryMore) and Bulk API 2.0 jobs page through it.
 */

/** A shaped output row. */
export type ShapedRecord = Record<string, unknown>;

/** The result of executing one SOQL statement. */
export interface QueryExecution {
  /** Total rows of the whole query. */
  readonly totalSize: number;
  /** Row count available for paging (0 for COUNT()). */
  readonly rowCount: number;
  /** Shapes rows `[from, to)`. */
  page(from: number, to: number): ShapedRecord[];
}
