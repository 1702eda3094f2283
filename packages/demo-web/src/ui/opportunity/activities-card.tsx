/**
 * An opportunity's activity list, newest first as the engine orders it: what Salesforce has
 * and what was logged on a device, each logged one with its receipt.
 */
import type { ActivityView } from "../../view-model/view-model.js";
import { formatDateTime } from "../format.js";
import { ReceiptBadge } from "../receipt-badge.js";

const ICON: Record<ActivityView["kind"], string> = {
  call: "☎",
  email: "✉",
  meeting: "◷",
  note: "✎",
  task: "✓",
};

/** The card. */
export function ActivitiesCard({ activities }: { activities: readonly ActivityView[] }) {
  return (
    <section className="card card-activities" aria-labelledby="activities-title" data-testid="activities">
      <h2 id="activities-title">
        Activity <span className="count">{activities.length}</span>
      </h2>
      {activities.length === 0 ? (
        <p className="muted">No activity yet.</p>
      ) : (
        <ol className="activities">
          {activities.map((a) => (
            <li key={a.key} className="activity" data-testid="activity" data-intent-id={a.intentId ?? ""}>
              <span className={`activity-icon kind-${a.kind}`} aria-hidden="true">
                {ICON[a.kind]}
              </span>
              <div className="activity-body">
                <div className="activity-title">
                  <strong data-testid="activity-subject">{a.subject}</strong>
                  {a.receipt !== null && <ReceiptBadge receipt={a.receipt} />}
                </div>
                <span className="muted small">
                  {formatDateTime(a.at)}
                  {a.contactName !== null && <> · {a.contactName}</>}
                  {a.receipt === null && " · from Salesforce"}
                </span>
                {a.description !== null && a.description !== "" && <p className="activity-desc">{a.description}</p>}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
