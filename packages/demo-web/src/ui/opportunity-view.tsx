/**
 * One opportunity: its synced fields (editable, with the pending-edit overlay and the conflict
 * choice), Key contacts with the evidence why and Other contacts (promote/demote), the Last
 * Interaction with its source, and the activity list including what is not yet in Salesforce.
 */
import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import {
  type ActivityView,
  type ContactView,
  EDITABLE_OPPORTUNITY_FIELDS,
  type EditableField,
  type EditView,
  type Evidence,
  type OpportunityDetail,
  opportunityDetail,
  type PipelineRow,
} from "../book/view-model.js";
import { useBook, useSnapshot } from "./book-context.js";
import { formatAmount, formatDate, formatDateTime, formatPercent } from "./format.js";
import { LogActivityDialog } from "./log-activity-dialog.js";
import { ReceiptBadge } from "./receipt-badge.js";
import { RecommendationList } from "./recommendation-list.js";
import { routeHref } from "./use-hash-route.js";

const SOURCE_LABEL = {
  salesforce: "from Salesforce",
  "this-device": "logged in Tandem",
  email: "from email",
  calendar: "from your calendar",
} as const;

const FIELD_LABEL: Record<EditableField, string> = {
  StageName: "Stage",
  CloseDate: "Close date",
  Amount: "Amount",
  Probability: "Probability (%)",
  Description: "Description",
};

const STAGES = [
  "Prospecting",
  "Qualification",
  "Needs Analysis",
  "Value Proposition",
  "Id. Decision Makers",
  "Perception Analysis",
  "Proposal/Price Quote",
  "Negotiation/Review",
  "Closed Won",
  "Closed Lost",
];

function evidenceText(evidence: Evidence): string {
  switch (evidence.kind) {
    case "role":
      return `Contact role: ${evidence.role ?? "no role name"}${evidence.isPrimary ? " (primary)" : ""}`;
    case "interaction":
      return `${evidence.interaction === "meeting" ? "Meeting" : "Email"}${
        evidence.subject === null ? "" : ` “${evidence.subject}”`
      }${evidence.email === null ? "" : ` with ${evidence.email}`} on ${formatDateTime(evidence.at)} (source: ${evidence.source})`;
    case "manual":
      return evidence.tier === "key" ? `Promoted by you on ${formatDateTime(evidence.at)}` : "Demoted by you";
  }
}

function showValue(field: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (field === "Amount" && typeof value === "number") return formatAmount(value);
  if (field === "CloseDate" && typeof value === "string") return formatDate(value);
  if (field === "Probability" && typeof value === "number") return formatPercent(value);
  return String(value);
}

function fieldValue(row: PipelineRow, field: EditableField): unknown {
  switch (field) {
    case "StageName":
      return row.stage;
    case "CloseDate":
      return row.closeDate;
    case "Amount":
      return row.amount;
    case "Probability":
      return row.probability;
    case "Description":
      return row.description;
  }
}

