import { describe, expect, it } from "vitest";
import { IcsParseError, importIcs } from "./ics-import.js";

const contacts = [
  { id: "003A", name: "Ada Lovelace", email: "Ada@Example.com " },
  { id: "003B", name: "Grace Hopper", email: "grace@example.com" },
  { id: "003C", name: "No Email", email: null },
];

const ics = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Test//EN",
  "BEGIN:VEVENT",
  "UID:evt-1@example.com",
  "DTSTAMP:20261120T090000Z",
  "DTSTART:20261120T140000Z",
  "DTEND:20261120T150000Z",
  "SUMMARY:Kickoff",
  "ORGANIZER;CN=Me:mailto:me@mycompany.com",
  "ATTENDEE;CN=Ada;PARTSTAT=ACCEPTED:mailto:ada@example.com",
  "ATTENDEE;CN=Stranger:MAILTO:stranger@elsewhere.org",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "UID:evt-2@example.com",
  "DTSTAMP:20261121T090000Z",
  "DTSTART;TZID=Europe/Paris:20261121T100000",
  "SUMMARY:Pricing review",
  "ORGANIZER:mailto:grace@example.com",
  "ATTENDEE:mailto:me@mycompany.com",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

describe("calendar import", () => {
  it("turns attendees and organizers matching a contact's email into meeting interactions", () => {
    const result = importIcs(ics, "work.ics", contacts, "me@mycompany.com");
    expect(result.events).toBe(2);
    expect(result.interactions.map((i) => [i.contactId, i.email, i.subject, i.kind, i.source])).toEqual([
      ["003A", "ada@example.com", "Kickoff", "meeting", "calendar:work.ics"],
      ["003B", "grace@example.com", "Pricing review", "meeting", "calendar:work.ics"],
    ]);
    expect(result.interactions[0]?.at).toBe("2026-11-20T14:00:00.000Z");
    expect(result.unmatched).toEqual(["stranger@elsewhere.org"]);
  });

  it("gives the same ids when the same file is imported twice", () => {
    const a = importIcs(ics, "work.ics", contacts).interactions.map((i) => i.id);
    const b = importIcs(ics, "work.ics", contacts).interactions.map((i) => i.id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
  });

  it("rejects a file that is not iCalendar with a clear error", () => {
    expect(() => importIcs("hello, world", "x.ics", contacts)).toThrow(IcsParseError);
  });

  it("skips events that start after now: a meeting to come is not an interaction", () => {
    const now = new Date("2026-11-21T08:00:00.000Z");
    const result = importIcs(ics, "work.ics", contacts, "me@mycompany.com", now);
    expect(result.events).toBe(2);
    expect(result.future).toBe(1);
    expect(result.interactions.map((i) => i.subject)).toEqual(["Kickoff"]);
    expect(result.unmatched).toEqual(["stranger@elsewhere.org"]);
  });

  it("keeps an event that started exactly now", () => {
    const now = new Date("2026-11-20T14:00:00.000Z");
    const result = importIcs(ics, "work.ics", contacts, "me@mycompany.com", now);
    expect(result.future).toBe(1);
    expect(result.interactions.map((i) => i.at)).toEqual(["2026-11-20T14:00:00.000Z"]);
  });
});
