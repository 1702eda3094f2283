/**
 * What the book view knows of each contact independently of any opportunity, cached per
 * contact: the contact with its pending edits overlaid, its last interaction, its next meeting
 * and its interaction evidence (the Key rule's emails and meetings in the window). And, per
 * account, the sorted list of the views of its contacts that every opportunity of that account
 * shows alike: Other, without evidence or override ("plain"). An opportunity's Other contacts
 * are that list with its few exceptions spliced in and out (`spliceSorted`), so a contact
 * change costs that contact and a copy of a list, not a re-derivation of every contact of the
 * account for every opportunity (issue 20, "Scale").
 *
 * Invariants: after {@link ContactCache.update} of every contact a change may touch (the view
 * marks them, `book-changes.ts`), each core and each account list equals what
 * {@link ContactCache.build} would compute at the same clock; an unchanged core keeps its
 * object, so a plain view is one object shared by identity by every opportunity showing it;
 * account lists are never mutated once handed out (copy on write). Nothing here writes to the
 * document.
 */
import { byHlc, receiptStatus } from "../doc/intent-state.js";
import { normalizeEmail } from "../model/fields.js";
import { CONTACT_SHAPE, OPPORTUNITY_SHAPE } from "../model/record-shapes.js";
import type { ContactRecord } from "../model/records.js";
import type { EditFieldIntent, Interaction, ReceiptStatus } from "../model/schemas.js";
import { isFinalStatus } from "../model/schemas.js";
import { type InteractionWindow, interactionWindow, isInWindow } from "../reconcile/key-contacts.js";
import { contactLastInteraction, contactNextMeeting } from "./activity-items.js";
import { MultiIndex, type ViewSource } from "./book-indexes.js";
import type { ContactView, KeyEvidence, LastInteraction, NextMeeting } from "./types.js";

/** The latest open edit of one field. */
export type OpenEdit = { readonly intent: EditFieldIntent; readonly status: ReceiptStatus };

/** The latest open edit (by HLC) of each field of one record. */
export function openEdits({ maps, ix }: ViewSource, recordId: string): Map<string, OpenEdit> {
  const out = new Map<string, OpenEdit>();
  for (const id of ix.editsByRecord.get(recordId)) {
    const intent = maps.intents.get(id);
    if (intent?.kind !== "editField") continue;
    const status = receiptStatus(maps.receipts, id);
    if (isFinalStatus(status)) continue;
    const prev = out.get(intent.field);
    if (prev === undefined || byHlc(prev.intent, intent) < 0) out.set(intent.field, { intent, status });
  }
  return out;
}

const CORE_FIELDS = {
  Opportunity: new Set(Object.keys(OPPORTUNITY_SHAPE.fields)),
  Contact: new Set(Object.keys(CONTACT_SHAPE.fields)),
} as const;

/**
 * A record with open edits overlaid: a field of the record's shape on the record, any other
 * field (a configured extra field, `Competitor__c`) in its `extra`.
 */
export function overlayEdits<R extends { readonly extra?: unknown }>(
  record: R,
  sobject: "Opportunity" | "Contact",
  edits: ReadonlyMap<string, OpenEdit>,
): R {
  const patched: Record<string, unknown> = { ...record };
  let extra: Record<string, unknown> | null = null;
  for (const [field, e] of edits) {
    if (CORE_FIELDS[sobject].has(field) || field === "extra") {
      if (field !== "extra") patched[field] = e.intent.value;
      continue;
    }
    extra ??= { ...((record.extra as Record<string, unknown> | undefined) ?? {}) };
    extra[field] = e.intent.value;
  }
  if (extra !== null) patched.extra = extra;
  return patched as R;
}

/** A contact with its open edits overlaid (its `Name` follows edited first and last names). */
function overlayContact(source: ViewSource, c: ContactRecord): { contact: ContactRecord; pending: string[] } {
  const edits = openEdits(source, c.Id);
  if (edits.size === 0) return { contact: c, pending: [] };
  const patched = overlayEdits(c, "Contact", edits) as ContactRecord & Record<string, unknown>;
  if (edits.has("FirstName") || edits.has("LastName")) {
    const first = patched.FirstName;
    (patched as Record<string, unknown>).Name = [
      typeof first === "string" && first !== "" ? first : null,
      patched.LastName,
    ]
      .filter((x) => x !== null)
      .join(" ");
  }
  return { contact: patched, pending: [...edits.keys()] };
}

