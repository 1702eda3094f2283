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
 *
 * Building: `createBookViewInSteps` is the build as a generator the caller drives (a client yields
 * to the browser between steps); `createBookView` drives it to the end in one call, with the
 * one-pass index and contact builds. Both give the same view: the stepped build indexes the
 * records in `BookIndexes.build`'s order (`book-index-steps.ts`), computes contacts by
 * `ContactCache.update` on the empty cache (what `build` computes, `contact-cache.ts`), and
 * re-derives at its end whatever changed between its steps.
 */
import type * as Y from "yjs";
import { byHlc } from "../doc/intent-state.js";
import { type BookMaps, bookMaps } from "../doc/layout.js";
import { DEFAULT_KEY_INTERACTION_WINDOW_DAYS } from "../reconcile/key-contacts.js";
import { createViewChanges, observeBook, type ViewChanges } from "./book-changes.js";
import { compareOpps, deriveIntentView, deriveOpportunity, deriveSync } from "./book-derive.js";
import { indexBookInSteps } from "./book-index-steps.js";
import { type BookIndexes, IntentLists, type ViewSource } from "./book-indexes.js";
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

/** Opportunities derived per step of {@link createBookViewInSteps} unless told otherwise. */
export const BOOK_VIEW_STEP_OPPORTUNITIES = 250;

/**
 * Creates the live view of a book document.
 *
 * @remarks Call {@link BookView.dispose} when done. Works on any replica (device or worker).
 * Builds the view in one call; {@link createBookViewInSteps} builds the same view in steps.
 * @example
 * ```ts
 * const view = createBookView(doc, { now: () => new Date() });
 * const book = useSyncExternalStore(view.subscribe, view.getSnapshot);
 * ```
 */
export function createBookView(doc: Y.Doc, options: BookViewOptions = {}): BookView {
  const steps = createBookViewInSteps(doc, options, Number.POSITIVE_INFINITY);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/** Per step of {@link createBookViewInSteps}, records indexed and contacts computed per opportunity derived (about the same time). */
const INDEX_PER_OPPORTUNITY = 80;
const CONTACTS_PER_OPPORTUNITY = 12;

/**
 * {@link createBookView} in steps: a generator that pauses about every time it has done the work
 * of deriving `every` opportunities — while indexing the book's records, computing its contacts
 * and deriving its opportunities — and before reading the first snapshot, then returns the view:
 * the one `createBookView` would return on the document as it is when the last step ends, with
 * its first snapshot already read.
 *
 * @remarks The document may change between steps (a sync message, a local write): a change while
 * the records are indexed starts the indexing over (three times at most, then the rest is one
 * step); after that the view follows the document, and the last step re-derives what the changes
 * touched, without notifying anyone (there are no listeners yet) and at snapshot version 0.
 * Abandoning the build midway, call `return()` on the generator so that it stops observing the
 * document.
 * @example
 * ```ts
 * const steps = createBookViewInSteps(doc, {}, 500);
 * let step = steps.next();
 * for (; !step.done; step = steps.next()) await new Promise((r) => setTimeout(r));
 * const view = step.value;
 * ```
 */
export function* createBookViewInSteps(
  doc: Y.Doc,
  options: BookViewOptions = {},
  every: number = BOOK_VIEW_STEP_OPPORTUNITIES,
): Generator<void, BookView, void> {
  const stepped = Number.isFinite(every);
  const maps = bookMaps(doc);
  const ix = yield* indexBookInSteps(doc, maps, every * INDEX_PER_OPPORTUNITY);
  // In the indexing's last step: from here on every change keeps the indexes current and marks
  // what it touches, to re-derive once the build ends (or at once, after it).
  const state = createState(maps, ix, options);
  const { source, contacts, lists, changes, cache, clock } = state;
  let built = false;
  const onAfterTransaction = (): void => {
    if (built) flushAndNotify(state);
  };
  const stopObserving = observeBook(source, changes);
  doc.on("afterTransaction", onAfterTransaction);
  try {
    for (const id of maps.intents.keys()) lists.refresh(id);
    yield;
    const builtAt = clock.now().getTime();
    if (!stepped) contacts.build(builtAt);
    else {
      // On an empty cache, updating every contact computes what `build` does (contact-cache.ts).
      const ids = [...maps.contacts.keys()];
      const perStep = every * CONTACTS_PER_OPPORTUNITY;
      for (let i = 0; i < ids.length; i += perStep) {
        contacts.update(ids.slice(i, i + perStep), builtAt);
        yield;
      }
    }
    let derived = 0;
    for (const id of stepped ? [...maps.opportunities.keys()] : maps.opportunities.keys()) {
      const view = deriveOpportunity(source, contacts, id, builtAt);
      if (view !== undefined) cache.set(id, view);
      if (++derived % every === 0) yield;
    }
    yield;
    // What changed during the build, as a fresh view would show it; still version 0.
    applyChanges(state);
    built = true;
  } finally {
    if (!built) {
      doc.off("afterTransaction", onAfterTransaction);
      stopObserving();
    }
  }
  const view = viewOf(state, () => {
    doc.off("afterTransaction", onAfterTransaction);
    stopObserving();
  });
  view.getSnapshot();
  return view;
}

/** Everything a view holds: the document's maps, the indexes and caches derived from it. */
interface ViewState {
  readonly maps: BookMaps;
  readonly ix: BookIndexes;
  readonly clock: ViewSource["clock"];
  zone: Zone;
  readonly source: ViewSource;
  readonly contacts: ContactCache;
  readonly lists: IntentLists;
  readonly changes: ViewChanges;
  readonly cache: Map<string, OpportunityView>;
  readonly listeners: Set<() => void>;
  orderedIds: string[];
  version: number;
  snapshot: BookSnapshot | null;
  syncView: SyncView | null;
  orgView: OrgView | null;
}

function createState(maps: BookMaps, ix: BookIndexes, options: BookViewOptions): ViewState {
  const clock = {
    now: options.now ?? (() => new Date()),
    interactionWindowDays: options.interactionWindowDays ?? DEFAULT_KEY_INTERACTION_WINDOW_DAYS,
  };
  let zone: Zone = createZone(deriveOrg(maps).timeZone);
  const source: ViewSource = { maps, ix, clock, zone: () => zone };
  return {
    maps,
    ix,
    clock,
    get zone() {
      return zone;
    },
    set zone(next: Zone) {
      zone = next;
    },
    source,
    contacts: new ContactCache(source),
    lists: new IntentLists(maps, ix),
    changes: createViewChanges(),
    cache: new Map(),
    listeners: new Set(),
    orderedIds: [],
    version: 0,
    snapshot: null,
    syncView: null,
    orgView: null,
  };
}

/** A new time zone re-judges every contact and opportunity. */
function followZone(state: ViewState): void {
  const { changes, maps, contacts, cache } = state;
  changes.org = false;
  const timeZone = deriveOrg(maps).timeZone;
  if (timeZone === state.zone.timeZone) return;
  state.zone = createZone(timeZone);
  for (const id of contacts.allIds()) changes.contacts.add(id);
  for (const id of maps.opportunities.keys()) changes.opps.add(id);
  for (const id of cache.keys()) changes.opps.add(id);
}

/** Re-derives what the recorded changes touched; `false` if nothing had changed. */
function applyChanges(state: ViewState): boolean {
  const { changes, contacts, cache, source, lists } = state;
  if (!changes.any) return false;
  changes.any = false;
  if (changes.org) followZone(state);
  const nowMs = state.clock.now().getTime();
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
    state.syncView = null;
    state.orgView = null;
  }
  changes.sync = false;
  state.snapshot = null;
  return true;
}

