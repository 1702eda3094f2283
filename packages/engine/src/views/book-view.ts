/**
 * The live, derived view of a book: indexes kept up to date from the Y.Maps' key changes, and
 * per-opportunity views recomputed only for the opportunities a change touches.
 *
 * Invariants: nothing here writes to the document; after every transaction the snapshot equals
 * what a fresh `createBookView` on the same document would compute; an opportunity view object
 * is replaced only when something it shows changed, so UIs can compare by identity.
 *
 * Cost: a change to one record re-derives the opportunities that show it (its account's or its
 * role's opportunities), each in time proportional to that opportunity's contacts, activities
 * and intents. The ordered list in a snapshot is materialised when a snapshot is first read
 * after a change (one pass over the ordered ids, no re-derivation).
 */
import type * as Y from "yjs";
import { byHlc } from "../doc/intent-state.js";
import { bookMaps } from "../doc/layout.js";
import { normalizeEmail } from "../model/fields.js";
import type {
  AccountRecord,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
} from "../model/records.js";
import type { Intent, Interaction, Receipt, ReceiptStatus, SyncStatus } from "../model/schemas.js";
import { isFinalStatus } from "../model/schemas.js";
import type {
  ActivityItem,
  ActivityStatus,
  BookSnapshot,
  ContactView,
  IntentView,
  KeyEvidence,
  LastInteraction,
  OpportunityView,
  PendingField,
  SyncView,
} from "./types.js";

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
  /** Stops observing the document. */
  dispose(): void;
}

