/**
 * Why a contact is Key, as one sentence per piece of evidence.
 *
 * Invariant: pure; no state.
 */
import type { Evidence } from "../../view-model/view-model.js";
import { formatDateTime } from "../format.js";

/** One piece of Key evidence in words. */
export function evidenceText(evidence: Evidence): string {
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
