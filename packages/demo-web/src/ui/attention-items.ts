/**
 * The list behind the status bar's "N need attention": every open conflict and every failed
 * change of the book, each worded for a salesperson and pointing at the opportunity to act on.
 *
 * Invariant: pure; one item per conflicted or failed intent of the snapshot, conflicts first.
 */
import {
  type BookSnapshot,
  fieldInfo,
  type Intent,
  type IntentView,
  type OpportunityView,
  type OrgView,
} from "@tandem/engine";
import { fieldLabel } from "./opportunity/field-text.js";

/** One change that needs the user. */
export interface AttentionItem {
  readonly intentId: string;
  readonly kind: "conflict" | "failed";
  /** What the change was, e.g. "Amount" or "Call: Pricing follow-up". */
  readonly what: string;
  /** The opportunity to open to act on it, when the change belongs to one. */
  readonly opportunity: { readonly id: string; readonly name: string } | null;
  /** What happened, in words. */
  readonly detail: string;
}

const ACTIVITY_LABEL = { call: "Call", email: "Email", meeting: "Meeting", note: "Note" } as const;

function describe(intent: Intent, org: OrgView): string {
  switch (intent.kind) {
    case "editField": {
      // A configured field by its describe label ("Next Step", not "NextStep").
      const label = fieldLabel(intent.field, fieldInfo(org, intent.sobject, intent.field) ?? undefined);
      return intent.sobject === "Contact" ? `Contact's ${label}` : label;
    }
    case "logActivity": {
      const label = ACTIVITY_LABEL[intent.activity.type];
      return intent.activity.subject === undefined ? label : `${label}: ${intent.activity.subject}`;
    }
    case "setContactTier":
      return "Key contact choice";
    case "resolveConflict":
      return "Keeping Salesforce's value";
    case "cancel":
      return "Withdrawing a change";
  }
}

/** The opportunity an intent belongs to, among the open ones of the book. */
function opportunityOf(intent: Intent, opportunities: readonly OpportunityView[]): OpportunityView | undefined {
  const byId = (id: string | null) => (id === null ? undefined : opportunities.find((o) => o.id === id));
  switch (intent.kind) {
    case "editField":
      if (intent.sobject === "Opportunity") return byId(intent.recordId);
      return opportunities.find((o) =>
        [...o.keyContacts, ...o.otherContacts].some((c) => c.contact.Id === intent.recordId),
      );
    case "logActivity":
      return byId(intent.opportunityId);
    case "setContactTier":
      return byId(intent.opportunityId);
    default:
      return undefined;
  }
}

function item(view: IntentView, kind: AttentionItem["kind"], snapshot: BookSnapshot): AttentionItem {
  const opp = opportunityOf(view.intent, snapshot.opportunities);
  const detail =
    kind === "conflict"
      ? "Someone changed it in Salesforce too: choose which value to keep."
      : `Salesforce did not take it${view.receipt?.error === undefined ? "." : `: ${view.receipt.error.message}`}`;
  return {
    intentId: view.intent.id,
    kind,
    what: describe(view.intent, snapshot.org),
    opportunity: opp === undefined ? null : { id: opp.id, name: opp.record.Name },
    detail,
  };
}

/** The open conflicts, then the failed changes, of `snapshot`. */
export function attentionItems(snapshot: BookSnapshot): AttentionItem[] {
  return [
    ...snapshot.conflicts.map((v) => item(v, "conflict", snapshot)),
    ...snapshot.failed.map((v) => item(v, "failed", snapshot)),
  ];
}
