/**
 * The reverse indexes the book view keeps over a document, and the open/conflict/failed intent
 * sets its snapshot lists. The view updates them from each Y.Map key change (old value out, new
 * value in), so every lookup the derivation makes costs the size of its answer, not of the book.
 *
 * Invariants: after {@link BookIndexes.build} and every change applied with the `index*`
 * methods, each index holds exactly the entries a fresh build over the same document would;
 * nothing here writes to the document. Intents are immutable once written, so an intent's
 * index entries only ever come and go whole.
 */
import { byHlc, receiptStatus } from "../doc/intent-state.js";
import type { BookMaps } from "../doc/layout.js";
import { normalizeEmail } from "../model/fields.js";
import type { ActivityRecord, ContactRecord, ContactRoleRecord, OpportunityRecord } from "../model/records.js";
import type { Intent, Interaction, Receipt } from "../model/schemas.js";
import { isFinalStatus } from "../model/schemas.js";
import type { Zone } from "./time-order.js";

const EMPTY: ReadonlySet<never> = new Set();

/** A map from a key to a set of values; `null`/`undefined` keys hold nothing. */
export class MultiIndex<K, V> {
  private readonly map = new Map<K, Set<V>>();
  add(key: K | null | undefined, value: V): void {
    if (key === null || key === undefined) return;
    let set = this.map.get(key);
    if (set === undefined) {
      set = new Set();
      this.map.set(key, set);
    }
    set.add(value);
  }
  remove(key: K | null | undefined, value: V): void {
    if (key === null || key === undefined) return;
    const set = this.map.get(key);
    if (set === undefined) return;
    set.delete(value);
    if (set.size === 0) this.map.delete(key);
  }
  get(key: K | null | undefined): ReadonlySet<V> {
    if (key === null || key === undefined) return EMPTY;
    return this.map.get(key) ?? EMPTY;
  }
}

/**
 * Every contact an activity relates to: its `WhoIds` (a shared activity's TaskRelation /
 * EventRelation contacts) and its `WhoId`, each once, `WhoId` first.
 */
export function whoIdsOf(a: ActivityRecord): string[] {
  const out: string[] = a.WhoId === null ? [] : [a.WhoId];
  for (const w of a.WhoIds ?? []) if (!out.includes(w)) out.push(w);
  return out;
}

/** Reverse indexes over the mirror, the interactions and the intents of one book. */
export class BookIndexes {
  // Over the mirror.
  readonly oppsByAccount = new MultiIndex<string, string>();
  readonly contactsByAccount = new MultiIndex<string, string>();
  readonly contactsByEmail = new MultiIndex<string, string>();
  readonly rolesByOpp = new MultiIndex<string, string>();
  readonly rolesByContact = new MultiIndex<string, string>();
  readonly activitiesByWho = new MultiIndex<string, string>();
  readonly activitiesByWhat = new MultiIndex<string, string>();
  readonly interactionsByEmail = new MultiIndex<string, string>();
  // Over intents and receipts.
  readonly editsByRecord = new MultiIndex<string, string>();
  readonly loggedByContact = new MultiIndex<string, string>();
  readonly loggedByOpp = new MultiIndex<string, string>();
  readonly tiersByOpp = new MultiIndex<string, string>();
  readonly refsByTarget = new MultiIndex<string, string>();
  readonly intentBySalesforceId = new Map<string, string>();

  /** Indexes everything in `maps` (on a fresh instance). */
  build(maps: BookMaps): void {
    for (const [id, o] of maps.opportunities.entries()) this.indexOpp(id, o, true);
    for (const [id, c] of maps.contacts.entries()) this.indexContact(id, c, true);
    for (const [id, r] of maps.contactRoles.entries()) this.indexRole(id, r, true);
    for (const [id, a] of maps.activities.entries()) this.indexActivity(id, a, true);
    for (const [id, i] of maps.interactions.entries()) this.indexInteraction(id, i, true);
    for (const [id, i] of maps.intents.entries()) this.indexIntent(id, i, true);
    for (const r of maps.receipts.values()) this.indexReceipt(r, true);
  }

  indexOpp(id: string, o: OpportunityRecord | undefined, add: boolean): void {
    if (o === undefined) return;
    if (add) this.oppsByAccount.add(o.AccountId, id);
    else this.oppsByAccount.remove(o.AccountId, id);
  }

  indexContact(id: string, c: ContactRecord | undefined, add: boolean): void {
    if (c === undefined) return;
    const email = c.Email === null ? null : normalizeEmail(c.Email);
    if (add) {
      this.contactsByAccount.add(c.AccountId, id);
      this.contactsByEmail.add(email, id);
    } else {
      this.contactsByAccount.remove(c.AccountId, id);
      this.contactsByEmail.remove(email, id);
    }
  }

