/**
 * Why a contact is Key, as one sentence per piece of evidence, in a salesperson's words: where
 * an interaction was seen reads "from your calendar (meetings.ics)", never the engine's
 * `source` tag ("calendar:meetings.ics").
 *
 * Invariant: pure; no state.
 */

import { formatDateTime } from "../../text/format.js";
import type { Evidence } from "../../view-model/view-model.js";

/** Where an interaction was seen, from its `source` tag (`"gmail"`, `"calendar:<file>"` …). */
export function sourceText(source: string): string {
  const [kind = "", ...rest] = source.split(":");
  const detail = rest.join(":").trim();
  switch (kind.trim().toLowerCase()) {
    case "calendar":
      return detail === "" ? "from your calendar" : `from your calendar (${detail})`;
    case "gmail":
      return "from Gmail";
    case "outlook":
      return "from Outlook";
    case "email":
      return "from your email";
    case "device":
      return "recorded on one of your devices";
    default:
      return source.trim() === "" ? "" : `from ${source.trim()}`;
  }
}

/** One piece of Key evidence in words. */
export function evidenceText(evidence: Evidence): string {
  switch (evidence.kind) {
    case "role":
      return `Contact role: ${evidence.role ?? "no role name"}${evidence.isPrimary ? " (primary)" : ""}`;
    case "interaction": {
      const what = evidence.interaction === "meeting" ? "Meeting" : "Email";
      const subject = evidence.subject === null ? "" : ` “${evidence.subject}”`;
      const who = evidence.email === null ? "" : ` with ${evidence.email}`;
      const where = sourceText(evidence.source);
      return `${what}${subject}${who} on ${formatDateTime(evidence.at)}${where === "" ? "" : `, ${where}`}`;
    }
    case "manual":
      return evidence.tier === "key" ? `Promoted by you on ${formatDateTime(evidence.at)}` : "Demoted by you";
  }
}
