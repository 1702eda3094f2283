/**
 * Query locators: a cursor over one execution's matching rows, paged by queryMore
 * (reference §2.1). A locator reads `<cursorId>-<offset>`; `nextRecordsUrl` is always
 * `/services/data/vXX.X/query/<locator>`, also for queryAll.
 *
 * Invariants: a cursor belongs to the user who ran the query; it lives two days of org time;
 * at most `maxCursors` stay open (the oldest is dropped); an unknown, expired, foreign or
 * out-of-range locator answers 400 INVALID_QUERY_LOCATOR.
 */
import { base62, to18 } from "../ids/salesforce-id.js";
import { SalesforceApiError } from "../schema/errors.js";
import type { QueryExecution, ShapedRecord } from "./query-execution.js";

const CURSOR_TTL_MS = 2 * 86_400_000;

/** The JSON body of a query page. */
export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: ShapedRecord[];
}

interface Cursor {
  readonly execution: QueryExecution;
  readonly userId: string;
  readonly expiresAt: number;
  readonly batchSize: number;
}

/** Open cursors of one server. */
export class QueryCursors {
  readonly #cursors = new Map<string, Cursor>();
  readonly #pod: string;
  readonly #maxCursors: number;
  #counter = 0;

  constructor(pod: string, maxCursors = 200) {
    this.#pod = pod;
    this.#maxCursors = maxCursors;
  }

  /** Number of open cursors. */
  get size(): number {
    return this.#cursors.size;
  }

  /** First page of a fresh execution; opens a cursor when more rows remain. */
  firstPage(execution: QueryExecution, userId: string, batchSize: number, nowMs: number, version: string): QueryPage {
    if (execution.rowCount <= batchSize) {
      return { totalSize: execution.totalSize, done: true, records: execution.page(0, batchSize) };
    }
    const id = to18(`0r8${this.#pod}0${base62(++this.#counter, 9)}`);
    this.#cursors.set(id, { execution, userId, expiresAt: nowMs + CURSOR_TTL_MS, batchSize });
    while (this.#cursors.size > this.#maxCursors) {
      const oldest = this.#cursors.keys().next().value;
      if (oldest === undefined) break;
      this.#cursors.delete(oldest);
    }
    return this.#page(id, execution, 0, batchSize, version);
  }

  /** The page a locator points at. */
  nextPage(locator: string, userId: string, batchSize: number | undefined, nowMs: number, version: string): QueryPage {
    const dash = locator.lastIndexOf("-");
    const id = dash > 0 ? locator.slice(0, dash) : "";
    const offset = dash > 0 ? Number(locator.slice(dash + 1)) : Number.NaN;
    const cursor = this.#cursors.get(id);
    if (
      !cursor ||
      cursor.userId !== userId ||
      !Number.isInteger(offset) ||
      offset < 0 ||
      offset > cursor.execution.rowCount
    ) {
      throw invalidLocator();
    }
    if (cursor.expiresAt <= nowMs) {
      this.#cursors.delete(id);
      throw invalidLocator();
    }
    return this.#page(id, cursor.execution, offset, batchSize ?? cursor.batchSize, version);
  }

  #page(id: string, execution: QueryExecution, offset: number, batchSize: number, version: string): QueryPage {
    const end = Math.min(offset + batchSize, execution.rowCount);
    const records = execution.page(offset, end);
    if (end >= execution.rowCount) {
      return { totalSize: execution.totalSize, done: true, records };
    }
    return {
      totalSize: execution.totalSize,
      done: false,
      nextRecordsUrl: `/services/data/v${version}/query/${id}-${end}`,
      records,
    };
  }
}

function invalidLocator(): SalesforceApiError {
  return new SalesforceApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
}

/**
 * Reads `Sforce-Query-Options: batchSize=N`: default 2000, at least 200, at most 2000
 * (reference §2.1).
 */
export function readBatchSize(header: string | undefined | null): number | undefined {
  if (!header) return undefined;
  const m = /batchSize\s*=\s*(\d+)/i.exec(header);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Math.min(2000, Math.max(200, n));
}
