/**
 * The planner's pull step (docs/architecture.md, "The sync cycle", step 1): what was pulled
 * from Salesforce becomes mirror upserts and deletes and meta updates, and the mirror as the
 * plan leaves it is handed to the intent steps.
 *
 * Invariants:
 * - a value deep-equal to the mirrored one is never planned, nor a delete of an absent id;
 * - a pulled opportunity owned by someone else, or closed, leaves the scope, and with it
 *   (cascade) every account, contact and contact role nothing left in scope references;
 * - with Key contacts given, a mirrored activity related (`WhoId` or a shared `WhoIds` entry)
 *   to no Key contact leaves the book;
 * - watermarks never move backwards; the sync status and a paged first sync's continuation
 *   are written only when they changed.
 */

import { jsonEqual } from "../doc/json-equal.js";
import type { MirrorMapName } from "../doc/layout.js";
import type { SyncStatus } from "../model/schemas.js";
import type { ActivityPull, ScopePull, Watermarks } from "../port/salesforce-port.js";
import type { PlanBuilder } from "./plan-builder.js";
import type { BookState } from "./state.js";

/** What the runner pulled this cycle. */
export interface Pulled {
  readonly scope?: ScopePull | undefined;
  readonly activities?: ActivityPull | undefined;
  /** Key contacts after the scope pull: mirrored activities of anyone else leave the book. */
  readonly keyContactIds?: ReadonlySet<string> | undefined;
  /** The sync status to record (skipped when equal). */
  readonly sync?: SyncStatus | undefined;
}

/** A mirrored opportunity or contact as the plan leaves it, or `undefined` when it is gone. */
export type RecordAfter = (sobject: "Opportunity" | "Contact", id: string) => Record<string, unknown> | undefined;

type MirrorRecord = { readonly Id: string };

/** Plans mirror changes, and remembers the opportunities and contacts they leave behind. */
class MirrorChanges {
  private readonly after = {
    opportunities: new Map<string, MirrorRecord | null>(),
    contacts: new Map<string, MirrorRecord | null>(),
  };

  constructor(
    private readonly b: PlanBuilder,
    private readonly state: BookState,
  ) {}

  upsert(map: MirrorMapName, record: MirrorRecord): void {
    const table = this.state[map] as unknown as { get(k: string): unknown };
    if (jsonEqual(table.get(record.Id), record)) return;
    this.b.upserts.push({ map, id: record.Id, value: record });
    if (map === "opportunities" || map === "contacts") this.after[map].set(record.Id, record);
  }

  remove(map: MirrorMapName, id: string): void {
    const table = this.state[map] as unknown as { has(k: string): boolean };
    if (!table.has(id)) return;
    this.b.deletes.push({ map, id });
    if (map === "opportunities" || map === "contacts") this.after[map].set(id, null);
  }

  recordAfter(sobject: "Opportunity" | "Contact", id: string): Record<string, unknown> | undefined {
    const overlay = sobject === "Opportunity" ? this.after.opportunities : this.after.contacts;
    if (overlay.has(id)) return (overlay.get(id) ?? undefined) as Record<string, unknown> | undefined;
    return (sobject === "Opportunity" ? this.state.opportunities.get(id) : this.state.contacts.get(id)) as
      | Record<string, unknown>
      | undefined;
  }
}

/**
 * Plans into `b` what `pulled` changes in the mirror and meta.
 *
 * @returns the mirror as the plan leaves it, for the intent steps.
 */
export function planPulled(b: PlanBuilder, state: BookState, pulled: Pulled, userId: string | undefined): RecordAfter {
  const mirror = new MirrorChanges(b, state);
  if (pulled.scope !== undefined) planScope(mirror, state, pulled.scope, userId);
  planActivities(mirror, state, pulled.activities, pulled.keyContactIds);
  planMeta(b, state, pulled);
  return (sobject, id) => mirror.recordAfter(sobject, id);
}