function parseInput(field: EditableField, text: string): unknown {
  if (field === "Amount" || field === "Probability") {
    const trimmed = text.trim();
    if (trimmed === "") return null;
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : undefined;
  }
  if (field === "Description") return text === "" ? null : text;
  return text;
}

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

  if (detail === null) {
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
          <LastInteractionCard detail={detail} />
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
          <ActivitiesCard detail={detail} />
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

function LoggedToast({ activity, onDismiss }: { activity: ActivityView | null; onDismiss: () => void }) {
  const settled = activity?.receipt?.status === "applied";
  useEffect(() => {
    // Once in Salesforce the toast has said what it had to; the activity list keeps the status.
    if (!settled) return;
    const timer = setTimeout(onDismiss, 6_000);
    return () => clearTimeout(timer);
  }, [settled, onDismiss]);
  return (
    <div className="toast" role="status" data-testid="log-toast">
      {activity === null ? (
        <span>Logged.</span>
      ) : (
        <>
          <span>
            <strong>{activity.subject}</strong>
          </span>
          {activity.receipt !== null && <ReceiptBadge receipt={activity.receipt} />}
        </>
      )}
      <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}

function LastInteractionCard({ detail }: { detail: OpportunityDetail }) {
  const last = detail.lastInteraction;
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
    </section>
  );
}

function ContactsSection(props: {
  title: string;
  testId: string;
  contacts: readonly ContactView[];
  opportunityId: string;
  onLog: (contactId: string) => void;
  empty: string;
}) {
  const { device } = useBook();
  const tier = (contactId: string, value: "key" | "other" | "auto") =>
    device.setContactTier({ opportunityId: props.opportunityId, contactId, tier: value });
  const headingId = `${props.testId}-title`;
  return (
    <section className={`card card-${props.testId}`} aria-labelledby={headingId} data-testid={props.testId}>
      <h2 id={headingId}>
        {props.title} <span className="count">{props.contacts.length}</span>
      </h2>
      {props.contacts.length === 0 ? (
        <p className="muted">{props.empty}</p>
      ) : (
        <ul className="contacts">
          {props.contacts.map((c) => (
            <li key={c.id} className="contact" data-testid="contact" data-contact-id={c.id} data-tier={c.tier}>
              <div className="contact-main">
                <span className={`avatar ${c.tier === "key" ? "avatar-key" : ""}`} aria-hidden="true">
                  {c.name.slice(0, 1)}
                </span>
                <div>
                  <strong data-testid="contact-name">{c.name}</strong>
                  <span className="muted small">
                    {[c.title, c.email].filter((x) => x !== null && x !== "").join(" · ")}
                  </span>
                  {c.tier === "key" && c.evidence.length > 0 && (
                    <ul className="evidence" aria-label={`Why ${c.name} is Key`} data-testid="evidence">
                      {c.evidence.map((e) => (
                        <li key={`${e.kind}-${evidenceText(e)}`}>{evidenceText(e)}</li>
                      ))}
                    </ul>
                  )}
                </div>
              </div>
              <div className="contact-actions">
                <button type="button" onClick={() => props.onLog(c.id)} aria-label={`Log activity with ${c.name}`}>
                  Log
                </button>
                {c.tier === "key" ? (
                  <button type="button" onClick={() => tier(c.id, "other")} aria-label={`Demote ${c.name} to Other`}>
                    Demote
                  </button>
                ) : (
                  <button type="button" onClick={() => tier(c.id, "key")} aria-label={`Promote ${c.name} to Key`}>
                    Promote
                  </button>
                )}
                {c.override !== "auto" && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => tier(c.id, "auto")}
                    aria-label={`Reset ${c.name} to automatic`}
                  >
                    Reset
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FieldsCard({ detail }: { detail: OpportunityDetail }) {
  const { device } = useBook();
  const { row } = detail;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const fields = EDITABLE_OPPORTUNITY_FIELDS;

  const start = () => {
    const initial: Record<string, string> = {};
    for (const f of fields) {
      const v = fieldValue(row, f);
      initial[f] = v === null || v === undefined ? "" : String(v);
    }
    setDraft(initial);
    setError(null);
    setEditing(true);
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    const changes: Array<{ field: EditableField; value: unknown }> = [];
    for (const f of fields) {
      const value = parseInput(f, draft[f] ?? "");
      if (value === undefined) {
        setError(`${FIELD_LABEL[f]} must be a number.`);
        return;
      }
      if (value !== fieldValue(row, f)) changes.push({ field: f, value });
    }
    for (const { field, value } of changes) {
      const result = device.editField({ sobject: "Opportunity", recordId: row.id, field, value });
      if (!result.ok) {
        setError(`${FIELD_LABEL[field]}: ${result.error.message}`);
        return;
      }
    }
    setEditing(false);
  };

  return (
    <section className="card card-fields" aria-labelledby="fields-title" data-testid="fields">
      <div className="card-head">
        <h2 id="fields-title">Details</h2>
        {!editing && (
          <button type="button" onClick={start} data-testid="edit-fields">
            Edit
          </button>
        )}
      </div>
      {detail.problems.map((e) => (
        <ConflictPanel key={e.intentId} edit={e} recordId={row.id} />
      ))}
      {editing ? (
        <form className="stack" onSubmit={save} aria-label="Edit opportunity">
          {fields.map((f) => (
            <div className="field" key={f}>
              <label htmlFor={`field-${f}`}>{FIELD_LABEL[f]}</label>
              {f === "StageName" ? (
                <select
                  id={`field-${f}`}
                  value={draft[f] ?? ""}
                  onChange={(e) => setDraft({ ...draft, [f]: e.target.value })}
                >
                  {[...new Set([...STAGES, row.stage])].map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              ) : f === "Description" ? (
                <textarea
                  id={`field-${f}`}
                  rows={3}
                  value={draft[f] ?? ""}
                  onChange={(e) => setDraft({ ...draft, [f]: e.target.value })}
                />
              ) : (
                <input
                  id={`field-${f}`}
                  type={f === "CloseDate" ? "date" : "text"}
                  inputMode={f === "Amount" || f === "Probability" ? "decimal" : undefined}
                  value={draft[f] ?? ""}
                  onChange={(e) => setDraft({ ...draft, [f]: e.target.value })}
                />
              )}
            </div>
          ))}
          {error !== null && (
            <p className="error-text" role="alert">
              {error}
            </p>
          )}
          <div className="row-actions">
            <button type="submit" className="primary" data-testid="save-fields">
              Save
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <dl className="fields">
          {fields.map((f) => {
            const pending = detail.pending.get(f);
            return (
              <div key={f} className={pending === undefined ? "" : "pending-field"} data-testid={`field-${f}`}>
                <dt>{FIELD_LABEL[f]}</dt>
                <dd>
                  <span data-testid="field-value">{showValue(f, fieldValue(row, f))}</span>
                  {pending !== undefined && <ReceiptBadge receipt={pending.receipt} what="edit" />}
                </dd>
              </div>
            );
          })}
          <div>
            <dt>Forecast</dt>
            <dd>{row.forecastCategory ?? "—"}</dd>
          </div>
        </dl>
      )}
      {error !== null && !editing && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function ConflictPanel({ edit, recordId }: { edit: EditView; recordId: string }) {
  const { device } = useBook();
  const [error, setError] = useState<string | null>(null);
  const report = (result: { ok: true } | { ok: false; error: { message: string } }) => {
    setError(result.ok ? null : result.error.message);
  };
  const label = FIELD_LABEL[edit.field as EditableField] ?? edit.field;
  const conflict = edit.receipt.conflict;
  const isConflict = edit.receipt.status === "conflict";
  return (
    <fieldset className={`conflict ${isConflict ? "" : "failed"}`} data-testid="conflict">
      <legend className="conflict-legend">{label}</legend>
      <ReceiptBadge receipt={edit.receipt} what="edit" />
      {isConflict && conflict !== null ? (
        <dl className="conflict-values">
          <dt>You saw</dt>
          <dd>{showValue(edit.field, conflict.base)}</dd>
          <dt>You set</dt>
          <dd data-testid="conflict-mine">{showValue(edit.field, conflict.mine)}</dd>
          <dt>Salesforce now</dt>
          <dd data-testid="conflict-theirs">{showValue(edit.field, conflict.theirs)}</dd>
        </dl>
      ) : (
        <p className="small">
          {label}: you set {showValue(edit.field, edit.value)}.
        </p>
      )}
      <div className="row-actions">
        {isConflict ? (
          <>
            <button
              type="button"
              onClick={() => report(device.resolveConflict(edit.intentId, "theirs"))}
              data-testid="keep-theirs"
            >
              Keep theirs
            </button>
            <button
              type="button"
              className="primary"
              data-testid="reapply-mine"
              onClick={() => report(device.resolveConflict(edit.intentId, "mine"))}
            >
              Re-apply mine
            </button>
          </>
        ) : (
          <button
            type="button"
            onClick={() =>
              report(device.editField({ sobject: "Opportunity", recordId, field: edit.field, value: edit.value }))
            }
          >
            Try again
          </button>
        )}
      </div>
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function ActivitiesCard({ detail }: { detail: OpportunityDetail }) {
  return (
    <section className="card card-activities" aria-labelledby="activities-title" data-testid="activities">
      <h2 id="activities-title">
        Activity <span className="count">{detail.activities.length}</span>
      </h2>
      {detail.activities.length === 0 ? (
        <p className="muted">No activity yet.</p>
      ) : (
        <ol className="activities">
          {detail.activities.map((a) => (
            <li key={a.key} className="activity" data-testid="activity" data-intent-id={a.intentId ?? ""}>
              <span className={`activity-icon kind-${a.kind}`} aria-hidden="true">
                {{ call: "☎", email: "✉", meeting: "◷", note: "✎", task: "✓", event: "◷" }[a.kind]}
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
