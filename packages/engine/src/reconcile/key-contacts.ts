/**
 * Which contacts are Key for at least one opportunity of the book (docs/architecture.md, "Scope of a book"): the set whose
 * activities the book pulls. Same rule as the views: a role, or an email/meeting interaction
 * with the contact's address (trimmed, case-insensitive), with the user's overrides winning
 * per opportunity.
 *
 * Invariant: pure; O(opportunities + contacts + roles + interactions + intents).
 */
import type { Table } from "../doc/intent-state.js";
import { byHlc } from "../doc/intent-state.js";
import { normalizeEmail } from "../model/fields.js";
import type { ContactRecord, ContactRoleRecord, OpportunityRecord } from "../model/records.js";
import type { Intent, Interaction, Receipt, SetContactTierIntent } from "../model/schemas.js";

/** The tables the Key-contact rule reads. */
export interface KeyContactInputs {
  readonly opportunities: Table<OpportunityRecord>;
  readonly contacts: Table<ContactRecord>;
  readonly contactRoles: Table<ContactRoleRecord>;
  readonly interactions: Table<Interaction>;
  readonly intents: Table<Intent>;
  readonly receipts: Table<Receipt>;
}

/** The ids of contacts that are Key for at least one opportunity. */
export function keyContactIds(inputs: KeyContactInputs): Set<string> {
  const emails = new Set<string>();
  for (const i of inputs.interactions.values()) if (typeof i.email === "string") emails.add(normalizeEmail(i.email));
  const oppsByAccount = new Map<string, string[]>();
  for (const o of inputs.opportunities.values()) {
    if (o.AccountId === null) continue;
    const list = oppsByAccount.get(o.AccountId) ?? [];
    list.push(o.Id);
    oppsByAccount.set(o.AccountId, list);
  }
  // Per contact, the opportunities it is Key for by rule.
  const keyFor = new Map<string, Set<string>>();
  const add = (contactId: string, oppId: string) => {
    let set = keyFor.get(contactId);
    if (set === undefined) {
      set = new Set();
      keyFor.set(contactId, set);
    }
    set.add(oppId);
  };
  for (const r of inputs.contactRoles.values()) {
    if (inputs.opportunities.has(r.OpportunityId) && inputs.contacts.has(r.ContactId))
      add(r.ContactId, r.OpportunityId);
  }
  for (const c of inputs.contacts.values()) {
    if (c.Email === null || c.AccountId === null || !emails.has(normalizeEmail(c.Email))) continue;
    for (const opp of oppsByAccount.get(c.AccountId) ?? []) add(c.Id, opp);
  }
  // Overrides: the latest non-cancelled setContactTier per (opportunity, contact).
  const latest = new Map<string, SetContactTierIntent>();
  for (const i of inputs.intents.values()) {
    if (i.kind !== "setContactTier") continue;
    const status = inputs.receipts.get(i.id)?.status;
    if (status === "cancelled" || status === "failed" || status === "superseded") continue;
    const k = `${i.opportunityId}|${i.contactId}`;
    const prev = latest.get(k);
    if (prev === undefined || byHlc(prev, i) < 0) latest.set(k, i);
  }
  for (const t of latest.values()) {
    if (!inputs.opportunities.has(t.opportunityId) || !inputs.contacts.has(t.contactId)) continue;
    if (t.tier === "key") add(t.contactId, t.opportunityId);
    else if (t.tier === "other") keyFor.get(t.contactId)?.delete(t.opportunityId);
  }
  const out = new Set<string>();
  for (const [contactId, opps] of keyFor) if (opps.size > 0) out.add(contactId);
  return out;
}