function planScope(mirror: MirrorChanges, state: BookState, scope: ScopePull, userId: string | undefined): void {
  const removedOpps = new Set<string>(scope.removed.opportunityIds);
  for (const o of scope.opportunities) {
    if (o.IsClosed || (userId !== undefined && o.OwnerId !== userId)) removedOpps.add(o.Id);
  }
  const removedAccounts = new Set<string>(scope.removed.accountIds);
  const removedContacts = new Set<string>(scope.removed.contactIds);
  const removedRoles = new Set<string>(scope.removed.contactRoleIds);
  const upOpps = new Map(scope.opportunities.filter((o) => !removedOpps.has(o.Id)).map((o) => [o.Id as string, o]));

  // Cascade (docs/architecture.md, "The sync cycle", step 1): what nothing in scope references leaves with the opportunity.
  const finalOpps = new Set<string>();
  const referencedAccounts = new Set<string>();
  for (const id of state.opportunities.keys()) if (!removedOpps.has(id)) finalOpps.add(id);
  for (const id of upOpps.keys()) finalOpps.add(id);
  for (const id of finalOpps) {
    const o = upOpps.get(id) ?? state.opportunities.get(id);
    if (o?.AccountId) referencedAccounts.add(o.AccountId);
  }
  const finalRoles = new Map<string, { OpportunityId: string; ContactId: string }>();
  for (const [id, r] of state.contactRoles.entries()) if (!removedRoles.has(id)) finalRoles.set(id, r);
  for (const r of scope.contactRoles) if (!removedRoles.has(r.Id)) finalRoles.set(r.Id, r);
  const roleContacts = new Set<string>();
  for (const [id, r] of finalRoles) {
    if (!finalOpps.has(r.OpportunityId)) removedRoles.add(id);
    else roleContacts.add(r.ContactId);
  }
  for (const id of state.accounts.keys()) if (!referencedAccounts.has(id)) removedAccounts.add(id);
  const contactInScope = (c: { AccountId: string | null; Id: string }) =>
    (c.AccountId !== null && referencedAccounts.has(c.AccountId)) || roleContacts.has(c.Id);
  for (const c of state.contacts.values()) {
    if (!contactInScope(c)) removedContacts.add(c.Id);
  }

  for (const o of upOpps.values()) mirror.upsert("opportunities", o);
  for (const a of scope.accounts)
    if (referencedAccounts.has(a.Id) && !removedAccounts.has(a.Id)) mirror.upsert("accounts", a);
  const pulledRemovedContacts = new Set<string>(scope.removed.contactIds);
  for (const c of scope.contacts) {
    if (contactInScope(c) && !pulledRemovedContacts.has(c.Id)) {
      removedContacts.delete(c.Id);
      mirror.upsert("contacts", c);
    } else removedContacts.add(c.Id); // moved to an account outside the book
  }
  for (const r of scope.contactRoles) if (!removedRoles.has(r.Id)) mirror.upsert("contactRoles", r);
  for (const id of removedOpps) mirror.remove("opportunities", id);
  for (const id of removedAccounts) mirror.remove("accounts", id);
  for (const id of removedContacts) mirror.remove("contacts", id);
  for (const id of removedRoles) mirror.remove("contactRoles", id);
}

/** True when the activity relates one of `keys`: its `WhoId` or, shared, any of its `WhoIds`. */
function relatesKey(
  a: { readonly WhoId: string | null; readonly WhoIds?: ReadonlyArray<string> | undefined },
  keys: ReadonlySet<string>,
): boolean {
  return (a.WhoId !== null && keys.has(a.WhoId)) || (a.WhoIds ?? []).some((w) => keys.has(w));
}

function planActivities(
  mirror: MirrorChanges,
  state: BookState,
  acts: ActivityPull | undefined,
  keys: ReadonlySet<string> | undefined,
): void {
  const removedActivities = new Set<string>(acts?.removedIds ?? []);
  const upActivities = new Set<string>();
  if (acts !== undefined) {
    for (const a of acts.activities) {
      if (removedActivities.has(a.Id)) continue;
      if (keys !== undefined && !relatesKey(a, keys)) continue;
      upActivities.add(a.Id);
      mirror.upsert("activities", a);
    }
  }
  if (keys !== undefined) {
    for (const [id, a] of state.activities.entries()) {
      if (!upActivities.has(id) && !relatesKey(a, keys)) removedActivities.add(id);
    }
  }
  for (const id of removedActivities) mirror.remove("activities", id);
}

function planMeta(b: PlanBuilder, state: BookState, pulled: Pulled): void {
  const marks: Record<string, string> = { ...state.meta.watermarks };
  for (const source of [pulled.scope?.watermarks, pulled.activities?.watermarks]) {
    for (const [k, v] of Object.entries(source ?? {})) {
      const cur = marks[k];
      if (v !== undefined && (cur === undefined || v > cur)) marks[k] = v;
    }
  }
  if (!jsonEqual(marks, state.meta.watermarks)) b.meta.push({ key: "watermarks", value: marks as Watermarks });
  // A first sync reading pages across cycles keeps where it stands; the last page clears it.
  if (pulled.scope !== undefined) {
    const next = pulled.scope.continuation ?? null;
    if (!jsonEqual(next, state.meta.scopeContinuation ?? null)) b.meta.push({ key: "scopeContinuation", value: next });
  }
  if (pulled.sync !== undefined && !jsonEqual(pulled.sync, state.meta.sync))
    b.meta.push({ key: "sync", value: pulled.sync });
}
