/**
 * The pipeline: the open opportunities of the book in a sortable table (cards on phones), a
 * stage filter and a search box, all over the local document so they work offline; the
 * recommendation cards above it, following the same filter and search.
 *
 * On a phone (`styles.css`, max-width 760px) the table's header row is hidden, so a "Sort by"
 * select (hidden on wider screens) sorts instead, and each card is one tap target: its
 * opportunity link covers the whole card.
 *
 * A large book's rows are added in steps: a query of more than {@link ROWS_AT_ONCE} rows
 * shows the first {@link FIRST_ROWS} (more than a screen shows) with the screen, then
 * {@link MORE_ROWS} more per task until every row is there (the table is `aria-busy` until
 * then). Laying out thousands of table rows at once
 * blocks the page for a second or more; in steps, it answers input in between. A new query
 * (search, stage, sort) starts again from the first rows; a change of the book does not.
 */
import type { BookSnapshot } from "@tandem/engine";
import { startTransition, useDeferredValue, useEffect, useMemo, useState } from "react";
import {
  DEFAULT_QUERY,
  type PipelineQuery,
  queryPipeline,
  type SortColumn,
  type SortOrder,
  stagesOf,
  toggleSort,
  totalAmount,
} from "../pipeline/pipeline-query.js";
import { PipelineTableRow } from "../pipeline/pipeline-row.js";
import { SnapshotCards } from "../snapshot/snapshot-pipeline.js";
import type { ViewSnapshot } from "../snapshot/view-snapshot.js";
import { formatAmount } from "../text/format.js";
import { pipelineRows } from "../view-model/view-model.js";
import { useSnapshot } from "./book-context.js";
import { RecommendationList } from "./recommendation-list.js";
import { routeHref } from "./use-hash-route.js";

/** The User Timing mark set when the pipeline first shows rows. */
export const FIRST_PAINT_MARK = "tandem:first-pipeline-paint";

/** The User Timing mark set when every row of the pipeline's first query is on screen. */
export const ALL_ROWS_MARK = "tandem:pipeline-all-rows";
/** A query of at most this many rows is rendered at once (a medium book's all are). */
export const ROWS_AT_ONCE = 600;
/** Rows rendered with the screen when a query has more than {@link ROWS_AT_ONCE}. */
export const FIRST_ROWS = 150;
/** Rows added per step after that. */
export const MORE_ROWS = 300;

/**
 * How many of `total` rows to render: all of them up to {@link ROWS_AT_ONCE}, else
 * {@link FIRST_ROWS} first and {@link MORE_ROWS} more per task, starting again from the first
 * when `query` changes.
 */
function useRowsInSteps(total: number, query: PipelineQuery): number {
  const [steps, setSteps] = useState({ query, count: FIRST_ROWS });
  let count = steps.count;
  if (steps.query !== query) {
    // Adjusting state while rendering (React re-renders at once, before committing).
    count = FIRST_ROWS;
    setSteps({ query, count });
  }
  const all = total <= ROWS_AT_ONCE || count >= total;
  useEffect(() => {
    if (all) return;
    // After this step has been committed (and painted), in a later task.
    const timer = setTimeout(() => {
      const next = { query, count: count + MORE_ROWS };
      startTransition(() => setSteps((s) => (s.query === query && s.count === count ? next : s)));
    }, 0);
    return () => clearTimeout(timer);
  }, [all, count, query]);
  return all ? total : count;
}

/** The table's columns; `ways` words the two directions for the phone's sort select. */
const COLUMNS: ReadonlyArray<{
  column: SortColumn;
  label: string;
  numeric?: boolean;
  ways: readonly [string, string];
}> = [
  { column: "name", label: "Opportunity", ways: ["A–Z", "Z–A"] },
  { column: "accountName", label: "Account", ways: ["A–Z", "Z–A"] },
  { column: "amount", label: "Amount", numeric: true, ways: ["lowest", "highest"] },
  { column: "stage", label: "Stage", ways: ["earliest", "furthest"] },
  { column: "closeDate", label: "Close date", ways: ["soonest", "latest"] },
  { column: "probability", label: "Probability", numeric: true, ways: ["lowest", "highest"] },
  { column: "forecastCategory", label: "Forecast", ways: ["A–Z", "Z–A"] },
];

/** The sort select's value of an order, e.g. `closeDate:asc`. */
const sortValue = (sort: SortOrder): string => `${sort.column}:${sort.direction}`;

/** The order of a sort select's value; an unknown one keeps `current`. */
function parseSortValue(value: string, current: SortOrder): SortOrder {
  const [column, direction] = value.split(":");
  const known = COLUMNS.find((c) => c.column === column);
  if (known === undefined || (direction !== "asc" && direction !== "desc")) return current;
  return { column: known.column, direction };
}

/** The phone's "Sort by" select: every column, each way. */
function SortSelect({ sort, onChange }: { sort: SortOrder; onChange: (sort: SortOrder) => void }) {
  return (
    <div className="field sort-field">
      <label htmlFor="pipeline-sort">Sort by</label>
      <select
        id="pipeline-sort"
        value={sortValue(sort)}
        onChange={(e) => onChange(parseSortValue(e.target.value, sort))}
      >
        {COLUMNS.flatMap(({ column, label, ways }) =>
          (["asc", "desc"] as const).map((direction) => (
            <option key={`${column}:${direction}`} value={`${column}:${direction}`}>
              {label}: {direction === "asc" ? ways[0] : ways[1]}
            </option>
          )),
        )}
      </select>
    </div>
  );
}