  indexRole(id: string, r: ContactRoleRecord | undefined, add: boolean): void {
    if (r === undefined) return;
    if (add) {
      this.rolesByOpp.add(r.OpportunityId, id);
      this.rolesByContact.add(r.ContactId, id);
    } else {
      this.rolesByOpp.remove(r.OpportunityId, id);
      this.rolesByContact.remove(r.ContactId, id);
    }
  }

  indexActivity(id: string, a: ActivityRecord | undefined, add: boolean): void {
    if (a === undefined) return;
    // A shared activity is indexed under every contact it relates to.
    const op = add ? "add" : "remove";
    for (const who of whoIdsOf(a)) this.activitiesByWho[op](who, id);
    this.activitiesByWhat[op](a.WhatId, id);
  }

  indexInteraction(id: string, i: Interaction | undefined, add: boolean): void {
    if (i === undefined || typeof i.email !== "string") return;
    if (add) this.interactionsByEmail.add(normalizeEmail(i.email), id);
    else this.interactionsByEmail.remove(normalizeEmail(i.email), id);
  }

  indexIntent(id: string, i: Intent | undefined, add: boolean): void {
    if (i === undefined) return;
    const op = add ? "add" : "remove";
    switch (i.kind) {
      case "editField":
        this.editsByRecord[op](i.recordId, id);
        break;
      case "logActivity":
        this.loggedByContact[op](i.contactId, id);
        this.loggedByOpp[op](i.opportunityId, id);
        break;
      case "setContactTier":
        this.tiersByOpp[op](i.opportunityId, id);
        break;
      case "cancel":
      case "resolveConflict":
        this.refsByTarget[op](i.intentId, id);
        break;
    }
  }

  indexReceipt(r: Receipt | undefined, add: boolean): void {
    if (r?.salesforceId === undefined) return;
    if (add) this.intentBySalesforceId.set(r.salesforceId, r.intentId);
    else if (this.intentBySalesforceId.get(r.salesforceId) === r.intentId) {
      this.intentBySalesforceId.delete(r.salesforceId);
    }
  }
}

/** The view's clock and the Key-contact rule's interaction window (`createBookView`'s options). */
export interface ViewClock {
  readonly now: () => Date;
  readonly interactionWindowDays: number;
}

/** What the view's derivation reads: the document's maps, the indexes over them, the clock and the user's time zone. */
export interface ViewSource {
  readonly maps: BookMaps;
  readonly ix: BookIndexes;
  readonly clock: ViewClock;
  /** Time judged in the user's time zone (`meta.org.timeZone`, UTC when unknown), as of the last flush. */
  readonly zone: () => Zone;
}

/**
 * The intents a snapshot lists: open (not final), open conflicts, and failed.
 *
 * Invariant: after {@link IntentLists.refresh} of an intent, its membership in each set matches
 * the document; the view refreshes every intent whose receipt, references or later edits changed.
 */
export class IntentLists {
  readonly open = new Set<string>();
  readonly conflicts = new Set<string>();
  readonly failed = new Set<string>();

  private readonly maps: BookMaps;
  private readonly ix: BookIndexes;

  constructor(maps: BookMaps, ix: BookIndexes) {
    this.maps = maps;
    this.ix = ix;
  }

  refresh(intentId: string): void {
    const intent = this.maps.intents.get(intentId);
    const status = receiptStatus(this.maps.receipts, intentId);
    if (intent !== undefined && !isFinalStatus(status)) this.open.add(intentId);
    else this.open.delete(intentId);
    if (intent !== undefined && this.isConflictOpen(intentId)) this.conflicts.add(intentId);
    else this.conflicts.delete(intentId);
    if (intent !== undefined && status === "failed") this.failed.add(intentId);
    else this.failed.delete(intentId);
  }

  private isConflictOpen(intentId: string): boolean {
    const { maps, ix } = this;
    const intent = maps.intents.get(intentId);
    if (intent?.kind !== "editField" || receiptStatus(maps.receipts, intentId) !== "conflict") return false;
    for (const ref of ix.refsByTarget.get(intentId))
      if (maps.intents.get(ref)?.kind === "resolveConflict") return false;
    // A later edit of the same field (re-applying mine, or a new value) also closes it.
    for (const other of ix.editsByRecord.get(intent.recordId)) {
      const o = maps.intents.get(other);
      if (o?.kind === "editField" && o.field === intent.field && byHlc(intent, o) < 0) return false;
    }
    return true;
  }
}
