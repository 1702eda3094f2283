/**
 * The pipeline painted from a view snapshot, before the doc and the engine have loaded: the
 * same markup, classes and test ids as `ui/pipeline-view.tsx` (the table in its default order,
 * the most urgent recommendation cards), marked `data-from-snapshot` and with a notice saying
 * the book is still loading.
 *
 * Invariants: imports no engine and no Yjs (it is in the entry chunk); everything that needs
 * the doc waits for it — the search, the stage filter, the sort buttons and the cards' fixes
 * are disabled (the live screen that replaces this one would drop their state anyway); links
 * to opportunities work (the route waits for the doc). Sets the first-paint User Timing mark.
 * It shows the first {@link SNAPSHOT_ROWS} rows (more than any screen shows before scrolling)
 * and says how many more the book has: a large book paints as fast as a small one, and the
 * main thread stays free for reading the book, whose live view then shows every row.
 */
import { useEffect, useMemo } from "react";
import { DEFAULT_QUERY, queryPipeline, totalAmount } from "../pipeline/pipeline-query.js";
import { PipelineTableRow } from "../pipeline/pipeline-row.js";
import { formatAmount, formatDateTime } from "../text/format.js";
import { RECOMMENDATION_ICON } from "../text/recommendation-text.js";
import type { ViewSnapshot } from "./view-snapshot.js";

/** The User Timing mark of the first frame with pipeline rows (as `pipeline-view.tsx` sets it). */
export const FIRST_PAINT_MARK = "tandem:first-pipeline-paint";
/** The User Timing mark of the first frame painted from a snapshot. */
export const SNAPSHOT_PAINT_MARK = "tandem:snapshot-paint";

/** Rows painted from a snapshot: more than a desktop or phone screen shows before scrolling. */
export const SNAPSHOT_ROWS = 60;

/** The recommendation icons of `recommendation-list.tsx`. */
/** By kind; a snapshot stored by another version may name a kind this one does not know. */
const ICON: Readonly<Record<string, string>> = RECOMMENDATION_ICON;

const COLUMNS: ReadonlyArray<{ label: string; numeric?: boolean; sorted?: boolean }> = [
  { label: "Opportunity" },
  { label: "Account" },
  { label: "Amount", numeric: true },
  { label: "Stage" },
  { label: "Close date", sorted: true },
  { label: "Probability", numeric: true },
  { label: "Forecast" },
];

function markOnce(name: string): void {
  if (performance.getEntriesByName(name).length === 0) performance.mark(name);
}

/**
 * The recommendation cards of a snapshot, their fixes disabled; also shown by the live
 * pipeline for the moment its own cards are still being computed (`ui/pipeline-view.tsx`).
 */
export function SnapshotCards({ snapshot }: { snapshot: ViewSnapshot }) {
  const { top, total } = snapshot.cards;
  if (total === 0) return null;
  return (
    <section className="recommendations" aria-labelledby="reco-title" data-testid="recommendations">
      <h2 id="reco-title">
        Recommended next steps <span className="count">{total}</span>
      </h2>
      {total > top.length && (
        <p className="muted small" data-testid="reco-summary">
          The {top.length} most urgent of {total}, one per deal.
        </p>
      )}
      <ul className="cards">
        {top.map((card) => (
          <li
            key={card.id}
            className={`card reco reco-${card.kind} severity-${card.severity}`}
            data-testid="recommendation"
            data-kind={card.kind}
            data-opportunity-id={card.opportunityId}
          >
            <span className="reco-icon" aria-hidden="true">
              {ICON[card.kind] ?? "•"}
            </span>
            <div>
              <strong data-testid="reco-title">{card.title}</strong>
              <a className="reco-opp" href={`#/opportunity/${card.opportunityId}`}>
                {card.opportunityName}
              </a>
              <p className="muted small">{card.hint}</p>
              {card.nextMeeting !== null && (
                <p className="reco-next-meeting small" data-testid="reco-next-meeting">
                  <span aria-hidden="true">◷ </span>
                  {card.nextMeeting}
                </p>
              )}
              <div className="reco-fixes">
                {card.fixes.map(({ fix, label }) => (
                  <button key={fix} type="button" className="small-button" disabled title="Your book is still loading">
                    {label}
                  </button>
                ))}
              </div>
            </div>
          </li>
        ))}
      </ul>
      {total > top.length && (
        <button type="button" className="link" disabled>
          Show all {total}
        </button>
      )}
    </section>
  );
}

/** The pipeline screen painted from a snapshot (see the file header). */
export function SnapshotPipeline({ snapshot }: { snapshot: ViewSnapshot }) {
  const rows = useMemo(() => queryPipeline(snapshot.rows, DEFAULT_QUERY), [snapshot]);
  const painted = rows.length > 0;
  const more = rows.length - SNAPSHOT_ROWS;
  useEffect(() => {
    requestAnimationFrame(() => {
      markOnce(SNAPSHOT_PAINT_MARK);
      if (painted) markOnce(FIRST_PAINT_MARK);
    });
  }, [painted]);

  return (
    <main className="page" aria-labelledby="pipeline-title" aria-busy="true" data-route="#/" data-from-snapshot="true">
      <div className="page-head">
        <div>
          <h1 id="pipeline-title" tabIndex={-1}>
            Pipeline
          </h1>
          <p className="muted" data-testid="pipeline-summary">
            {rows.length} of {rows.length} open opportunities ·{" "}
            {formatAmount(totalAmount(rows.filter((row) => !row.closing)))}
          </p>
          <p className="muted small" role="status" data-testid="snapshot-notice">
            As saved on this device {formatDateTime(snapshot.savedAt)} · loading your book…
          </p>
        </div>
        <div className="toolbar">
          <div className="field">
            <label htmlFor="pipeline-search">Search</label>
            <input id="pipeline-search" type="search" placeholder="Name, account or stage" disabled />
          </div>
          <div className="field">
            <label htmlFor="pipeline-stage">Stage</label>
            <select id="pipeline-stage" disabled>
              <option value="">All stages</option>
            </select>
          </div>
        </div>
      </div>

      <SnapshotCards snapshot={snapshot} />

      {rows.length === 0 ? (
        <div className="empty" data-testid="pipeline-empty">
          <h2>No open opportunities yet</h2>
          <p className="muted">They appear here as soon as your book arrives from Salesforce.</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="pipeline" data-testid="pipeline-table">
            <caption className="visually-hidden">Open opportunities, as saved on this device</caption>
            <thead>
              <tr>
                {COLUMNS.map(({ label, numeric, sorted }) => (
                  <th
                    key={label}
                    scope="col"
                    aria-sort={sorted === true ? "ascending" : "none"}
                    className={numeric === true ? "num" : undefined}
                  >
                    <button type="button" className="sort" disabled>
                      {label}
                      <span className="sort-icon" aria-hidden="true">
                        {sorted === true ? "▲" : "↕"}
                      </span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, SNAPSHOT_ROWS).map((row) => (
                <PipelineTableRow key={row.id} row={row} href={`#/opportunity/${row.id}`} />
              ))}
            </tbody>
          </table>
          {more > 0 && (
            <p className="muted empty-inline" data-testid="snapshot-more">
              {more.toLocaleString("en-US")} more open opportunities appear when your book has loaded.
            </p>
          )}
        </div>
      )}
    </main>
  );
}
