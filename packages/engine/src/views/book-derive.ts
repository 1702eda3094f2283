/**
 * Derivation of the book view's shapes from the document and the view's indexes: one
 * opportunity (its record with pending edits, Key and Other contacts, activities and last
 * interaction), the sync status, and an intent with its receipt.
 *
 * Invariants: pure reads (nothing here writes to the document); the result depends only on the
 * document and the view's clock (read once per opportunity), so re-deriving an unchanged
 * opportunity at the same time gives an equal view. Key and Other follow
 * the one Key-contact rule in `reconcile/key-contacts.ts`, so the view shows as Key exactly the
 * contacts whose activities the worker pulls. Cost: one opportunity in time proportional to its
 * Key contacts, exceptions (roles, overrides, contacts with interaction evidence), activities and
 * intents, plus one copy of its account's list of Other contacts (`contact-cache.ts`).
 */
import { receiptStatus } from "../doc/intent-state.js";
import type { AccountRecord, OpportunityRecord } from "../model/records.js";
import type { SyncStatus } from "../model/schemas.js";
import { latestOverrides, resolveTier } from "../reconcile/key-contacts.js";
import { futureMeeting, laterInteraction, loggedItem, mirroredItem, soonerMeeting } from "./activity-items.js";
import type { IntentLists, ViewSource } from "./book-indexes.js";
import { byName, type ContactCache, openEdits, overlayEdits, spliceSorted } from "./contact-cache.js";
import type { Zone } from "./time-order.js";
import type {
  ActivityItem,
  ContactView,
  IntentView,
  KeyEvidence,
  LastInteraction,
  NextMeeting,
  OpportunityView,
  PendingField,
  SyncView,
} from "./types.js";

