/**
 * The "Log a call, email, meeting or note" dialog, opened from an opportunity or one of its
 * contacts. Submitting writes a `logActivity` intent to the local document: it shows at once,
 * online or offline, and its receipt follows it to Salesforce.
 *
 * Invariant: the contact is never a silent guess — it is the one the dialog was opened for,
 * or the first Key contact; with no Key contact the user chooses (issue 25).
 */

import { type ActivityKind, type DeviceInputError, defaultActivitySubject } from "@tandem/engine";
import { type FormEvent, useEffect, useRef, useState } from "react";
import type { ContactRow } from "../view-model/view-model.js";
import { useBook } from "./book-context.js";

const KINDS: ReadonlyArray<{ kind: ActivityKind; label: string }> = [
  { kind: "call", label: "Call" },
  { kind: "email", label: "Email" },
  { kind: "meeting", label: "Meeting" },
  { kind: "note", label: "Note" },
];

function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}`;
}

/** The contact the dialog starts with: the one asked for, else the first Key contact, else none. */
export function initialContact(contacts: readonly ContactRow[], asked: string | null): string {
  if (asked !== null && contacts.some((c) => c.id === asked)) return asked;
  return contacts.find((c) => c.tier === "key")?.id ?? "";
}

/** Why the engine refused a logged activity, in a salesperson's words. */
export function logErrorText(error: Pick<DeviceInputError, "code" | "field" | "message">): string {
  if (error.code === "book-too-new") return "A newer version of Tandem wrote this book; reload the page to update.";
  switch (error.field) {
    case "contactId":
      return "Choose a contact of this opportunity.";
    case "opportunityId":
      return "This opportunity is no longer in your book.";
    case "subject":
      return "Give it a subject of at most 255 characters.";
    case "description":
      return "Keep the notes under 32,000 characters.";
    case "durationSeconds":
      return "Enter the duration in minutes.";
    case "occurredAt":
      return "Pick when it happened.";
    default:
      return error.message;
  }
}

/** Props of {@link LogActivityDialog}. */
export interface LogActivityDialogProps {
  readonly opportunityId: string;
  readonly opportunityName: string;
  readonly contacts: readonly ContactRow[];
  readonly initialContactId: string | null;
  readonly onClose: () => void;
  readonly onLogged?: ((intentId: string) => void) | undefined;
}

/** The modal dialog. */
export function LogActivityDialog(props: LogActivityDialogProps) {
  const { device } = useBook();
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<ActivityKind>("call");
  const [contactId, setContactId] = useState(() => initialContact(props.contacts, props.initialContactId));
  const [subject, setSubject] = useState("");
  const [notes, setNotes] = useState("");
  const [when, setWhen] = useState(() => localInputValue(new Date()));
  const [minutes, setMinutes] = useState("");

  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);

  const contact = props.contacts.find((c) => c.id === contactId) ?? null;
  const kindLabel = KINDS.find((k) => k.kind === kind)?.label ?? "";
  // With no contact chosen the form cannot be submitted; the placeholder then names just the kind.
  const defaultSubject = contact === null ? kindLabel : defaultActivitySubject(kind, contact.name);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (contact === null) return;
    const occurred = new Date(when);
    const duration = Number(minutes);
    const result = device.logActivity({
      opportunityId: props.opportunityId,
      contactId: contact.id,
      type: kind,
      subject: subject.trim() === "" ? defaultSubject : subject.trim(),
      description: notes.trim() === "" ? undefined : notes.trim(),
      occurredAt: Number.isNaN(occurred.getTime()) ? new Date() : occurred,
      durationSeconds:
        kind === "call" && minutes.trim() !== "" && Number.isFinite(duration) ? Math.round(duration * 60) : undefined,
    });
    if (!result.ok) {
      setError(logErrorText(result.error));
      return;
    }
    props.onLogged?.(result.value.id);
    ref.current?.close();
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="log-title" onClose={props.onClose} data-testid="log-dialog">
      <form onSubmit={submit} className="stack">
        <h2 id="log-title">Log activity</h2>
        <p className="muted small">On {props.opportunityName}</p>
        <fieldset className="segmented">
          <legend>Type</legend>
          {KINDS.map((k) => (
            <label key={k.kind} className={kind === k.kind ? "selected" : ""}>
              <input
                type="radio"
                name="kind"
                value={k.kind}
                checked={kind === k.kind}
                onChange={() => setKind(k.kind)}
              />
              {k.label}
            </label>
          ))}
        </fieldset>
        <ContactPicker contacts={props.contacts} value={contactId} onChange={setContactId} />
        <div className="field">
          <label htmlFor="log-subject">Subject</label>
          <input
            id="log-subject"
            value={subject}
            placeholder={defaultSubject}
            onChange={(e) => setSubject(e.target.value)}
          />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="log-when">When</label>
            <input
              id="log-when"
              type="datetime-local"
              value={when}
              onChange={(e) => setWhen(e.target.value)}
              required
            />
          </div>
          {kind === "call" && (
            <div className="field">
              <label htmlFor="log-minutes">Duration (minutes)</label>
              <input
                id="log-minutes"
                inputMode="numeric"
                value={minutes}
                onChange={(e) => setMinutes(e.target.value)}
              />
            </div>
          )}
        </div>
        <div className="field">
          <label htmlFor="log-notes">Notes</label>
          <textarea id="log-notes" rows={4} value={notes} onChange={(e) => setNotes(e.target.value)} />
        </div>
        {error !== null && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="row-actions">
          <button type="submit" className="primary" disabled={contact === null} data-testid="log-submit">
            Log {kindLabel.toLowerCase()}
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** The contact select: Key contacts first; with none Key, an explicit "choose" prompt. */
function ContactPicker(props: {
  contacts: readonly ContactRow[];
  value: string;
  onChange: (contactId: string) => void;
}) {
  const key = props.contacts.filter((c) => c.tier === "key");
  const other = props.contacts.filter((c) => c.tier !== "key");
  return (
    <div className="field">
      <label htmlFor="log-contact">Contact</label>
      {key.length === 0 && (
        <p className="muted small" id="log-contact-note" data-testid="log-no-key-contact">
          This opportunity has no Key contact yet, so Tandem does not guess: choose who you talked to.
        </p>
      )}
      <select
        id="log-contact"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-describedby={key.length === 0 ? "log-contact-note" : undefined}
        required
      >
        {props.value === "" && (
          <option value="" disabled>
            Choose a contact…
          </option>
        )}
        {key.length > 0 && (
          <optgroup label="Key contacts">
            {key.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} (Key)
              </option>
            ))}
          </optgroup>
        )}
        {other.length > 0 && (
          <optgroup label={key.length > 0 ? "Other contacts" : "Contacts at the account"}>
            {other.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </div>
  );
}
