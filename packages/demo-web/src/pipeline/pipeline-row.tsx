/**
 * One row of the pipeline table, the same markup whether it is painted from the view snapshot
 * (`snapshot/snapshot-pipeline.tsx`, before the book has loaded) or from the doc's live view
 * (`ui/pipeline-view.tsx`), so the one replaces the other without a shift.
 *
 * Invariants: pure rendering of `row`; `href` is the opportunity screen's route.
 */
import { formatAmount, formatDate, formatPercent } from "../text/format.js";
import type { PipelineRow } from "../view-model/view-model.js";

/** A pipeline table row (`<tr>`) for `row`. */
export function PipelineTableRow({ row, href }: { readonly row: PipelineRow; readonly href: string }) {
  return (
    <tr
      data-testid="pipeline-row"
      data-id={row.id}
      data-closing={row.closing ? "true" : undefined}
      className={row.closing ? "closing" : undefined}
    >
      <th scope="row" data-label="Opportunity">
        <a href={href}>{row.name}</a>
        {row.closing ? (
          // A pending close: leaving the pipeline, its amount no longer counted as open.
          <span className="badge badge-closing" title="Closed on a device, on its way to Salesforce">
            closing
          </span>
        ) : (
          row.pendingFields.length > 0 && (
            <span className="badge badge-neutral" title="Edited on a device, not yet in Salesforce">
              edited
            </span>
          )
        )}
      </th>
      <td data-label="Account">{row.accountName}</td>
      <td data-label="Amount" className="num">
        {formatAmount(row.amount)}
      </td>
      <td data-label="Stage">
        <span className="stage">{row.stage}</span>
      </td>
      <td data-label="Close date">{formatDate(row.closeDate)}</td>
      <td data-label="Probability" className="num">
        {formatPercent(row.probability)}
      </td>
      <td data-label="Forecast">{row.forecastCategory ?? "—"}</td>
    </tr>
  );
}