/** The latest email and the latest meeting with an address within the window, as Key evidence (with its date). */
function interactionEvidence({ maps, ix }: ViewSource, email: string, window: InteractionWindow): KeyEvidence[] {
  const best = new Map<"email" | "meeting", { i: Interaction; ms: number }>();
  for (const iid of ix.interactionsByEmail.get(normalizeEmail(email))) {
    const i = maps.interactions.get(iid);
    if (i === undefined || typeof i.at !== "string" || !isInWindow(i.at, window)) continue;
    const ms = Date.parse(i.at);
    const prev = best.get(i.kind);
    // Ties go to the smaller id, whatever order the index holds them in.
    if (prev === undefined || prev.ms < ms || (prev.ms === ms && i.id < prev.i.id)) best.set(i.kind, { i, ms });
  }
  return [...best.values()].map(
    ({ i }): KeyEvidence => ({
      kind: "interaction",
      interactionId: i.id,
      interaction: i.kind,
      at: i.at,
      source: i.source,
    }),
  );
}

/** What the view knows of one contact, whatever the opportunity. */
export interface ContactCore {
  readonly accountId: string | null;
  /** The contact with its pending edits overlaid. */
  readonly contact: ContactRecord;
  readonly pending: ReadonlyArray<string>;
  readonly lastInteraction: LastInteraction | null;
  readonly nextMeeting: NextMeeting | null;
  /** The emails and meetings in the window that make the contact Key at every opportunity of its account. */
  readonly interactionEvidence: ReadonlyArray<KeyEvidence>;
  /** The contact as Other without evidence or override: the one object every such opportunity shows. */
  readonly plain: ContactView;
}

/** Contact views by name, then id (a total order: a live view and a fresh one list alike). */
export const byName = (a: ContactView, b: ContactView): number =>
  a.contact.Name < b.contact.Name
    ? -1
    : a.contact.Name > b.contact.Name
      ? 1
      : a.contact.Id < b.contact.Id
        ? -1
        : a.contact.Id > b.contact.Id
          ? 1
          : 0;

