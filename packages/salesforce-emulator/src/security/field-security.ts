/**
 * Field-level security (reference §4): what one user may read and edit, from the
 * `FieldPermissions` rows of their profile's own permission set and of the permission sets
 * assigned to them, and the schema as that user sees it.
 *
 * Invariants: a field with no row for the profile is readable and editable as far as the object
 * allows (the emulator's default profile grants everything); an assigned permission set only
 * grants; editable implies readable; a non-permissionable field (Id, system and required
 * fields) is always visible. The control API and the record store work on the full schema.
 */
import type { OrgSchema } from "../schema/objects.js";
import type { FieldDef, ObjectDef } from "../schema/schema-types.js";
import type { Org } from "../store/org.js";
import type { OrgStore } from "../store/org-store.js";

/** One field's permission. */
export interface FieldPermission {
  readonly readable: boolean;
  readonly editable: boolean;
}

const SYSTEM_FIELDS = new Set([
  "Id",
  "IsDeleted",
  "CreatedDate",
  "CreatedById",
  "LastModifiedDate",
  "LastModifiedById",
  "SystemModstamp",
  "OwnerId",
  "RecordTypeId",
]);

/**
 * Whether field-level security applies to a field: not Id, system or owner fields, and not a
 * field every record must have (a required field cannot be hidden in a real org either).
 */
export function isPermissionable(f: FieldDef): boolean {
  if (SYSTEM_FIELDS.has(f.name) || f.calculated || f.nameField) return false;
  return f.nillable || f.defaultedOnCreate;
}

function liveChildren(store: OrgStore, object: string, field: string, parentId: string) {
  const out = [];
  for (const id of store.children(object, field, parentId)) {
    const rec = store.get(object, id);
    if (rec && rec.IsDeleted !== true) out.push(rec);
  }
  return out;
}

/** The permission set a profile owns, if any. */
export function profilePermissionSetId(store: OrgStore, profileId: string): string | undefined {
  const owned = liveChildren(store, "PermissionSet", "ProfileId", profileId).find((p) => p.IsOwnedByProfile === true);
  return owned ? String(owned.Id) : undefined;
}

/** The `Object.Field` → permission rows of one permission set. */
export function permissionRows(store: OrgStore, permissionSetId: string): Map<string, FieldPermission> {
  const out = new Map<string, FieldPermission>();
  for (const row of liveChildren(store, "FieldPermissions", "ParentId", permissionSetId)) {
    out.set(String(row.Field), { readable: row.PermissionsRead === true, editable: row.PermissionsEdit === true });
  }
  return out;
}

/** The profile's explicit rows (`Object.Field` → permission); fields not listed grant everything. */
export function profilePermissions(store: OrgStore, profileId: string): Map<string, FieldPermission> {
  const ps = profilePermissionSetId(store, profileId);
  return ps ? permissionRows(store, ps) : new Map();
}

/** The user's effective permissions that differ from the default (`Object.Field` → permission). */
export function userFieldPermissions(org: Org, userId: string): Map<string, FieldPermission> {
  const { store } = org;
  const profileId = store.get("User", userId)?.ProfileId;
  const base = typeof profileId === "string" ? profilePermissions(store, profileId) : new Map();
  if (base.size === 0) return base;
  const grants = liveChildren(store, "PermissionSetAssignment", "AssigneeId", userId).map((a) =>
    permissionRows(store, String(a.PermissionSetId)),
  );
  const out = new Map<string, FieldPermission>();
  for (const [key, own] of base) {
    let readable = own.readable || own.editable;
    let editable = own.editable;
    for (const g of grants) {
      const p = g.get(key);
      if (!p) continue;
      readable ||= p.readable || p.editable;
      editable ||= p.editable;
    }
    out.set(key, { readable, editable: editable && readable });
  }
  return out;
}

function restrict(def: ObjectDef, perms: ReadonlyMap<string, FieldPermission>): ObjectDef {
  const prefix = `${def.name}.`;
  if (![...perms.keys()].some((k) => k.startsWith(prefix))) return def;
  const fields: FieldDef[] = [];
  for (const f of def.fields) {
    const p = isPermissionable(f) ? perms.get(prefix + f.name) : undefined;
    if (!p) fields.push(f);
    else if (p.readable) fields.push(p.editable ? f : { ...f, createable: false, updateable: false });
  }
  return {
    ...def,
    fields,
    fieldsByLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
    relationshipsByLower: new Map(
      fields.filter((f) => f.relationshipName).map((f) => [String(f.relationshipName).toLowerCase(), f]),
    ),
  };
}

/** The schema as `userId` sees it: unreadable fields gone, read-only ones neither createable nor updateable. */
export function userSchema(org: Org, userId: string): OrgSchema {
  const perms = userFieldPermissions(org, userId);
  const full = org.store.schema;
  if (perms.size === 0) return full;
  const memo = new Map<string, ObjectDef>();
  const view = (def: ObjectDef): ObjectDef => {
    let out = memo.get(def.name);
    if (!out) {
      out = restrict(def, perms);
      memo.set(def.name, out);
    }
    return out;
  };
  return {
    get objects() {
      return full.objects.map(view);
    },
    object: (name) => {
      const def = full.object(name);
      return def ? view(def) : undefined;
    },
  };
}

/**
 * The org as a data API request of `userId` sees it: the same store, clock and users, with the
 * user's view of the schema. Writers reach the full schema through `org.store.schema`.
 */
export function orgAs(org: Org, userId: string): Org {
  return { ...org, schema: userSchema(org, userId) };
}
