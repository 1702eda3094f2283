/**
 * The live, derived view of a book: indexes kept up to date from the Y.Maps' key changes, and
 * per-opportunity views recomputed only for the opportunities a change touches. The pieces:
 * `book-indexes.ts` (the indexes and intent lists), `book-changes.ts` (what a change touches),
 * `book-derive.ts` and `activity-items.ts` (the shapes derived from the document).
 *
 * Invariants: nothing here writes to the document; after every transaction the snapshot equals
 * what a fresh `createBookView` on the same document and clock would compute; an opportunity
 * view object is replaced only when something it shows changed, so UIs can compare by identity.
 * Time: what is past (Last Interaction), still to come (next meeting) or within the Key window
 * is judged by the `now` option when an opportunity is derived; time moving on changes no
 * document, so a UI calls {@link BookView.refresh} now and then (say each minute) to re-judge.
 *
 * Cost: a change to one record recomputes the contacts it touches (`contact-cache.ts`) and
 * re-derives the opportunities that show it (its account's or its role's opportunities), each in
 * time proportional to that opportunity's Key contacts and exceptions, activities and intents,
 * plus a copy of its account's shared list of Other contacts: a contact change in an account of
 * 20,000 contacts does not look at the other 19,999. A `meta.org` change to the user's time zone
 * re-judges everything. The ordered list in a snapshot is materialised when a snapshot is first read
 * after a change (one pass over the ordered ids, no re-derivation).
 */
import type * as Y from "yjs";
import { byHlc } from "../doc/intent-state.js";
import { bookMaps } from "../doc/layout.js";
import { DEFAULT_KEY_INTERACTION_WINDOW_DAYS } from "../reconcile/key-contacts.js";
import { createViewChanges, observeBook } from "./book-changes.js";
import { compareOpps, deriveIntentView, deriveOpportunity, deriveSync } from "./book-derive.js";
import { BookIndexes, IntentLists, type ViewSource } from "./book-indexes.js";
import { ContactCache } from "./contact-cache.js";
import { deriveOrg } from "./org-view.js";
import { createZone, type Zone } from "./time-order.js";
import type { BookSnapshot, IntentView, OpportunityView, OrgView, SyncView } from "./types.js";

/** The live view of one book document. */
export interface BookView {
  /** Registers a listener called once after every transaction that changed the view. */
  subscribe(listener: () => void): () => void;
  /** The current snapshot; the same object until something changes (for `useSyncExternalStore`). */
  getSnapshot(): BookSnapshot;
  /** One opportunity's view; the same object until something it shows changes. */
  getOpportunity(id: string): OpportunityView | undefined;
  /** One intent with its receipt. */
  getIntent(id: string): IntentView | undefined;
  /**
   * Re-derives every opportunity against the clock now (a meeting started, an interaction aged
   * out of the Key window); only views whose content changed get a new object, and listeners
   * are called only when one did.
   */
  refresh(): void;
  /** Stops observing the document. */
  dispose(): void;
}

/** Options of {@link createBookView}. */
export interface BookViewOptions {
  /** The view's clock; defaults to the system clock. */
  readonly now?: (() => Date) | undefined;
  /** How many days an email or meeting keeps a contact Key (the rule of `reconcile/key-contacts.ts`); 90 by default. */
  readonly interactionWindowDays?: number | undefined;
}

