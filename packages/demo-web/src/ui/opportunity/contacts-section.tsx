/**
 * One of an opportunity's contact lists (Key or Other): each contact with why it is Key, its
 * phone and mobile as tap-to-call (`tel:`) links, and the actions to log an activity with it,
 * promote, demote or reset it to the automatic rule, and its configured extra fields (e.g. Lead
 * Source), read-only.
 * A tier change is a `setContactTier` intent on the local document; the contact then moves to
 * the other list, and keyboard focus follows it to its new Promote/Demote button.
 */
import type { ContactRow } from "../../view-model/view-model.js";
import { useBook } from "../book-context.js";
import { focusAfterRender } from "../focus.js";
import { evidenceText } from "./evidence-text.js";
import { showValue } from "./field-text.js";

/** Props of {@link ContactsSection}. */
export interface ContactsSectionProps {
  readonly title: string;
  /** The section's test id; also names its heading and CSS class. */
  readonly testId: string;
  readonly contacts: readonly ContactRow[];
  readonly opportunityId: string;
  readonly onLog: (contactId: string) => void;
  /** What to say when the list is empty. */
  readonly empty: string;
}

type Tier = ContactRow["override"];

/**
 * A `tel:` URI for a number as people write it ("+1 (415) 555-0100" → "tel:+14155550100"):
 * digits and a leading `+` only, or `null` when no digit is left.
 */
export function telHref(number: string): string | null {
  const digits = number.replace(/[^\d+]/g, "").replace(/(?!^)\+/g, "");
  return /\d/.test(digits) ? `tel:${digits}` : null;
}

function PhoneLink({ label, number, name }: { label: string; number: string | null; name: string }) {
  if (number === null || number.trim() === "") return null;
  const href = telHref(number);
  return (
    <span className="phone small">
      {label}{" "}
      {href === null ? (
        number
      ) : (
        <a href={href} aria-label={`Call ${name}, ${label.toLowerCase()} ${number}`}>
          {number}
        </a>
      )}
    </span>
  );
}

/** The section. */
export function ContactsSection(props: ContactsSectionProps) {
  const { device } = useBook();
  const setTier = (contactId: string, tier: Tier) => {
    device.setContactTier({ opportunityId: props.opportunityId, contactId, tier });
    // The button pressed left with its list item: focus the contact's tier button in its new list.
    focusAfterRender(() =>
      document.querySelector<HTMLElement>(`li.contact[data-contact-id="${contactId}"] button[data-tier-action]`),
    );
  };
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
            <ContactItem key={c.id} contact={c} onLog={props.onLog} onTier={setTier} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** The contact's configured extra fields that have a value ("Lead Source Web · Preferred Channel Email"). */
function ContactExtra({ contact }: { contact: ContactRow }) {
  const shown = contact.extra.filter((f) => f.value !== null && f.value !== "");
  if (shown.length === 0) return null;
  return (
    <dl className="contact-extra small" data-testid="contact-extra">
      {shown.map((f) => (
        <div key={f.name} data-testid={`contact-field-${f.name}`}>
          <dt>{f.label}</dt>
          <dd>{showValue(f.name, f.value, f.type)}</dd>
        </div>
      ))}
    </dl>
  );
}

function ContactItem({
  contact: c,
  onLog,
  onTier,
}: {
  contact: ContactRow;
  onLog: (contactId: string) => void;
  onTier: (contactId: string, tier: Tier) => void;
}) {
  return (
    <li className="contact" data-testid="contact" data-contact-id={c.id} data-tier={c.tier}>
      <div className="contact-main">
        <span className={`avatar ${c.tier === "key" ? "avatar-key" : ""}`} aria-hidden="true">
          {c.name.slice(0, 1)}
        </span>
        <div>
          <strong data-testid="contact-name">{c.name}</strong>
          <span className="muted small">{[c.title, c.email].filter((x) => x !== null && x !== "").join(" · ")}</span>
          {(c.phone !== null || c.mobile !== null) && (
            <span className="phones" data-testid="contact-phones">
              <PhoneLink label="Phone" number={c.phone} name={c.name} />
              <PhoneLink label="Mobile" number={c.mobile} name={c.name} />
            </span>
          )}
          <ContactExtra contact={c} />
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
        <button type="button" onClick={() => onLog(c.id)} aria-label={`Log activity with ${c.name}`}>
          Log
        </button>
        {c.tier === "key" ? (
          <button
            type="button"
            onClick={() => onTier(c.id, "other")}
            aria-label={`Demote ${c.name} to Other`}
            data-tier-action="demote"
          >
            Demote
          </button>
        ) : (
          <button
            type="button"
            onClick={() => onTier(c.id, "key")}
            aria-label={`Promote ${c.name} to Key`}
            data-tier-action="promote"
          >
            Promote
          </button>
        )}
        {c.override !== "auto" && (
          <button
            type="button"
            className="link"
            onClick={() => onTier(c.id, "auto")}
            aria-label={`Reset ${c.name} to automatic`}
          >
            Reset
          </button>
        )}
      </div>
    </li>
  );
}
