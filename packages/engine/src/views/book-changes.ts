/**
 * How the book view follows a document: it observes each top-level Y.Map, moves every changed
 * key's old value out of the indexes and its new value in, and records what the change
 * touches — the opportunities that show the record, the contacts whose per-contact view to
 * recompute (every contact `oppsOfContact` names), the intents whose list membership may have
 * moved, whether the time zone may have moved (`meta.org`), whether the sync status or the order of opportunities must be recomputed.
 *
 * Invariant: every opportunity whose view could differ after a change is marked (a record marks
 * the opportunities that show it: its account's, its role's, its activity's, its intent's), so
 * re-deriving only the marked ones gives what a fresh view would. Nothing here writes to the
 * document.
 */
import type * as Y from "yjs";
import { normalizeEmail } from "../model/fields.js";
import type {
  AccountRecord,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
} from "../model/records.js";
import type { Intent, Interaction, Receipt } from "../model/schemas.js";
import { type ViewSource, whoIdsOf } from "./book-indexes.js";

/** What changed since the view last flushed. */
export interface ViewChanges {
  /** Opportunities to re-derive. */
  readonly opps: Set<string>;
  /** Contacts whose per-contact view (`contact-cache.ts`) to recompute. */
  readonly contacts: Set<string>;
  /** `meta.org` changed: the user's time zone may have moved. */
  org: boolean;
  /** Intents whose open/conflict/failed membership to refresh. */
  readonly intentLists: Set<string>;
  /** The sync status must be recomputed. */
  sync: boolean;
  /** The order of opportunities may have moved. */
  order: boolean;
  /** Some observed map changed. */
  any: boolean;
}

/** Nothing changed yet, except that order and sync status are still to be computed. */
export function createViewChanges(): ViewChanges {
  return {
    opps: new Set(),
    contacts: new Set(),
    org: false,
    intentLists: new Set(),
    sync: true,
    order: true,
    any: false,
  };
}

type Handle<V> = (key: string, oldValue: V | undefined, newValue: V | undefined) => void;
type KeyChanges<V> = Map<string, { action: "add" | "update" | "delete"; oldValue: V | undefined }>;

/** Marks the opportunities a record or an intent shows in. */
function createMarkers({ maps, ix }: ViewSource, changes: ViewChanges) {
  const opp = (id: string | null | undefined): void => {
    if (id !== null && id !== undefined) changes.opps.add(id);
  };
  const oppsOfAccount = (accountId: string | null | undefined): void => {
    for (const o of ix.oppsByAccount.get(accountId)) changes.opps.add(o);
  };
  const oppsOfContact = (contactId: string | null | undefined, contact?: ContactRecord): void => {
    if (contactId === null || contactId === undefined) return;
    changes.contacts.add(contactId);
    const c = contact ?? maps.contacts.get(contactId);
    if (c !== undefined) oppsOfAccount(c.AccountId);
    for (const roleId of ix.rolesByContact.get(contactId)) opp(maps.contactRoles.get(roleId)?.OpportunityId);
  };
  const oppsOfIntent = (intent: Intent | undefined, depth = 0): void => {
    if (intent === undefined) return;
    switch (intent.kind) {
      case "editField":
        if (intent.sobject === "Opportunity") opp(intent.recordId);
        else oppsOfContact(intent.recordId);
        break;
      case "logActivity":
        opp(intent.opportunityId);
        oppsOfContact(intent.contactId);
        break;
      case "setContactTier":
        opp(intent.opportunityId);
        break;
      case "cancel":
      case "resolveConflict":
        // One level only: devices cancel or resolve edits and logs, and a written chain must not recurse.
        if (depth === 0) oppsOfIntent(maps.intents.get(intent.intentId), 1);
        break;
    }
  };
  return { opp, oppsOfAccount, oppsOfContact, oppsOfIntent };
}

