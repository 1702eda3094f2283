/**
 * Calendar import: the user picks an `.ics` file; attendees whose email matches a contact of
 * the book become meeting interactions (engine `recordInteraction`), and the dialog says which
 * contacts became Key on which opportunity, and why.
 */
import { type BookSnapshot, bookMaps, normalizeEmail } from "@tandem/engine";
import { type ChangeEvent, useEffect, useRef, useState } from "react";
import { IcsParseError, importIcs } from "../calendar/ics-import.js";
import { formatDateTime } from "../text/format.js";
import { useBook } from "./book-context.js";

/** One contact that became Key through the import. */
interface Promotion {
  readonly contactName: string;
  readonly opportunityName: string;
  readonly opportunityId: string;
  readonly why: string;
}

type Outcome =
  | { readonly kind: "idle" }
  | { readonly kind: "error"; readonly message: string }
  | {
      readonly kind: "done";
      readonly fileName: string;
      readonly events: number;
      readonly recorded: number;
      readonly already: number;
      readonly unmatched: number;
      readonly promotions: readonly Promotion[];
    };

function keySets(snapshot: BookSnapshot): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const o of snapshot.opportunities) out.set(o.id, new Set(o.keyContacts.map((c) => c.contact.Id)));
  return out;
}

/** The calendar import dialog. */
export function CalendarImportDialog({ onClose }: { onClose: () => void }) {
  const { connection, device, view } = useBook();
  const ref = useRef<HTMLDialogElement>(null);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });

  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file === undefined) return;
    const text = await file.text();
    const maps = bookMaps(connection.doc);
    let result: ReturnType<typeof importIcs>;
    try {
      result = importIcs(
        text,
        file.name,
        [...maps.contacts.values()].map((c) => ({ id: c.Id, name: c.Name, email: c.Email })),
      );
    } catch (error) {
      setOutcome({ kind: "error", message: error instanceof IcsParseError ? error.message : String(error) });
      return;
    }
    const keyBefore = keySets(view.getSnapshot());
    // Importing the same file twice records nothing new.
    const seen = new Set<string>();
    for (const i of maps.interactions.values()) seen.add(`${normalizeEmail(i.email)}|${i.at}|${i.source}`);
    let recorded = 0;
    let already = 0;
    const failures: string[] = [];
    connection.doc.transact(() => {
      for (const i of result.interactions) {
        if (seen.has(`${i.email}|${i.at}|${i.source}`)) {
          already++;
          continue;
        }
        const r = device.recordInteraction({
          email: i.email,
          kind: i.kind,
          at: i.at,
          source: i.source,
          subject: i.subject,
        });
        if (r.ok) recorded++;
        else failures.push(`${i.email}: ${r.error.message}`);
      }
    });
    if (failures.length > 0) {
      setOutcome({ kind: "error", message: `Some meetings could not be recorded: ${failures.join("; ")}` });
      return;
    }
    const after = view.getSnapshot();
    const promotions: Promotion[] = [];
    for (const o of after.opportunities) {
      const was = keyBefore.get(o.id) ?? new Set<string>();
      for (const contact of o.keyContacts) {
        if (was.has(contact.contact.Id)) continue;
        const evidence = contact.evidence.find((e) => e.kind === "interaction");
        const interaction =
          evidence?.kind === "interaction" ? maps.interactions.get(evidence.interactionId) : undefined;
        promotions.push({
          contactName: contact.contact.Name,
          opportunityName: o.record.Name,
          opportunityId: o.id,
          why:
            interaction === undefined
              ? "Matched by email"
              : `Meeting “${interaction.subject ?? "untitled"}” on ${formatDateTime(interaction.at)} with ${interaction.email}`,
        });
      }
    }
    setOutcome({
      kind: "done",
      fileName: file.name,
      events: result.events,
      recorded,
      already,
      unmatched: result.unmatched.length,
      promotions,
    });
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="ics-title" onClose={onClose} data-testid="ics-dialog">
      <div className="stack">
        <h2 id="ics-title">Import a calendar</h2>
        <p className="muted small">
          Meetings with your contacts count as interactions: attendees whose email matches a contact become Key contacts
          of that account's opportunities. The file stays on this device; only the matches are synced.
        </p>
        <div className="field">
          <label htmlFor="ics-file">Calendar file (.ics)</label>
          <input id="ics-file" type="file" accept=".ics,text/calendar" onChange={(e) => void onFile(e)} />
        </div>
        <div aria-live="polite" data-testid="ics-result">
          {outcome.kind === "error" && (
            <p className="error-text" role="alert">
              {outcome.message}
            </p>
          )}
          {outcome.kind === "done" && (
            <div className="stack">
              <p>
                <strong>{outcome.fileName}</strong>: {outcome.events} event{outcome.events === 1 ? "" : "s"},{" "}
                {outcome.recorded} new meeting{outcome.recorded === 1 ? "" : "s"} with your contacts
                {outcome.already > 0 && `, ${outcome.already} already imported`}
                {outcome.unmatched > 0 && `, ${outcome.unmatched} address(es) matched no contact`}.
              </p>
              {outcome.promotions.length === 0 ? (
                <p className="muted">No contact changed to Key.</p>
              ) : (
                <ul className="promotions" aria-label="Contacts promoted to Key">
                  {outcome.promotions.map((p) => (
                    <li key={`${p.opportunityId}-${p.contactName}`} data-testid="promotion">
                      <strong>{p.contactName}</strong> is now Key on{" "}
                      <a href={`#/opportunity/${p.opportunityId}`} onClick={() => ref.current?.close()}>
                        {p.opportunityName}
                      </a>
                      <span className="muted small"> — {p.why}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
        <div className="row-actions">
          <button type="button" className="primary" onClick={() => ref.current?.close()}>
            Done
          </button>
        </div>
      </div>
    </dialog>
  );
}
