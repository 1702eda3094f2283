/**
 * Shared Activities in the record writer: the `TaskRelation` / `EventRelation` rows of an
 * activity follow its WhoId (a row with `IsWhat = false`) and WhatId (`IsWhat = true`); rows
 * created through the API relate more contacts; deleting the activity deletes its rows (the
 * cascade of the child relationship).
 *
 * Invariants: an activity has at most one live row per related record; a relation's IsWhat and
 * AccountId are derived from what it points at. Emulator's choice: creating or deleting a
 * relation row through the API bumps the parent activity's SystemModstamp (not its
 * LastModifiedDate), so that a SystemModstamp-based incremental sync of Task/Event sees the
 * change in who the activity is shared with. In an org without Shared Activities the schema
 * serves no relation object: an activity then keeps no rows, its WhoId its only contact.
 */
import { SalesforceApiError } from "../schema/errors.js";
import type { ObjectDef } from "../schema/schema-types.js";
import type { OrgStore, SfRecord, SfValue } from "../store/org-store.js";
import { formatDateTime } from "../util/time.js";
import type { WriteContext } from "./write-context.js";

type Draft = Record<string, SfValue>;

/** An activity object and its relation object. */
interface RelationKind {
  readonly activity: string;
  readonly relation: string;
  readonly parentField: string;
}

const KINDS: readonly RelationKind[] = [
  { activity: "Task", relation: "TaskRelation", parentField: "TaskId" },
  { activity: "Event", relation: "EventRelation", parentField: "EventId" },
];

const byActivity = (name: string) => KINDS.find((k) => k.activity === name);
const byRelation = (name: string) => KINDS.find((k) => k.relation === name);

/** The account a related record belongs to. */
function accountOf(store: OrgStore, relationId: string): { isWhat: boolean; accountId: string | null } {
  const found = store.find(["Contact", "Account", "Opportunity"], relationId);
  if (!found) return { isWhat: true, accountId: null };
  const rec = found.record;
  if (found.object === "Account") return { isWhat: true, accountId: String(rec.Id) };
  const account = typeof rec.AccountId === "string" ? rec.AccountId : null;
  return { isWhat: found.object !== "Contact", accountId: account };
}

/** The live relation rows of an activity. */
export function liveRelations(store: OrgStore, kind: RelationKind, activityId: string): SfRecord[] {
  const out: SfRecord[] = [];
  for (const id of store.children(kind.relation, kind.parentField, activityId)) {
    const rec = store.get(kind.relation, id);
    if (rec && rec.IsDeleted !== true) out.push(rec);
  }
  return out;
}

/**
 * Fills the derived fields of a relation row created through the API and refuses a second row
 * for the same record. An EventRelation given neither IsParent nor IsInvitee relates the record
 * (IsParent), as the Shared Activities UI does.
 */
export function deriveRelation(ctx: WriteContext, def: ObjectDef, draft: Draft, given: Set<string>): void {
  const kind = byRelation(def.name);
  if (!kind || typeof draft.RelationId !== "string" || typeof draft[kind.parentField] !== "string") return;
  const { store } = ctx.org;
  const { isWhat, accountId } = accountOf(store, draft.RelationId);
  draft.IsWhat = isWhat;
  draft.AccountId = accountId;
  if (kind.relation === "EventRelation") {
    if (!given.has("isparent") && !given.has("isinvitee")) draft.IsParent = true;
    if (draft.IsInvitee === true) draft.Status ??= "New";
  }
  const duplicate = liveRelations(store, kind, String(draft[kind.parentField])).find(
    (r) => r.RelationId === draft.RelationId,
  );
  if (duplicate) {
    throw new SalesforceApiError(
      400,
      "DUPLICATE_VALUE",
      `duplicate value found: RelationId duplicates value on record with id: ${String(duplicate.Id)}`,
      ["RelationId"],
    );
  }
}

/** A new relation row in stored form (every field, schema order). */
export function relationRow(
  store: OrgStore,
  kind: RelationKind,
  id: string,
  activityId: string,
  relationId: string,
  isWhat: boolean,
  stamp: string,
  by: string,
): Draft {
  const def = store.schema.object(kind.relation);
  const row: Draft = {};
  for (const f of def?.fields ?? []) row[f.name] = null;
  Object.assign(row, {
    Id: id,
    RelationId: relationId,
    [kind.parentField]: activityId,
    IsWhat: isWhat,
    AccountId: accountOf(store, relationId).accountId,
    IsDeleted: false,
    CreatedDate: stamp,
    CreatedById: by,
    LastModifiedDate: stamp,
    LastModifiedById: by,
    SystemModstamp: stamp,
  });
  if (kind.relation === "EventRelation") Object.assign(row, { IsParent: true, IsInvitee: false });
  return row;
}

/** The kinds of relation rows, for the seed. */
export const RELATION_KINDS = { task: KINDS[0] as RelationKind, event: KINDS[1] as RelationKind };

function syncRelations(ctx: WriteContext, kind: RelationKind, draft: SfRecord, previous: SfRecord | undefined): void {
  const { store } = ctx.org;
  const activityId = String(draft.Id);
  const stamp = formatDateTime(ctx.nowMs);
  const drop = (row: SfRecord): void => {
    store.put(kind.relation, { ...row, IsDeleted: true, SystemModstamp: stamp, LastModifiedDate: stamp }, ctx.nowMs);
  };
  let rows = liveRelations(store, kind, activityId);
  const who = typeof draft.WhoId === "string" ? draft.WhoId : null;
  const what = typeof draft.WhatId === "string" ? draft.WhatId : null;
  const oldWho = typeof previous?.WhoId === "string" ? previous.WhoId : null;
  for (const row of rows) {
    if (
      (row.IsWhat === true && row.RelationId !== what) ||
      (row.IsWhat !== true && oldWho !== who && row.RelationId === oldWho)
    ) {
      drop(row);
    }
  }
  rows = liveRelations(store, kind, activityId);
  for (const [relationId, isWhat] of [
    [who, false],
    [what, true],
  ] as const) {
    if (relationId === null || rows.some((r) => r.RelationId === relationId)) continue;
    const id = ctx.org.ids.next(store.schema.object(kind.relation)?.keyPrefix ?? "");
    store.put(kind.relation, relationRow(store, kind, id, activityId, relationId, isWhat, stamp, ctx.userId));
  }
}

function touchParent(ctx: WriteContext, kind: RelationKind, row: SfRecord): void {
  const parentId = row[kind.parentField];
  if (typeof parentId !== "string") return;
  const parent = ctx.org.store.get(kind.activity, parentId);
  if (!parent || parent.IsDeleted === true) return;
  ctx.org.store.put(kind.activity, { ...parent, SystemModstamp: formatDateTime(ctx.nowMs) });
}

/** After a create or update: keeps an activity's Who/What rows, or bumps a relation's activity. */
export function afterWrite(ctx: WriteContext, def: ObjectDef, draft: SfRecord, previous: SfRecord | undefined): void {
  const activity = byActivity(def.name);
  if (activity) {
    // Without Shared Activities there is no relation object to keep rows in.
    if (ctx.org.store.schema.object(activity.relation) === undefined) return;
    syncRelations(ctx, activity, draft, previous);
    return;
  }
  const relation = byRelation(def.name);
  if (relation) touchParent(ctx, relation, draft);
}

/** After a delete: a deleted relation row bumps its activity. */
export function afterDelete(ctx: WriteContext, def: ObjectDef, record: SfRecord): void {
  const relation = byRelation(def.name);
  if (relation) touchParent(ctx, relation, record);
}