class MultiIndex<K, V> {
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
const EMPTY: ReadonlySet<never> = new Set();

const activityAt = (a: ActivityRecord): string | null => a.StartDateTime ?? a.ActivityDate;

const latest = (a: LastInteraction | null, b: LastInteraction | null): LastInteraction | null =>
  a === null ? b : b === null ? a : b.at > a.at ? b : a;

/** An open Task is a to-do (often due later), not something that happened with a contact. */
function isOpenTask(a: ActivityRecord | undefined): boolean {
  return a !== undefined && a.Type === "Task" && a.Status !== "Completed";
}

function loggedStatus(status: ReceiptStatus): ActivityStatus | null {
  switch (status) {
    case "pending":
      return "queued";
    case "sending":
      return "sending";
    case "applied":
      return "in-salesforce";
    case "failed":
      return "failed";
    default:
      return null;
  }
}

function compareOpps(a: OpportunityView, b: OpportunityView): number {
  const ka = a.record.CloseDate;
  const kb = b.record.CloseDate;
  if (ka !== kb) return ka < kb ? -1 : 1;
  if (a.record.Name !== b.record.Name) return a.record.Name < b.record.Name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Creates the live view of a book document.
 *
 * @remarks Call {@link BookView.dispose} when done. Works on any replica (device or worker).
 * @example
 * ```ts
 * const view = createBookView(doc);
 * const book = useSyncExternalStore(view.subscribe, view.getSnapshot);
 * ```
 */
export function createBookView(doc: Y.Doc): BookView {
  const maps = bookMaps(doc);

  // Indexes over the mirror.
  const oppsByAccount = new MultiIndex<string, string>();
  const contactsByAccount = new MultiIndex<string, string>();
  const contactsByEmail = new MultiIndex<string, string>();
  const rolesByOpp = new MultiIndex<string, string>();
  const rolesByContact = new MultiIndex<string, string>();
  const activitiesByWho = new MultiIndex<string, string>();
  const activitiesByWhat = new MultiIndex<string, string>();
  const interactionsByEmail = new MultiIndex<string, string>();
  // Indexes over intents (intents are immutable once written).
  const editsByRecord = new MultiIndex<string, string>();
  const loggedByContact = new MultiIndex<string, string>();
  const loggedByOpp = new MultiIndex<string, string>();
  const tiersByOpp = new MultiIndex<string, string>();
  const refsByTarget = new MultiIndex<string, string>();
  const intentBySalesforceId = new Map<string, string>();

  const openIntents = new Set<string>();
  const openConflicts = new Set<string>();
  const failedIntents = new Set<string>();

  const cache = new Map<string, OpportunityView>();
  let orderedIds: string[] = [];
  let orderDirty = true;
  let version = 0;
  let snapshot: BookSnapshot | null = null;
  let syncView: SyncView | null = null;
  const listeners = new Set<() => void>();

  const dirtyOpps = new Set<string>();
  const dirtyIntentLists = new Set<string>();
  let syncDirty = true;
  let changed = false;

  // --- dirtiness -------------------------------------------------------------------------

  const markOpp = (id: string | null | undefined): void => {
    if (id !== null && id !== undefined) dirtyOpps.add(id);
  };
  const markOppsOfAccount = (accountId: string | null | undefined): void => {
    for (const opp of oppsByAccount.get(accountId)) dirtyOpps.add(opp);
  };
  const markOppsOfContact = (contactId: string | null | undefined, contact?: ContactRecord): void => {
    if (contactId === null || contactId === undefined) return;
    const c = contact ?? maps.contacts.get(contactId);
    if (c !== undefined) markOppsOfAccount(c.AccountId);
    for (const roleId of rolesByContact.get(contactId)) markOpp(maps.contactRoles.get(roleId)?.OpportunityId);
  };
  const markOppsOfIntent = (intent: Intent | undefined, depth = 0): void => {
    if (intent === undefined) return;
    switch (intent.kind) {
      case "editField":
        if (intent.sobject === "Opportunity") markOpp(intent.recordId);
        else markOppsOfContact(intent.recordId);
        break;
      case "logActivity":
        markOpp(intent.opportunityId);
        markOppsOfContact(intent.contactId);
        break;
      case "setContactTier":
        markOpp(intent.opportunityId);
        break;
      case "cancel":
      case "resolveConflict":
        if (depth === 0) markOppsOfIntent(maps.intents.get(intent.intentId), 1);
        break;
    }
  };

  // --- index maintenance -----------------------------------------------------------------

  const indexOpp = (id: string, o: OpportunityRecord | undefined, add: boolean): void => {
    if (o === undefined) return;
    if (add) oppsByAccount.add(o.AccountId, id);
    else oppsByAccount.remove(o.AccountId, id);
  };
  const indexContact = (id: string, c: ContactRecord | undefined, add: boolean): void => {
    if (c === undefined) return;
    const email = c.Email === null ? null : normalizeEmail(c.Email);
    if (add) {
      contactsByAccount.add(c.AccountId, id);
      contactsByEmail.add(email, id);
    } else {
      contactsByAccount.remove(c.AccountId, id);
      contactsByEmail.remove(email, id);
    }
  };
  const indexRole = (id: string, r: ContactRoleRecord | undefined, add: boolean): void => {
    if (r === undefined) return;
    if (add) {
      rolesByOpp.add(r.OpportunityId, id);
      rolesByContact.add(r.ContactId, id);
    } else {
      rolesByOpp.remove(r.OpportunityId, id);
      rolesByContact.remove(r.ContactId, id);
    }
  };
  const indexActivity = (id: string, a: ActivityRecord | undefined, add: boolean): void => {
    if (a === undefined) return;
    if (add) {
      activitiesByWho.add(a.WhoId, id);
      activitiesByWhat.add(a.WhatId, id);
    } else {
      activitiesByWho.remove(a.WhoId, id);
      activitiesByWhat.remove(a.WhatId, id);
    }
  };
  const indexInteraction = (id: string, i: Interaction | undefined, add: boolean): void => {
    if (i === undefined || typeof i.email !== "string") return;
    if (add) interactionsByEmail.add(normalizeEmail(i.email), id);
    else interactionsByEmail.remove(normalizeEmail(i.email), id);
  };
  const indexIntent = (id: string, i: Intent | undefined, add: boolean): void => {
    if (i === undefined) return;
    const op = add ? "add" : "remove";
    switch (i.kind) {
      case "editField":
        editsByRecord[op](i.recordId, id);
        break;
      case "logActivity":
        loggedByContact[op](i.contactId, id);
        loggedByOpp[op](i.opportunityId, id);
        break;
      case "setContactTier":
        tiersByOpp[op](i.opportunityId, id);
        break;
      case "cancel":
      case "resolveConflict":
        refsByTarget[op](i.intentId, id);
        break;
    }
  };
  const indexReceipt = (r: Receipt | undefined, add: boolean): void => {
    if (r?.salesforceId === undefined) return;
    if (add) intentBySalesforceId.set(r.salesforceId, r.intentId);
    else if (intentBySalesforceId.get(r.salesforceId) === r.intentId) intentBySalesforceId.delete(r.salesforceId);
  };

  const statusOf = (intentId: string): ReceiptStatus => maps.receipts.get(intentId)?.status ?? "pending";

  const isConflictOpen = (intentId: string): boolean => {
    const intent = maps.intents.get(intentId);
    if (intent?.kind !== "editField" || statusOf(intentId) !== "conflict") return false;
    for (const ref of refsByTarget.get(intentId)) if (maps.intents.get(ref)?.kind === "resolveConflict") return false;
    // A later edit of the same field (re-applying mine, or a new value) also closes it.
    for (const other of editsByRecord.get(intent.recordId)) {
      const o = maps.intents.get(other);
      if (o?.kind === "editField" && o.field === intent.field && byHlc(intent, o) < 0) return false;
    }
    return true;
  };

  const refreshIntentLists = (intentId: string): void => {
    const intent = maps.intents.get(intentId);
    const status = statusOf(intentId);
    if (intent !== undefined && !isFinalStatus(status)) openIntents.add(intentId);
    else openIntents.delete(intentId);
    if (intent !== undefined && isConflictOpen(intentId)) openConflicts.add(intentId);
    else openConflicts.delete(intentId);
    if (intent !== undefined && status === "failed") failedIntents.add(intentId);
    else failedIntents.delete(intentId);
  };

  // --- derivation ------------------------------------------------------------------------

  const openEdits = (
    recordId: string,
  ): Map<string, { intent: Intent & { kind: "editField" }; status: ReceiptStatus }> => {
    const out = new Map<string, { intent: Intent & { kind: "editField" }; status: ReceiptStatus }>();
    for (const id of editsByRecord.get(recordId)) {
      const intent = maps.intents.get(id);
      if (intent?.kind !== "editField") continue;
      const status = statusOf(id);
      if (isFinalStatus(status)) continue;
      const prev = out.get(intent.field);
      if (prev === undefined || byHlc(prev.intent, intent) < 0) out.set(intent.field, { intent, status });
    }
    return out;
  };

  const overlayContact = (c: ContactRecord): { contact: ContactRecord; pending: string[] } => {
    const edits = openEdits(c.Id);
    if (edits.size === 0) return { contact: c, pending: [] };
    const patched: Record<string, unknown> = { ...c };
    for (const [field, e] of edits) patched[field] = e.intent.value;
    const first = patched.FirstName;
    if (edits.has("FirstName") || edits.has("LastName")) {
      patched.Name = [typeof first === "string" && first !== "" ? first : null, patched.LastName]
        .filter((x) => x !== null)
        .join(" ");
    }
    return { contact: patched as unknown as ContactRecord, pending: [...edits.keys()] };
  };

  /** Logged activities of a contact or opportunity that are not yet mirrored (de-duplicated). */
  const loggedItem = (intentId: string): ActivityItem | null => {
    const intent = maps.intents.get(intentId);
    if (intent?.kind !== "logActivity") return null;
    const receipt = maps.receipts.get(intentId);
    const status = loggedStatus(receipt?.status ?? "pending");
    if (status === null) return null;
    // Once the created Task is in the mirror, it shows instead.
    if (receipt?.salesforceId !== undefined && maps.activities.has(receipt.salesforceId)) return null;
    return {
      key: intentId,
      source: "logged",
      status,
      at: intent.activity.occurredAt,
      type: intent.activity.type,
      subject: intent.activity.subject ?? null,
      description: intent.activity.description ?? null,
      contactId: intent.contactId,
      opportunityId: intent.opportunityId,
      activityId: receipt?.salesforceId ?? null,
      intentId,
      error: receipt?.error ?? null,
    };
  };

  const mirroredItem = (activityId: string): ActivityItem | null => {
    const a = maps.activities.get(activityId);
    if (a === undefined) return null;
    const at = activityAt(a);
    if (at === null) return null;
    return {
      key: activityId,
      source: "salesforce",
      status: "in-salesforce",
      at,
      type: a.Type === "Event" ? "Event" : (a.TaskSubtype ?? "Task"),
      subject: a.Subject,
      description: a.Description,
      contactId: a.WhoId,
      opportunityId: a.WhatId,
      activityId,
      intentId: intentBySalesforceId.get(activityId) ?? null,
      error: null,
    };
  };

  const contactLastInteraction = (c: ContactRecord): LastInteraction | null => {
    let best: LastInteraction | null = null;
    for (const id of activitiesByWho.get(c.Id)) {
      const a = maps.activities.get(id);
      const at = a === undefined ? null : activityAt(a);
      if (a === undefined || at === null || (best !== null && at <= best.at)) continue;
      if (isOpenTask(a)) continue;
      best = {
        at,
        source: "activity",
        kind: a.Type,
        contactId: c.Id,
        subject: a.Subject,
        refId: id,
        origin: "salesforce",
      };
    }
    for (const id of loggedByContact.get(c.Id)) {
      const item = loggedItem(id);
      if (item === null || item.status === "failed" || (best !== null && item.at <= best.at)) continue;
      best = {
        at: item.at,
        source: "logged",
        kind: item.type,
        contactId: c.Id,
        subject: item.subject,
        refId: id,
        origin: maps.intents.get(id)?.device ?? null,
      };
    }
    if (c.Email !== null) {
      for (const id of interactionsByEmail.get(normalizeEmail(c.Email))) {
        const i = maps.interactions.get(id);
        if (i === undefined || (best !== null && i.at <= best.at)) continue;
        best = {
          at: i.at,
          source: "interaction",
          kind: i.kind,
          contactId: c.Id,
          subject: i.subject ?? null,
          refId: id,
          origin: i.source,
        };
      }
    }
    return best;
  };

  const computeOpportunity = (id: string): OpportunityView | undefined => {
    const mirror = maps.opportunities.get(id);
    if (mirror === undefined) return undefined;
    const edits = openEdits(id);
    const pendingFields: Record<string, PendingField> = {};
    let record = mirror;
    if (edits.size > 0) {
      const patched: Record<string, unknown> = { ...mirror };
      for (const [field, e] of edits) {
        patched[field] = e.intent.value;
        pendingFields[field] = { value: e.intent.value, base: e.intent.base, intentId: e.intent.id, status: e.status };
      }
      record = patched as unknown as OpportunityRecord;
    }
    const accountName =
      mirror.AccountId === null
        ? null
        : ((maps.accounts.get(mirror.AccountId) as AccountRecord | undefined)?.Name ?? null);

    // Candidate contacts: everyone at the account, plus anyone linked by a role.
    const candidates = new Set<string>(contactsByAccount.get(mirror.AccountId));
    const rolesOf = new Map<string, KeyEvidence[]>();
    for (const roleId of rolesByOpp.get(id)) {
      const r = maps.contactRoles.get(roleId);
      if (r === undefined) continue;
      candidates.add(r.ContactId);
      const list = rolesOf.get(r.ContactId) ?? [];
      list.push({ kind: "role", contactRoleId: roleId, role: r.Role, isPrimary: r.IsPrimary });
      rolesOf.set(r.ContactId, list);
    }
    // Overrides: the latest non-cancelled setContactTier per contact wins.
    const overrides = new Map<string, Intent & { kind: "setContactTier" }>();
    for (const intentId of tiersByOpp.get(id)) {
      const t = maps.intents.get(intentId);
      if (t?.kind !== "setContactTier") continue;
      const status = statusOf(intentId);
      if (status === "cancelled" || status === "failed" || status === "superseded") continue;
      const prev = overrides.get(t.contactId);
      if (prev === undefined || byHlc(prev, t) < 0) overrides.set(t.contactId, t);
    }

    const keyContacts: ContactView[] = [];
    const otherContacts: ContactView[] = [];
    for (const contactId of candidates) {
      const c = maps.contacts.get(contactId);
      if (c === undefined) continue;
      const evidence: KeyEvidence[] = [...(rolesOf.get(contactId) ?? [])];
      if (c.Email !== null) {
        const best = new Map<"email" | "meeting", Interaction>();
        for (const iid of interactionsByEmail.get(normalizeEmail(c.Email))) {
          const i = maps.interactions.get(iid);
          if (i === undefined) continue;
          const prev = best.get(i.kind);
          if (prev === undefined || prev.at < i.at) best.set(i.kind, i);
        }
        for (const i of best.values()) {
          evidence.push({ kind: "interaction", interactionId: i.id, interaction: i.kind, at: i.at, source: i.source });
        }
      }
      const o = overrides.get(contactId);
      const override = o === undefined || o.tier === "auto" ? null : o.tier;
      if (override === "key" && o !== undefined) evidence.push({ kind: "override", intentId: o.id, at: o.at });
      const tier = override ?? (evidence.length > 0 ? "key" : "other");
      const { contact, pending } = overlayContact(c);
      const view: ContactView = {
        contact,
        tier,
        evidence,
        override,
        pendingFields: pending,
        lastInteraction: contactLastInteraction(c),
      };
      (tier === "key" ? keyContacts : otherContacts).push(view);
    }
    const byName = (a: ContactView, b: ContactView) =>
      a.contact.Name < b.contact.Name ? -1 : a.contact.Name > b.contact.Name ? 1 : 0;
    keyContacts.sort(byName);
    otherContacts.sort(byName);

    // Activities: those on the opportunity plus those with its Key contacts.
    const activityIds = new Set<string>(activitiesByWhat.get(id));
    const loggedIds = new Set<string>(loggedByOpp.get(id));
    for (const k of keyContacts) {
      for (const a of activitiesByWho.get(k.contact.Id)) activityIds.add(a);
      for (const l of loggedByContact.get(k.contact.Id)) loggedIds.add(l);
    }
    const activities: ActivityItem[] = [];
    for (const a of activityIds) {
      const item = mirroredItem(a);
      if (item !== null) activities.push(item);
    }
    for (const l of loggedIds) {
      const item = loggedItem(l);
      if (item !== null) activities.push(item);
    }
    activities.sort((a, b) => (a.at > b.at ? -1 : a.at < b.at ? 1 : a.key < b.key ? -1 : 1));

    let lastInteraction: LastInteraction | null = null;
    for (const k of keyContacts) lastInteraction = latest(lastInteraction, k.lastInteraction);
    for (const item of activities) {
      if (item.status === "failed" || isOpenTask(maps.activities.get(item.key))) continue;
      if (lastInteraction !== null && item.at <= lastInteraction.at) break;
      lastInteraction = {
        at: item.at,
        source: item.source === "logged" ? "logged" : "activity",
        kind: item.type,
        contactId: item.contactId,
        subject: item.subject,
        refId: item.key,
        origin: item.source === "logged" ? (maps.intents.get(item.key)?.device ?? null) : "salesforce",
      };
      break;
    }

    return {
      id,
      record,
      mirror,
      accountName,
      pendingFields,
      keyContacts,
      otherContacts,
      lastInteraction,
      activities,
    };
  };

  const computeSync = (): SyncView => {
    const raw = maps.meta.get("sync") as SyncStatus | undefined;
    let queued = 0;
    let sending = 0;
    for (const id of openIntents) {
      if (statusOf(id) === "sending") sending++;
      else queued++;
    }
    const v = maps.meta.get("schemaVersion");
    return {
      state: raw?.state ?? "unknown",
      lastSuccessAt: raw?.lastSuccessAt ?? null,
      lastError: raw?.lastError ?? null,
      apiUsage: raw?.apiUsage ?? null,
      records: raw?.records ?? null,
      queued,
      sending,
      failed: failedIntents.size,
      conflicts: openConflicts.size,
      schemaVersion: typeof v === "number" ? v : null,
    };
  };

  const intentView = (id: string): IntentView | undefined => {
    const intent = maps.intents.get(id);
    if (intent === undefined) return undefined;
    const receipt = maps.receipts.get(id) ?? null;
    return { intent, status: receipt?.status ?? "pending", receipt };
  };

  // --- event handling --------------------------------------------------------------------

  type KeyChanges<V> = Map<string, { action: "add" | "update" | "delete"; oldValue: V | undefined }>;
  const onMap =
    <V>(handle: (key: string, oldValue: V | undefined, newValue: V | undefined) => void, map: Y.Map<V>) =>
    (event: Y.YMapEvent<V>): void => {
      changed = true;
      for (const [key, change] of event.changes.keys as KeyChanges<V>) {
        handle(key, change.action === "add" ? undefined : change.oldValue, map.get(key));
      }
    };

  const handlers: Array<[Y.Map<never>, (event: Y.YMapEvent<never>) => void]> = [];
  const watch = <V>(map: Y.Map<V>, handle: (key: string, oldValue: V | undefined, newValue: V | undefined) => void) => {
    const fn = onMap(handle, map);
    map.observe(fn);
    handlers.push([map as unknown as Y.Map<never>, fn as unknown as (event: Y.YMapEvent<never>) => void]);
  };

  const onOpp = (id: string, old: OpportunityRecord | undefined, next: OpportunityRecord | undefined): void => {
    indexOpp(id, old, false);
    indexOpp(id, next, true);
    markOpp(id);
    orderDirty = true;
  };
  const onAccount = (id: string): void => markOppsOfAccount(id);
  const onContact = (id: string, old: ContactRecord | undefined, next: ContactRecord | undefined): void => {
    if (old !== undefined) markOppsOfContact(id, old);
    indexContact(id, old, false);
    indexContact(id, next, true);
    if (next !== undefined) markOppsOfContact(id, next);
  };
  const onRole = (id: string, old: ContactRoleRecord | undefined, next: ContactRoleRecord | undefined): void => {
    indexRole(id, old, false);
    indexRole(id, next, true);
    markOpp(old?.OpportunityId);
    markOpp(next?.OpportunityId);
  };
  const onActivity = (id: string, old: ActivityRecord | undefined, next: ActivityRecord | undefined): void => {
    indexActivity(id, old, false);
    indexActivity(id, next, true);
    for (const a of [old, next]) {
      if (a === undefined) continue;
      markOpp(a.WhatId);
      markOppsOfContact(a.WhoId);
    }
    const logged = intentBySalesforceId.get(id);
    if (logged !== undefined) markOppsOfIntent(maps.intents.get(logged));
  };
  const onInteraction = (id: string, old: Interaction | undefined, next: Interaction | undefined): void => {
    indexInteraction(id, old, false);
    indexInteraction(id, next, true);
    for (const i of [old, next]) {
      if (i === undefined || typeof i.email !== "string") continue;
      for (const c of contactsByEmail.get(normalizeEmail(i.email))) markOppsOfContact(c);
    }
  };
  const onIntent = (id: string, old: Intent | undefined, next: Intent | undefined): void => {
    indexIntent(id, old, false);
    indexIntent(id, next, true);
    markOppsOfIntent(old);
    markOppsOfIntent(next);
    dirtyIntentLists.add(id);
    for (const i of [old, next]) {
      if (i?.kind === "cancel" || i?.kind === "resolveConflict") dirtyIntentLists.add(i.intentId);
      if (i?.kind === "editField") for (const other of editsByRecord.get(i.recordId)) dirtyIntentLists.add(other);
    }
    syncDirty = true;
  };
  const onReceipt = (id: string, old: Receipt | undefined, next: Receipt | undefined): void => {
    indexReceipt(old, false);
    indexReceipt(next, true);
    const intent = maps.intents.get(id);
    markOppsOfIntent(intent);
    dirtyIntentLists.add(id);
    syncDirty = true;
  };

  // Initial build.
  for (const [id, o] of maps.opportunities.entries()) indexOpp(id, o, true);
  for (const [id, c] of maps.contacts.entries()) indexContact(id, c, true);
  for (const [id, r] of maps.contactRoles.entries()) indexRole(id, r, true);
  for (const [id, a] of maps.activities.entries()) indexActivity(id, a, true);
  for (const [id, i] of maps.interactions.entries()) indexInteraction(id, i, true);
  for (const [id, i] of maps.intents.entries()) indexIntent(id, i, true);
  for (const r of maps.receipts.values()) indexReceipt(r, true);
  for (const id of maps.intents.keys()) refreshIntentLists(id);
  for (const id of maps.opportunities.keys()) {
    const view = computeOpportunity(id);
    if (view !== undefined) cache.set(id, view);
  }

  watch(maps.opportunities, onOpp);
  watch(maps.accounts, onAccount);
  watch(maps.contacts, onContact);
  watch(maps.contactRoles, onRole);
  watch(maps.activities, onActivity);
  watch(maps.interactions, onInteraction);
  watch(maps.intents, onIntent);
  watch(maps.receipts, onReceipt);
  watch(maps.meta, () => {
    syncDirty = true;
  });

  const flush = (): void => {
    if (!changed) return;
    changed = false;
    for (const id of dirtyOpps) {
      const prev = cache.get(id);
      const next = computeOpportunity(id);
      if (next === undefined) {
        if (prev !== undefined) orderDirty = true;
        cache.delete(id);
      } else {
        if (prev === undefined || compareOpps(prev, next) !== 0) orderDirty = true;
        cache.set(id, next);
      }
    }
    dirtyOpps.clear();
    for (const id of dirtyIntentLists) refreshIntentLists(id);
    if (dirtyIntentLists.size > 0) syncDirty = true;
    dirtyIntentLists.clear();
    if (syncDirty) syncView = null;
    syncDirty = false;
    version++;
    snapshot = null;
    for (const listener of [...listeners]) listener();
  };
  const onAfterTransaction = (): void => flush();
  doc.on("afterTransaction", onAfterTransaction);

  const listOf = (ids: Iterable<string>, order: (a: IntentView, b: IntentView) => number): IntentView[] => {
    const out: IntentView[] = [];
    for (const id of ids) {
      const v = intentView(id);
      if (v !== undefined) out.push(v);
    }
    return out.sort(order);
  };
  const oldestFirst = (a: IntentView, b: IntentView) => byHlc(a.intent, b.intent);

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot() {
      if (snapshot !== null) return snapshot;
      if (orderDirty) {
        orderedIds = [...cache.values()].sort(compareOpps).map((v) => v.id);
        orderDirty = false;
      }
      const opportunities: OpportunityView[] = [];
      for (const id of orderedIds) {
        const v = cache.get(id);
        if (v !== undefined) opportunities.push(v);
      }
      if (syncView === null) syncView = computeSync();
      snapshot = {
        version,
        opportunities,
        pending: listOf(openIntents, oldestFirst),
        conflicts: listOf(openConflicts, oldestFirst),
        failed: listOf(failedIntents, (a, b) => -oldestFirst(a, b)),
        sync: syncView,
      };
      return snapshot;
    },
    getOpportunity(id) {
      return cache.get(id);
    },
    getIntent(id) {
      return intentView(id);
    },
    dispose() {
      doc.off("afterTransaction", onAfterTransaction);
      for (const [map, fn] of handlers) map.unobserve(fn);
      listeners.clear();
    },
  };
}
