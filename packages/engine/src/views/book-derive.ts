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
 * contacts, activities and intents.
 */
import { byHlc, receiptStatus } from "../doc/intent-state.js";
import { normalizeEmail } from "../model/fields.js";
import type { AccountRecord, ContactRecord, OpportunityRecord } from "../model/records.js";
import type { EditFieldIntent, Interaction, ReceiptStatus, SyncStatus } from "../model/schemas.js";
import { isFinalStatus } from "../model/schemas.js";
import {
  type InteractionWindow,
  interactionWindow,
  isInWindow,
  latestOverrides,
  resolveTier,
} from "../reconcile/key-contacts.js";
import {
  contactLastInteraction,
  contactNextMeeting,
  futureMeeting,
  isPast,
  laterInteraction,
  loggedItem,
  mirroredItem,
  soonerMeeting,
} from "./activity-items.js";
import type { IntentLists, ViewSource } from "./book-indexes.js";
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

type OpenEdit = { readonly intent: EditFieldIntent; readonly status: ReceiptStatus };

/** The order of opportunities in a snapshot: close date, then name, then id. */
export function compareOpps(a: OpportunityView, b: OpportunityView): number {
  const ka = a.record.CloseDate;
  const kb = b.record.CloseDate;
  if (ka !== kb) return ka < kb ? -1 : 1;
  if (a.record.Name !== b.record.Name) return a.record.Name < b.record.Name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The latest open edit (by HLC) of each field of one record. */
function openEdits({ maps, ix }: ViewSource, recordId: string): Map<string, OpenEdit> {
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

/** A contact with its open edits overlaid (its `Name` follows edited first and last names). */
function overlayContact(source: ViewSource, c: ContactRecord): { contact: ContactRecord; pending: string[] } {
  const edits = openEdits(source, c.Id);
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
  const patched: Record<string, unknown> = { ...mirror };
  for (const [field, e] of edits) {
    patched[field] = e.intent.value;
    pendingFields[field] = { value: e.intent.value, base: e.intent.base, intentId: e.intent.id, status: e.status };
  }
  return { record: patched as unknown as OpportunityRecord, pendingFields };
}

/** The latest email and the latest meeting with an address within the window, as Key evidence (with its date). */
function interactionEvidence({ maps, ix }: ViewSource, email: string, window: InteractionWindow): KeyEvidence[] {
  const best = new Map<"email" | "meeting", Interaction>();
  for (const iid of ix.interactionsByEmail.get(normalizeEmail(email))) {
    const i = maps.interactions.get(iid);
    if (i === undefined || !isInWindow(i.at, window)) continue;
    const prev = best.get(i.kind);
    if (prev === undefined || prev.at < i.at) best.set(i.kind, i);
  }
  return [...best.values()].map(
    (i): KeyEvidence => ({
      kind: "interaction",
      interactionId: i.id,
      interaction: i.kind,
      at: i.at,
      source: i.source,
    }),
  );
}

const byName = (a: ContactView, b: ContactView) =>
  a.contact.Name < b.contact.Name ? -1 : a.contact.Name > b.contact.Name ? 1 : 0;

/** An opportunity's contacts (everyone at its account, plus anyone a role links), Key and Other, by name. */
function opportunityContacts(
  source: ViewSource,
  id: string,
  mirror: OpportunityRecord,
  nowMs: number,
): { keyContacts: ContactView[]; otherContacts: ContactView[] } {
  const { maps, ix } = source;
  const window = interactionWindow({
    now: new Date(nowMs),
    interactionWindowDays: source.clock.interactionWindowDays,
  });
  const candidates = new Set<string>(ix.contactsByAccount.get(mirror.AccountId));
  const rolesOf = new Map<string, KeyEvidence[]>();
  for (const roleId of ix.rolesByOpp.get(id)) {
    const r = maps.contactRoles.get(roleId);
    if (r === undefined) continue;
    candidates.add(r.ContactId);
    const list = rolesOf.get(r.ContactId) ?? [];
    list.push({ kind: "role", contactRoleId: roleId, role: r.Role, isPrimary: r.IsPrimary });
    rolesOf.set(r.ContactId, list);
  }
  const overrides = latestOverrides(
    [...ix.tiersByOpp.get(id)].map((key) => [key, maps.intents.get(key)] as const),
    (key) => maps.receipts.get(key)?.status,
    (t) => t.contactId,
  );
  const keyContacts: ContactView[] = [];
  const otherContacts: ContactView[] = [];
  for (const contactId of candidates) {
    const c = maps.contacts.get(contactId);
    if (c === undefined) continue;
    const evidence: KeyEvidence[] = [...(rolesOf.get(contactId) ?? [])];
    if (c.Email !== null) evidence.push(...interactionEvidence(source, c.Email, window));
    const o = overrides.get(contactId);
    const { tier, override } = resolveTier(evidence.length > 0, o);
    if (override === "key" && o !== undefined) evidence.push({ kind: "override", intentId: o.id, at: o.at });
    const { contact, pending } = overlayContact(source, c);
    const view: ContactView = {
      contact,
      tier,
      evidence,
      override,
      pendingFields: pending,
      lastInteraction: contactLastInteraction(source, c, nowMs),
      nextMeeting: contactNextMeeting(source, contactId, nowMs),
    };
    (tier === "key" ? keyContacts : otherContacts).push(view);
  }
  keyContacts.sort(byName);
  otherContacts.sort(byName);
  return { keyContacts, otherContacts };
}

const newestFirst = (a: ActivityItem, b: ActivityItem) => (a.at > b.at ? -1 : a.at < b.at ? 1 : a.key < b.key ? -1 : 1);
const soonestFirst = (a: ActivityItem, b: ActivityItem) => -newestFirst(a, b);

/**
 * Activities on the opportunity plus those with its Key contacts: what happened, newest first,
 * and the open to-dos, soonest due first.
 */
function opportunityActivities(
  source: ViewSource,
  oppId: string,
  keyContacts: ReadonlyArray<ContactView>,
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
    const item = mirroredItem(source, a);
    if (item !== null) activities.push(item);
  }
  for (const l of loggedIds) {
    const item = loggedItem(source, l);
    if (item !== null) activities.push(item);
  }
  return {
    activities: activities.filter((a) => !a.open).sort(newestFirst),
    openTasks: activities.filter((a) => a.open).sort(soonestFirst),
  };
}

/** The latest past touch of an opportunity: its Key contacts' and its newest past done activity's. */
function opportunityLastInteraction(
  { maps }: ViewSource,
  keyContacts: ReadonlyArray<ContactView>,
  activities: ReadonlyArray<ActivityItem>,
  nowMs: number,
): LastInteraction | null {
  let last: LastInteraction | null = null;
  for (const k of keyContacts) last = laterInteraction(last, k.lastInteraction);
  // Activities are newest first: the first past done one decides (future ones come before it).
  for (const item of activities) {
    if (item.status === "failed" || item.open || !isPast(item.at, nowMs)) continue;
    if (last !== null && item.at <= last.at) break;
    return {
      at: item.at,
      source: item.source === "logged" ? "logged" : "activity",
      kind: item.type,
      contactId: item.contactId,
      subject: item.subject,
      refId: item.key,
      origin: item.source === "logged" ? (maps.intents.get(item.key)?.device ?? null) : "salesforce",
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

/** One opportunity's view, or `undefined` when it is not in the mirror. */
export function deriveOpportunity(source: ViewSource, id: string): OpportunityView | undefined {
  const { maps } = source;
  const mirror = maps.opportunities.get(id);
  if (mirror === undefined) return undefined;
  const { record, pendingFields } = overlayOpportunity(source, id, mirror);
  const accountName =
    mirror.AccountId === null
      ? null
      : ((maps.accounts.get(mirror.AccountId) as AccountRecord | undefined)?.Name ?? null);
  const nowMs = source.clock.now().getTime();
  const { keyContacts, otherContacts } = opportunityContacts(source, id, mirror, nowMs);
  const { activities, openTasks } = opportunityActivities(source, id, keyContacts);
  const lastInteraction = opportunityLastInteraction(source, keyContacts, activities, nowMs);
  const nextMeeting = opportunityNextMeeting(source, id, keyContacts, nowMs);
  return {
    id,
    record,
    mirror,
    accountName,
    pendingFields,
    keyContacts,
    otherContacts,
    lastInteraction,
    nextMeeting,
    activities,
    openTasks,
  };
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
