/**
 * One opportunity: its synced fields (editable, with the pending-edit overlay and the conflict
 * choice), Key contacts with the evidence why and Other contacts (promote/demote), the Last
 * Interaction with its source, and the activity list including what is not yet in Salesforce.
 * The cards live next to this file; this one composes them and owns the Log activity dialog.
 */
import { useCallback, useMemo, useState } from "react";
import { formatAmount, formatDate } from "../../text/format.js";
import { opportunityDetail } from "../../view-model/view-model.js";
import { useBook, useSnapshot } from "../book-context.js";
import { LogActivityDialog } from "../log-activity-dialog.js";
import { RecommendationList } from "../recommendation-list.js";
import { routeHref } from "../use-hash-route.js";
import { ActivitiesCard, OpenTasksCard } from "./activities-card.js";
import { ContactsSection } from "./contacts-section.js";
import { FieldsCard } from "./fields-card.js";
import { LastInteractionCard } from "./last-interaction-card.js";
import { LoggedToast } from "./logged-toast.js";

/** The opportunity screen. */
export function OpportunityView({ id }: { id: string }) {
  const snapshot = useSnapshot();
  const { view, lookups } = useBook();
  const engineView = view.getOpportunity(id);
  const detail = useMemo(
    () => (engineView === undefined ? null : opportunityDetail(engineView, snapshot, lookups)),
    [engineView, snapshot, lookups],
  );
  const [logFor, setLogFor] = useState<{ contactId: string | null } | null>(null);
  const [lastLogged, setLastLogged] = useState<string | null>(null);
  const dismissToast = useCallback(() => setLastLogged(null), []);

  if (detail === null) return <NotInBook />;
  const { row } = detail;
  const contacts = [...detail.keyContacts, ...detail.otherContacts];
  return (
    <main className="page" aria-labelledby="opp-title" data-route={routeHref({ screen: "opportunity", id })}>
      <a className="back" href={routeHref({ screen: "pipeline" })}>
        ← Pipeline
      </a>
      <div className="page-head">
        <div>
          <p className="eyebrow">{row.accountName}</p>
          <h1 id="opp-title" data-testid="opportunity-name" tabIndex={-1}>
            {row.name}
          </h1>
          <p className="muted">
            <span className="stage">{row.stage}</span> · {formatAmount(row.amount)} · closes {formatDate(row.closeDate)}
            {detail.salesforceUrl !== null && (
              <>
                {" · "}
                <a
                  href={detail.salesforceUrl}
                  target="_blank"
                  rel="noopener noreferrer"
                  data-testid="open-in-salesforce"
                >
                  Open in Salesforce
                </a>
              </>
            )}
          </p>
        </div>
        <div className="toolbar">
          <button
            type="button"
            className="primary"
            onClick={() => setLogFor({ contactId: null })}
            disabled={contacts.length === 0}
            data-testid="log-activity"
          >
            Log activity
          </button>
        </div>
      </div>

      <RecommendationList snapshot={snapshot} opportunityId={row.id} />

      <div className="grid">
        <div className="col">
          <LastInteractionCard last={detail.lastInteraction} next={detail.nextMeeting} />
          <ContactsSection
            title="Key contacts"
            testId="key-contacts"
            contacts={detail.keyContacts}
            opportunityId={row.id}
            onLog={(contactId) => setLogFor({ contactId })}
            empty="No Key contact yet. Promote one below, or import your calendar."
          />
          <ContactsSection
            title="Other contacts"
            testId="other-contacts"
            contacts={detail.otherContacts}
            opportunityId={row.id}
            onLog={(contactId) => setLogFor({ contactId })}
            empty="No other contacts at this account."
          />
        </div>
        <div className="col">
          <FieldsCard detail={detail} />
          <OpenTasksCard tasks={detail.openTasks} />
          <ActivitiesCard activities={detail.activities} />
        </div>
      </div>

      {logFor !== null && (
        <LogActivityDialog
          opportunityId={row.id}
          opportunityName={row.name}
          contacts={contacts}
          initialContactId={logFor.contactId}
          onClose={() => setLogFor(null)}
          onLogged={setLastLogged}
        />
      )}
      {lastLogged !== null && (
        <LoggedToast
          activity={detail.activities.find((a) => a.intentId === lastLogged) ?? null}
          onDismiss={dismissToast}
        />
      )}
    </main>
  );
}

function NotInBook() {
  return (
    <main className="page">
      <a className="back" href={routeHref({ screen: "pipeline" })}>
        ← Pipeline
      </a>
      <div className="empty">
        <h1>Opportunity not in your book</h1>
        <p className="muted">It may have closed, changed owner, or not be synced to this device yet.</p>
      </div>
    </main>
  );
}