/** Equal views show the same: plain JSON, compared by text, the (long) Other list item by item. */
function sameOpportunity(a: OpportunityView, b: OpportunityView): boolean {
  if (a.otherContacts.length !== b.otherContacts.length) return false;
  for (let i = 0; i < a.otherContacts.length; i++) {
    const x = a.otherContacts[i];
    const y = b.otherContacts[i];
    if (x !== y && JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  const rest = (v: OpportunityView) => JSON.stringify(v, (key, value) => (key === "otherContacts" ? null : value));
  return rest(a) === rest(b);
}

const oldestFirst = (a: IntentView, b: IntentView) => byHlc(a.intent, b.intent);

function listOf(source: ViewSource, ids: Iterable<string>, order: (a: IntentView, b: IntentView) => number) {
  const out: IntentView[] = [];
  for (const id of ids) {
    const v = deriveIntentView(source, id);
    if (v !== undefined) out.push(v);
  }
  return out.sort(order);
}

/**
 * Creates the live view of a book document.
 *
 * @remarks Call {@link BookView.dispose} when done. Works on any replica (device or worker).
 * @example
 * ```ts
 * const view = createBookView(doc, { now: () => new Date() });
 * const book = useSyncExternalStore(view.subscribe, view.getSnapshot);
 * ```
 */
export function createBookView(doc: Y.Doc, options: BookViewOptions = {}): BookView {
  const maps = bookMaps(doc);
  const ix = new BookIndexes();
  const clock = {
    now: options.now ?? (() => new Date()),
    interactionWindowDays: options.interactionWindowDays ?? DEFAULT_KEY_INTERACTION_WINDOW_DAYS,
  };
  let zone: Zone = createZone(deriveOrg(maps).timeZone);
  const source: ViewSource = { maps, ix, clock, zone: () => zone };
  const contacts = new ContactCache(source);
  const lists = new IntentLists(maps, ix);
  const changes = createViewChanges();
  const cache = new Map<string, OpportunityView>();
  const listeners = new Set<() => void>();
  let orderedIds: string[] = [];
  let version = 0;
  let snapshot: BookSnapshot | null = null;
  let syncView: SyncView | null = null;
  let orgView: OrgView | null = null;

  // Initial build.
  ix.build(maps);
  for (const id of maps.intents.keys()) lists.refresh(id);
  const builtAt = clock.now().getTime();
  contacts.build(builtAt);
  for (const id of maps.opportunities.keys()) {
    const view = deriveOpportunity(source, contacts, id, builtAt);
    if (view !== undefined) cache.set(id, view);
  }
  const stopObserving = observeBook(source, changes);

  /** A new time zone re-judges every contact and opportunity. */
  const followZone = (): void => {
    changes.org = false;
    const timeZone = deriveOrg(maps).timeZone;
    if (timeZone === zone.timeZone) return;
    zone = createZone(timeZone);
    for (const id of contacts.allIds()) changes.contacts.add(id);
    for (const id of maps.opportunities.keys()) changes.opps.add(id);
    for (const id of cache.keys()) changes.opps.add(id);
  };
  const flush = (): void => {
    if (!changes.any) return;
    changes.any = false;
    if (changes.org) followZone();
    const nowMs = clock.now().getTime();
    contacts.update(changes.contacts, nowMs);
    changes.contacts.clear();
    for (const id of changes.opps) {
      const prev = cache.get(id);
      const next = deriveOpportunity(source, contacts, id, nowMs);
      if (next === undefined) {
        if (prev !== undefined) changes.order = true;
        cache.delete(id);
      } else {
        if (prev === undefined || compareOpps(prev, next) !== 0) changes.order = true;
        cache.set(id, next);
      }
    }
    changes.opps.clear();
    for (const id of changes.intentLists) lists.refresh(id);
    if (changes.intentLists.size > 0) changes.sync = true;
    changes.intentLists.clear();
    if (changes.sync) {
      syncView = null;
      orgView = null;
    }
    changes.sync = false;
    version++;
    snapshot = null;
    for (const listener of [...listeners]) listener();
  };
  const onAfterTransaction = (): void => flush();
  doc.on("afterTransaction", onAfterTransaction);

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot() {
      if (snapshot !== null) return snapshot;
      if (changes.order) {
        orderedIds = [...cache.values()].sort(compareOpps).map((v) => v.id);
        changes.order = false;
      }
      const opportunities: OpportunityView[] = [];
      for (const id of orderedIds) {
        const v = cache.get(id);
        if (v !== undefined) opportunities.push(v);
      }
      if (syncView === null) syncView = deriveSync(source, lists);
      if (orgView === null) orgView = deriveOrg(maps);
      snapshot = {
        version,
        opportunities,
        pending: listOf(source, lists.open, oldestFirst),
        conflicts: listOf(source, lists.conflicts, oldestFirst),
        failed: listOf(source, lists.failed, (a, b) => -oldestFirst(a, b)),
        sync: syncView,
        org: orgView,
      };
      return snapshot;
    },
    getOpportunity(id) {
      return cache.get(id);
    },
    getIntent(id) {
      return deriveIntentView(source, id);
    },
    refresh() {
      const nowMs = clock.now().getTime();
      // Contacts whose view did not change keep their objects, so comparing by identity first is cheap.
      contacts.update(contacts.allIds(), nowMs);
      for (const [id, prev] of cache) {
        const next = deriveOpportunity(source, contacts, id, nowMs);
        if (next !== undefined && !sameOpportunity(prev, next)) changes.opps.add(id);
      }
      if (changes.opps.size === 0) return;
      changes.any = true;
      flush();
    },
    dispose() {
      doc.off("afterTransaction", onAfterTransaction);
      stopObserving();
      listeners.clear();
    },
  };
}