/** After a transaction: re-derives, then a new snapshot version and the listeners. */
function flushAndNotify(state: ViewState): void {
  if (!applyChanges(state)) return;
  state.version++;
  for (const listener of [...state.listeners]) listener();
}

function snapshotOf(state: ViewState): BookSnapshot {
  const { changes, cache, source, lists, maps } = state;
  if (changes.order) {
    state.orderedIds = [...cache.values()].sort(compareOpps).map((v) => v.id);
    changes.order = false;
  }
  const opportunities: OpportunityView[] = [];
  for (const id of state.orderedIds) {
    const v = cache.get(id);
    if (v !== undefined) opportunities.push(v);
  }
  if (state.syncView === null) state.syncView = deriveSync(source, lists);
  if (state.orgView === null) state.orgView = deriveOrg(maps);
  return {
    version: state.version,
    opportunities,
    pending: listOf(source, lists.open, oldestFirst),
    conflicts: listOf(source, lists.conflicts, oldestFirst),
    failed: listOf(source, lists.failed, (a, b) => -oldestFirst(a, b)),
    sync: state.syncView,
    org: state.orgView,
  };
}

function viewOf(state: ViewState, stop: () => void): BookView {
  const { listeners, cache, source, contacts, changes } = state;
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot() {
      if (state.snapshot === null) state.snapshot = snapshotOf(state);
      return state.snapshot;
    },
    getOpportunity(id) {
      return cache.get(id);
    },
    getIntent(id) {
      return deriveIntentView(source, id);
    },
    refresh() {
      const nowMs = state.clock.now().getTime();
      // Contacts whose view did not change keep their objects, so comparing by identity first is cheap.
      contacts.update(contacts.allIds(), nowMs);
      for (const [id, prev] of cache) {
        const next = deriveOpportunity(source, contacts, id, nowMs);
        if (next !== undefined && !sameOpportunity(prev, next)) changes.opps.add(id);
      }
      if (changes.opps.size === 0) return;
      changes.any = true;
      flushAndNotify(state);
    },
    dispose() {
      stop();
      listeners.clear();
    },
  };
}
