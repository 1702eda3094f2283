/**
 * An opportunity's activity list, newest first as the engine orders it: what Salesforce has
 * and what was logged on a device, each logged one with its receipt, at its time of day when
 * known. Open to-dos (open Tasks) are a separate card: due, not past. A meeting still to come
 * (the engine lists the window's Events) is marked "Upcoming" (the view refreshes each minute).
 */

import { dueText, formatDateTime, localDay } from "../../text/format.js";
import type { ActivityView, OpenTaskView } from "../../view-model/view-model.js";
import { ReceiptBadge } from "../receipt-badge.js";

const ICON: Record<ActivityView["kind"], string> = {
  call: "☎",
  email: "✉",
  meeting: "◷",
  note: "✎",
  task: "✓",
};

/** True when `at` (an ISO datetime) is later than now: a meeting to come. */
export const isUpcoming = (at: string, nowMs: number = Date.now()): boolean => at.length > 10 && Date.parse(at) > nowMs;

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
                  {isUpcoming(a.at) && (
                    <span className="badge badge-upcoming" data-testid="activity-upcoming">
                      Upcoming
                    </span>
                  )}
                  {a.receipt !== null && <ReceiptBadge receipt={a.receipt} intentId={a.intentId} />}
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

/** The open to-dos: what is due, soonest first; nothing shows when there are none. */
export function OpenTasksCard({ tasks }: { tasks: readonly OpenTaskView[] }) {
  if (tasks.length === 0) return null;
  return (
    <section className="card card-open-tasks" aria-labelledby="open-tasks-title" data-testid="open-tasks">
      <h2 id="open-tasks-title">
        To do <span className="count">{tasks.length}</span>
      </h2>
      <ol className="activities">
        {tasks.map((t) => (
          <li key={t.key} className="activity open-task" data-testid="open-task">
            <span className="activity-icon kind-task" aria-hidden="true">
              ☐
            </span>
            <div className="activity-body">
              <div className="activity-title">
                <strong>{t.subject}</strong>
                {t.status !== null && <span className="badge badge-neutral">{t.status}</span>}
              </div>
              <span className="muted small">
                {dueText(t.due, localDay())}
                {t.contactName !== null && <> · {t.contactName}</>}
              </span>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