/** Props of {@link PipelineView}. */
export interface PipelineViewProps {
  /**
   * The view snapshot painted before the book was read: its cards are the first frame's,
   * while the book's own cards are computed in a deferred render (on a large book, judging
   * every opportunity takes a tenth of a second that the doc's view need not wait for).
   */
  readonly painted?: ViewSnapshot | null | undefined;
}

/** The pipeline screen. */
export function PipelineView({ painted: paintedProp = null }: PipelineViewProps) {
  const snapshot = useSnapshot();
  // Kept from the mount: the cards must not vanish should the prop go before the deferred render is done.
  const [painted] = useState(paintedProp);
  const [query, setQuery] = useState<PipelineQuery>(DEFAULT_QUERY);
  const rows = useMemo(() => pipelineRows(snapshot), [snapshot]);
  const stages = useMemo(() => stagesOf(rows), [rows]);
  const shown = useMemo(() => queryPipeline(rows, query), [rows, query]);
  // Mounted over a painted snapshot, the first render shows its cards (`null` here).
  const deferredSnapshot = useDeferredValue<BookSnapshot | null>(snapshot, painted === null ? undefined : null);
  // The cards follow the table's stage filter and search (issue 25).
  const deferredShown = useDeferredValue(shown);
  const rendered = useRowsInSteps(shown.length, query);
  const inSteps = rendered < shown.length;
  const hasRows = rows.length > 0;
  useEffect(() => {
    // A User Timing mark the cold-start benchmark reads: the first frame with pipeline rows.
    if (hasRows && performance.getEntriesByName(FIRST_PAINT_MARK).length === 0) {
      requestAnimationFrame(() => performance.mark(FIRST_PAINT_MARK));
    }
  }, [hasRows]);
  useEffect(() => {
    // And the first frame with every row of the first query.
    if (hasRows && !inSteps && performance.getEntriesByName(ALL_ROWS_MARK).length === 0) {
      requestAnimationFrame(() => performance.mark(ALL_ROWS_MARK));
    }
  }, [hasRows, inSteps]);

  return (
    <main className="page" aria-labelledby="pipeline-title" data-route="#/">
      <div className="page-head">
        <div>
          <h1 id="pipeline-title" tabIndex={-1}>
            Pipeline
          </h1>
          <p className="muted" data-testid="pipeline-summary">
            {shown.length} of {rows.length} open opportunities ·{" "}
            {formatAmount(totalAmount(shown.filter((row) => !row.closing)))}
          </p>
        </div>
        <div className="toolbar">
          <div className="field">
            <label htmlFor="pipeline-search">Search</label>
            <input
              id="pipeline-search"
              type="search"
              placeholder="Name, account or stage"
              value={query.search}
              onChange={(e) => setQuery({ ...query, search: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="pipeline-stage">Stage</label>
            <select
              id="pipeline-stage"
              value={query.stage}
              onChange={(e) => setQuery({ ...query, stage: e.target.value })}
            >
              <option value="">All stages</option>
              {stages.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <SortSelect sort={query.sort} onChange={(sort) => setQuery({ ...query, sort })} />
        </div>
      </div>

      {deferredSnapshot !== null ? (
        <RecommendationList snapshot={deferredSnapshot} visible={deferredShown} />
      ) : (
        painted !== null && <SnapshotCards snapshot={painted} />
      )}

      {rows.length === 0 ? (
        <div className="empty" data-testid="pipeline-empty">
          <h2>No open opportunities yet</h2>
          <p className="muted">They appear here as soon as your book arrives from Salesforce.</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="pipeline" data-testid="pipeline-table" aria-busy={inSteps ? "true" : undefined}>
            <caption className="visually-hidden">Open opportunities, sortable by column</caption>
            <thead>
              <tr>
                {COLUMNS.map(({ column, label, numeric }) => {
                  const active = query.sort.column === column;
                  const sortState = active ? (query.sort.direction === "asc" ? "ascending" : "descending") : "none";
                  return (
                    <th key={column} scope="col" aria-sort={sortState} className={numeric === true ? "num" : undefined}>
                      <button
                        type="button"
                        className="sort"
                        onClick={() => setQuery({ ...query, sort: toggleSort(query.sort, column) })}
                      >
                        {label}
                        <span className="sort-icon" aria-hidden="true">
                          {active ? (query.sort.direction === "asc" ? "▲" : "▼") : "↕"}
                        </span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {(inSteps ? shown.slice(0, rendered) : shown).map((row) => (
                <PipelineTableRow key={row.id} row={row} href={routeHref({ screen: "opportunity", id: row.id })} />
              ))}
            </tbody>
          </table>
          {shown.length === 0 && (
            <p className="muted empty-inline" role="status">
              No opportunity matches this search.
            </p>
          )}
        </div>
      )}
    </main>
  );
}