/** The first index of `sorted` whose item is not before `v`. */
function lowerBound(sorted: ReadonlyArray<ContactView>, v: ContactView): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (byName(sorted[mid] as ContactView, v) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `sorted` (by {@link byName}) without the items of `removes` (by identity; absent ones are
 * ignored) and with `adds`, still sorted; `sorted` itself when there is nothing to do. Never
 * mutates its inputs. Cost: O(k log n) searches, one copy of the list and k in-place moves.
 */
export function spliceSorted(
  sorted: ReadonlyArray<ContactView>,
  removes: ReadonlyArray<ContactView>,
  adds: ReadonlyArray<ContactView>,
): ReadonlyArray<ContactView> {
  if (removes.length === 0 && adds.length === 0) return sorted;
  const out = sorted.slice();
  for (const r of removes) {
    for (let i = lowerBound(out, r); i < out.length && byName(out[i] as ContactView, r) === 0; i++) {
      if (out[i] === r) {
        out.splice(i, 1);
        break;
      }
    }
  }
  for (const v of adds) out.splice(lowerBound(out, v), 0, v);
  return out;
}

const NONE: ReadonlyArray<ContactView> = [];

/** Per-contact cores and per-account plain Other lists, kept current by {@link ContactCache.update}. */
export class ContactCache {
  private readonly cores = new Map<string, ContactCore>();
  private readonly plainByAccount = new Map<string, ReadonlyArray<ContactView>>();
  /** Per account, the contacts with interaction evidence (Key by the rule at its every opportunity). */
  private readonly evidenced = new MultiIndex<string, string>();
  private readonly source: ViewSource;

  constructor(source: ViewSource) {
    this.source = source;
  }

  /** The core of a contact in the mirror, else `undefined`. */
  core(contactId: string): ContactCore | undefined {
    return this.cores.get(contactId);
  }

  /** The plain Other views of an account's contacts, by name. */
  plainOthers(accountId: string | null): ReadonlyArray<ContactView> {
    return accountId === null ? NONE : (this.plainByAccount.get(accountId) ?? NONE);
  }

  /** The contacts at an account with interaction evidence. */
  evidencedAt(accountId: string | null): ReadonlySet<string> {
    return this.evidenced.get(accountId);
  }

  /** Computes every contact of the mirror (on a fresh or emptied cache). */
  build(nowMs: number): void {
    const window = this.windowAt(nowMs);
    const lists = new Map<string, ContactView[]>();
    for (const [id, c] of this.source.maps.contacts.entries()) {
      const core = this.compute(c, nowMs, window);
      this.cores.set(id, core);
      if (core.accountId === null) continue;
      if (core.interactionEvidence.length > 0) this.evidenced.add(core.accountId, id);
      else {
        const list = lists.get(core.accountId) ?? [];
        list.push(core.plain);
        lists.set(core.accountId, list);
      }
    }
    for (const [account, list] of lists) this.plainByAccount.set(account, list.sort(byName));
  }

  /** Recomputes the given contacts at `nowMs`; returns the ids whose core changed. */
  update(contactIds: Iterable<string>, nowMs: number): Set<string> {
    const window = this.windowAt(nowMs);
    const changed = new Set<string>();
    const edits = new Map<string, { removes: ContactView[]; adds: ContactView[] }>();
    const editOf = (account: string) => {
      let e = edits.get(account);
      if (e === undefined) {
        e = { removes: [], adds: [] };
        edits.set(account, e);
      }
      return e;
    };
    for (const id of contactIds) {
      const old = this.cores.get(id);
      const c = this.source.maps.contacts.get(id);
      let next = c === undefined ? undefined : this.compute(c, nowMs, window);
      if (old !== undefined && next !== undefined && sameCore(old, next)) next = old;
      if (old === next) continue;
      changed.add(id);
      if (next === undefined) this.cores.delete(id);
      else this.cores.set(id, next);
      if (old?.accountId != null) {
        if (old.interactionEvidence.length > 0) this.evidenced.remove(old.accountId, id);
        else editOf(old.accountId).removes.push(old.plain);
      }
      if (next?.accountId != null) {
        if (next.interactionEvidence.length > 0) this.evidenced.add(next.accountId, id);
        else editOf(next.accountId).adds.push(next.plain);
      }
    }
    for (const [account, e] of edits) {
      const list = spliceSorted(this.plainOthers(account), e.removes, e.adds);
      if (list.length === 0) this.plainByAccount.delete(account);
      else this.plainByAccount.set(account, list);
    }
    return changed;
  }

  /** Every contact id the cache holds or the mirror has (for a re-judgement of them all). */
  allIds(): Set<string> {
    return new Set([...this.cores.keys(), ...this.source.maps.contacts.keys()]);
  }

  private windowAt(nowMs: number): InteractionWindow {
    return interactionWindow({ now: new Date(nowMs), interactionWindowDays: this.source.clock.interactionWindowDays });
  }

  private compute(c: ContactRecord, nowMs: number, window: InteractionWindow): ContactCore {
    const source = this.source;
    const { contact, pending } = overlayContact(source, c);
    const lastInteraction = contactLastInteraction(source, c, nowMs);
    const nextMeeting = contactNextMeeting(source, c.Id, nowMs);
    const plain: ContactView = {
      contact,
      tier: "other",
      evidence: [],
      override: null,
      pendingFields: pending,
      lastInteraction,
      nextMeeting,
    };
    return {
      accountId: c.AccountId,
      contact,
      pending,
      lastInteraction,
      nextMeeting,
      interactionEvidence: c.Email === null ? [] : interactionEvidence(source, c.Email, window),
      plain,
    };
  }
}

/** Equal cores show the same (views are plain JSON, so equal text is equal content). */
function sameCore(a: ContactCore, b: ContactCore): boolean {
  return (
    a.accountId === b.accountId &&
    JSON.stringify(a.plain) === JSON.stringify(b.plain) &&
    JSON.stringify(a.interactionEvidence) === JSON.stringify(b.interactionEvidence)
  );
}
