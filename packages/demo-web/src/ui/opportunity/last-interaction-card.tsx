/**
 * The Last Interaction card: the latest past touch with a Key contact, where Tandem learned of
 * it, and the next meeting still to come.
 */
import type { NextMeeting } from "@tandem/engine";
import { formatDateTime, formatMeetingTime } from "../../text/format.js";
import type { LastInteractionSource, LastInteractionSummary } from "../../view-model/view-model.js";

const SOURCE_LABEL: Record<LastInteractionSource, string> = {
  salesforce: "from Salesforce",
  "this-device": "logged in Tandem",
  email: "from email",
  calendar: "from your calendar",
};

/** The card. */
export function LastInteractionCard({
  last,
  next = null,
}: {
  last: LastInteractionSummary | null;
  next?: NextMeeting | null;
}) {
  return (
    <section className="card card-last" aria-labelledby="last-title" data-testid="last-interaction">
      <h2 id="last-title">Last interaction</h2>
      {last === null ? (
        <p className="muted">No interaction with a Key contact yet.</p>
      ) : (
        <p>
          <strong>{last.label}</strong>
          {last.contactName !== null && !last.label.includes(last.contactName) && <> with {last.contactName}</>}
          <br />
          <span className="muted small">
            {formatDateTime(last.at)} · <span data-testid="last-interaction-source">{SOURCE_LABEL[last.source]}</span>
          </span>
        </p>
      )}
      {next !== null && (
        <p data-testid="next-meeting">
          <span className="muted small">Next meeting</span>
          <br />
          <strong>{next.subject ?? "Meeting"}</strong>
          {next.contactName !== null && <> with {next.contactName}</>}
          <br />
          <span className="muted small">{formatMeetingTime(next.at)}</span>
        </p>
      )}
    </section>
  );
}