/** Per map, what a key change does to the indexes and to `changes`. */
function createHandlers(source: ViewSource, changes: ViewChanges) {
  const { maps, ix } = source;
  const mark = createMarkers(source, changes);
  const onOpp: Handle<OpportunityRecord> = (id, old, next) => {
    ix.indexOpp(id, old, false);
    ix.indexOpp(id, next, true);
    mark.opp(id);
    changes.order = true;
  };
  const onAccount: Handle<AccountRecord> = (id) => mark.oppsOfAccount(id);
  const onContact: Handle<ContactRecord> = (id, old, next) => {
    if (old !== undefined) mark.oppsOfContact(id, old);
    // An Event's next meeting names its contact, also on an opportunity that shows it by `WhatId`.
    for (const a of ix.activitiesByWho.get(id)) mark.opp(maps.activities.get(a)?.WhatId);
    ix.indexContact(id, old, false);
    ix.indexContact(id, next, true);
    if (next !== undefined) mark.oppsOfContact(id, next);
  };
  const onRole: Handle<ContactRoleRecord> = (id, old, next) => {
    ix.indexRole(id, old, false);
    ix.indexRole(id, next, true);
    mark.opp(old?.OpportunityId);
    mark.opp(next?.OpportunityId);
  };
  const onActivity: Handle<ActivityRecord> = (id, old, next) => {
    ix.indexActivity(id, old, false);
    ix.indexActivity(id, next, true);
    for (const a of [old, next]) {
      if (a === undefined) continue;
      mark.opp(a.WhatId);
      for (const who of whoIdsOf(a)) mark.oppsOfContact(who);
    }
    const logged = ix.intentBySalesforceId.get(id);
    if (logged !== undefined) mark.oppsOfIntent(maps.intents.get(logged));
  };
  const onInteraction: Handle<Interaction> = (id, old, next) => {
    ix.indexInteraction(id, old, false);
    ix.indexInteraction(id, next, true);
    for (const i of [old, next]) {
      if (i === undefined || typeof i.email !== "string") continue;
      for (const c of ix.contactsByEmail.get(normalizeEmail(i.email))) mark.oppsOfContact(c);
    }
  };
  const onIntent: Handle<Intent> = (id, old, next) => {
    ix.indexIntent(id, old, false);
    ix.indexIntent(id, next, true);
    mark.oppsOfIntent(old);
    mark.oppsOfIntent(next);
    changes.intentLists.add(id);
    for (const i of [old, next]) {
      if (i?.kind === "cancel" || i?.kind === "resolveConflict") changes.intentLists.add(i.intentId);
      if (i?.kind === "editField") for (const other of ix.editsByRecord.get(i.recordId)) changes.intentLists.add(other);
    }
    changes.sync = true;
  };
  const onReceipt: Handle<Receipt> = (id, old, next) => {
    ix.indexReceipt(old, false);
    ix.indexReceipt(next, true);
    mark.oppsOfIntent(maps.intents.get(id));
    // The Task a logged activity created shows at the time the user gave, for each of its contacts.
    for (const r of [old, next]) {
      const a = r?.salesforceId === undefined ? undefined : maps.activities.get(r.salesforceId);
      if (a === undefined) continue;
      mark.opp(a.WhatId);
      for (const who of whoIdsOf(a)) mark.oppsOfContact(who);
    }
    changes.intentLists.add(id);
    changes.sync = true;
  };
  const onMeta: Handle<unknown> = (key) => {
    changes.sync = true;
    if (key === "org") changes.org = true;
  };
  return { onOpp, onAccount, onContact, onRole, onActivity, onInteraction, onIntent, onReceipt, onMeta };
}

/**
 * Observes every map of the book, keeping `source.ix` current and recording in `changes` what
 * to re-derive; returns the function that stops observing.
 */
export function observeBook(source: ViewSource, changes: ViewChanges): () => void {
  const { maps } = source;
  const h = createHandlers(source, changes);
  const stops: Array<() => void> = [];
  const watch = <V>(map: Y.Map<V>, handle: Handle<V>): void => {
    const fn = (event: Y.YMapEvent<V>): void => {
      changes.any = true;
      for (const [key, change] of event.changes.keys as KeyChanges<V>) {
        handle(key, change.action === "add" ? undefined : change.oldValue, map.get(key));
      }
    };
    map.observe(fn);
    stops.push(() => map.unobserve(fn));
  };
  watch(maps.opportunities, h.onOpp);
  watch(maps.accounts, h.onAccount);
  watch(maps.contacts, h.onContact);
  watch(maps.contactRoles, h.onRole);
  watch(maps.activities, h.onActivity);
  watch(maps.interactions, h.onInteraction);
  watch(maps.intents, h.onIntent);
  watch(maps.receipts, h.onReceipt);
  watch(maps.meta, h.onMeta);
  return () => {
    for (const stop of stops) stop();
  };
}