/** The order of opportunities in a snapshot: close date, then name, then id. */
export function compareOpps(a: OpportunityView, b: OpportunityView): number {
  const ka = a.record.CloseDate;
  const kb = b.record.CloseDate;
  if (ka !== kb) return ka < kb ? -1 : 1;
  if (a.record.Name !== b.record.Name) return a.record.Name < b.record.Name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** An opportunity with its open edits overlaid, and what each pending field is waiting on. */
function overlayOpportunity(
  source: ViewSource,
  id: string,
  mirror: OpportunityRecord,
): { record: OpportunityRecord; pendingFields: Record<string, PendingField> } {
  const edits = openEdits(source, id);
  const pendingFields: Record<string, PendingField> = {};
  if (edits.size === 0) return { record: mirror, pendingFields };
  for (const [field, e] of edits) {
    pendingFields[field] = { value: e.intent.value, base: e.intent.base, intentId: e.intent.id, status: e.status };
  }
  return { record: overlayEdits(mirror, "Opportunity", edits), pendingFields };
}

/**
 * An opportunity's contacts (everyone at its account, plus anyone a role links), Key and Other,
 * by name. Only the exceptions are looked at one by one (role-linked contacts, contacts with
 * interaction evidence, overrides); every other contact at the account is Other without
 * evidence, taken from the account's shared list.
 */
function opportunityContacts(
  source: ViewSource,
  cache: ContactCache,
  id: string,
  mirror: OpportunityRecord,
): { keyContacts: ContactView[]; otherContacts: () => ReadonlyArray<ContactView> } {
  const { maps, ix } = source;
  const rolesOf = new Map<string, KeyEvidence[]>();
  // By id: the index's order depends on the order changes arrived in, and a live view must list
  // a contact's roles as a fresh one does.
  for (const roleId of [...ix.rolesByOpp.get(id)].sort()) {
    const r = maps.contactRoles.get(roleId);
    if (r === undefined) continue;
    const list = rolesOf.get(r.ContactId) ?? [];
    list.push({ kind: "role", contactRoleId: roleId, role: r.Role, isPrimary: r.IsPrimary });
    rolesOf.set(r.ContactId, list);
  }
  const overrides = latestOverrides(
    [...ix.tiersByOpp.get(id)].map((key) => [key, maps.intents.get(key)] as const),
    (key) => maps.receipts.get(key)?.status,
    (t) => t.contactId,
  );
  const exceptions = new Set<string>([...rolesOf.keys(), ...cache.evidencedAt(mirror.AccountId), ...overrides.keys()]);
  const keyContacts: ContactView[] = [];
  const removes: ContactView[] = [];
  const adds: ContactView[] = [];
  for (const contactId of exceptions) {
    const core = cache.core(contactId);
    if (core === undefined) continue;
    const atAccount = mirror.AccountId !== null && core.accountId === mirror.AccountId;
    if (!atAccount && !rolesOf.has(contactId)) continue;
    const evidence: KeyEvidence[] = [...(rolesOf.get(contactId) ?? []), ...core.interactionEvidence];
    const o = overrides.get(contactId);
    const { tier, override } = resolveTier(evidence.length > 0, o);
    // Other, no evidence, no override: the account's shared plain view already shows it.
    if (tier === "other" && evidence.length === 0 && override === null) continue;
    if (override === "key" && o !== undefined) evidence.push({ kind: "override", intentId: o.id, at: o.at });
    const view: ContactView = {
      contact: core.contact,
      tier,
      evidence,
      override,
      pendingFields: core.pending,
      lastInteraction: core.lastInteraction,
      nextMeeting: core.nextMeeting,
    };
    if (atAccount && core.interactionEvidence.length === 0) removes.push(core.plain);
    (tier === "key" ? keyContacts : adds).push(view);
  }
  keyContacts.sort(byName);
  // The account's list as of now (never mutated later), so building it on first read gives the same.
  const plain = cache.plainOthers(mirror.AccountId);
  return { keyContacts, otherContacts: () => spliceSorted(plain, removes, adds) };
}

const newestFirst = (zone: Zone) => (a: ActivityItem, b: ActivityItem) => {
  const d = zone.orderMs(b.at) - zone.orderMs(a.at);
  return d > 0 ? 1 : d < 0 ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
};

/**
 * Activities on the opportunity plus those with its Key contacts (a shared activity once): what
 * happened, newest first, and the open to-dos, soonest due first.
 */
function opportunityActivities(
  source: ViewSource,
  oppId: string,
  keyContacts: ReadonlyArray<ContactView>,
  nowMs: number,
): { activities: ActivityItem[]; openTasks: ActivityItem[] } {
  const { ix } = source;
  const activityIds = new Set<string>(ix.activitiesByWhat.get(oppId));
  const loggedIds = new Set<string>(ix.loggedByOpp.get(oppId));
  for (const k of keyContacts) {
    for (const a of ix.activitiesByWho.get(k.contact.Id)) activityIds.add(a);
    for (const l of ix.loggedByContact.get(k.contact.Id)) loggedIds.add(l);
  }
  const activities: ActivityItem[] = [];
  for (const a of activityIds) {
    const item = mirroredItem(source, a, nowMs);
    if (item !== null) activities.push(item);
  }
  for (const l of loggedIds) {
    const item = loggedItem(source, l);
    if (item !== null) activities.push(item);
  }
  const newest = newestFirst(source.zone());
  return {
    activities: activities.filter((a) => !a.open).sort(newest),
    openTasks: activities.filter((a) => a.open).sort((a, b) => newest(b, a)),
  };
}

/** The latest past touch of an opportunity: its Key contacts' and its newest past done activity's. */
function opportunityLastInteraction(
  source: ViewSource,
  keyContacts: ReadonlyArray<ContactView>,
  activities: ReadonlyArray<ActivityItem>,
  nowMs: number,
): LastInteraction | null {
  const zone = source.zone();
  let last: LastInteraction | null = null;
  for (const k of keyContacts) last = laterInteraction(last, k.lastInteraction, zone);
  // Activities are newest first: the first past done one decides (future ones come before it).
  for (const item of activities) {
    if (item.status === "failed" || item.open || !zone.hasHappened(item.at, nowMs)) continue;
    if (last !== null && zone.orderMs(item.at) <= zone.orderMs(last.at)) break;
    return {
      at: item.at,
      source: item.source === "logged" ? "logged" : "activity",
      kind: item.type,
      contactId: item.contactId,
      subject: item.subject,
      refId: item.key,
      origin: item.source === "logged" ? (source.maps.intents.get(item.key)?.device ?? null) : "salesforce",
    };
  }
  return last;
}

/** The soonest Event still to come on the opportunity or with one of its Key contacts. */
function opportunityNextMeeting(
  source: ViewSource,
  oppId: string,
  keyContacts: ReadonlyArray<ContactView>,
  nowMs: number,
): NextMeeting | null {
  let next: NextMeeting | null = null;
  for (const k of keyContacts) next = soonerMeeting(next, k.nextMeeting);
  for (const a of source.ix.activitiesByWhat.get(oppId)) next = soonerMeeting(next, futureMeeting(source, a, nowMs));
  return next;
}

/**
 * One opportunity's view at `nowMs`, or `undefined` when it is not in the mirror; `cache` must
 * be current for its contacts.
 */
export function deriveOpportunity(
  source: ViewSource,
  cache: ContactCache,
  id: string,
  nowMs: number,
): OpportunityView | undefined {
  const { maps } = source;
  const mirror = maps.opportunities.get(id);
  if (mirror === undefined) return undefined;
  const { record, pendingFields } = overlayOpportunity(source, id, mirror);
  const accountName =
    mirror.AccountId === null
      ? null
      : ((maps.accounts.get(mirror.AccountId) as AccountRecord | undefined)?.Name ?? null);
  const { keyContacts, otherContacts } = opportunityContacts(source, cache, id, mirror);
  const { activities, openTasks } = opportunityActivities(source, id, keyContacts, nowMs);
  const lastInteraction = opportunityLastInteraction(source, keyContacts, activities, nowMs);
  const nextMeeting = opportunityNextMeeting(source, id, keyContacts, nowMs);
  const view: OpportunityView = {
    id,
    record,
    mirror,
    accountName,
    pendingFields,
    keyContacts,
    otherContacts: [],
    lastInteraction,
    nextMeeting,
    activities,
    openTasks,
  };
  // Built on first read: a contact change in a large account re-derives every opportunity of
  // it, and copying its Other list for each would cost what the change is meant to avoid. An
  // enumerable getter, so spreading, JSON and deep equality see an ordinary array.
  let others: ReadonlyArray<ContactView> | null = null;
  Object.defineProperty(view, "otherContacts", {
    enumerable: true,
    configurable: false,
    get: () => {
      others ??= otherContacts();
      return others;
    },
  });
  return view;
}

/** The sync status a snapshot shows: the worker's `meta.sync` plus the device-side queue counts. */
export function deriveSync({ maps }: ViewSource, lists: IntentLists): SyncView {
  const raw = maps.meta.get("sync") as SyncStatus | undefined;
  let queued = 0;
  let sending = 0;
  for (const id of lists.open) {
    if (receiptStatus(maps.receipts, id) === "sending") sending++;
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
    failed: lists.failed.size,
    conflicts: lists.conflicts.size,
    schemaVersion: typeof v === "number" ? v : null,
  };
}

/** One intent with its receipt (`pending` when it has none yet). */
export function deriveIntentView({ maps }: ViewSource, id: string): IntentView | undefined {
  const intent = maps.intents.get(id);
  if (intent === undefined) return undefined;
  const receipt = maps.receipts.get(id) ?? null;
  return { intent, status: receipt?.status ?? "pending", receipt };
}
