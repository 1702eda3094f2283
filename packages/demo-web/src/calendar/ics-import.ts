/**
 * Calendar import: parses an iCalendar (.ics) file with ical.js and maps each event's attendees
 * to the book's contacts by email (case-insensitive, trimmed — docs/architecture.md, "Scope of a book"). Each match becomes
 * one `meeting` interaction; the engine's Key-contact rule then does the rest.
 *
 * Invariants: pure (no document writes; the caller records the interactions); interaction ids
 * are derived from the event UID and the address, so importing the same file twice records
 * nothing new; the organizer counts as a participant; the user's own address never matches; an
 * event that starts after `now` is a meeting still to come, not an interaction, and is skipped
 * (counted in `future`), so a calendar full of next week's meetings cannot make anyone Key.
 */
import ICAL from "ical.js";

/** A contact the import can match, by email. */
export interface MatchableContact {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
}

/** One meeting interaction to record. */
export interface ImportedInteraction {
  readonly id: string;
  readonly email: string;
  readonly kind: "meeting";
  readonly at: string;
  readonly source: string;
  readonly subject: string;
  readonly contactId: string;
  readonly contactName: string;
}

/** What an import found. */
export interface IcsImportResult {
  readonly events: number;
  /** Events skipped because they start after the import's `now` (meetings to come). */
  readonly future: number;
  readonly interactions: readonly ImportedInteraction[];
  /** Attendee addresses that matched no contact. */
  readonly unmatched: readonly string[];
}

/** An .ics file that could not be read. */
export class IcsParseError extends Error {
  override readonly name = "IcsParseError";
}

function normaliseEmail(value: string): string {
  return value
    .replace(/^mailto:/i, "")
    .trim()
    .toLowerCase();
}

/** A short, stable, id-safe hash (FNV-1a, hex) for derived interaction ids. */
export function stableHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * Parses `.ics` text and returns the interactions to record.
 *
 * @param text - the file's contents
 * @param fileName - shown as the interactions' source ("calendar:<file>")
 * @param contacts - the contacts of the book
 * @param selfEmail - the user's own address, never matched (optional)
 * @param now - the import's clock; events starting after it are skipped (defaults to the time now)
 */
export function importIcs(
  text: string,
  fileName: string,
  contacts: Iterable<MatchableContact>,
  selfEmail: string | null = null,
  now: Date = new Date(),
): IcsImportResult {
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (cause) {
    throw new IcsParseError(`Not a valid iCalendar file: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const byEmail = new Map<string, MatchableContact>();
  for (const contact of contacts) {
    if (contact.email !== null && contact.email.trim() !== "") byEmail.set(normaliseEmail(contact.email), contact);
  }
  const self = selfEmail === null ? null : normaliseEmail(selfEmail);
  const interactions: ImportedInteraction[] = [];
  const unmatched = new Set<string>();
  const seen = new Set<string>();
  let future = 0;
  const vevents = root.name === "vevent" ? [root] : root.getAllSubcomponents("vevent");
  for (const vevent of vevents) {
    const event = new ICAL.Event(vevent);
    if (event.startDate === null) continue;
    const start = event.startDate.toJSDate();
    if (start.getTime() > now.getTime()) {
      future++;
      continue;
    }
    const at = start.toISOString();
    const uid = event.uid ?? `${at}:${event.summary ?? ""}`;
    const subject = event.summary ?? "Meeting";
    const addresses = event.attendees.map((p) => String(p.getFirstValue()));
    const organizer = vevent.getFirstPropertyValue("organizer");
    if (organizer !== null && organizer !== undefined) addresses.push(String(organizer));
    for (const raw of addresses) {
      const email = normaliseEmail(raw);
      if (email === "" || email === self) continue;
      const contact = byEmail.get(email);
      if (contact === undefined) {
        unmatched.add(email);
        continue;
      }
      const id = `ics-${stableHash(`${uid}|${at}|${email}`)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      interactions.push({
        id,
        email,
        kind: "meeting",
        at,
        source: `calendar:${fileName}`,
        subject,
        contactId: contact.id,
        contactName: contact.name,
      });
    }
  }
  return { events: vevents.length, future, interactions, unmatched: [...unmatched].sort() };
}
