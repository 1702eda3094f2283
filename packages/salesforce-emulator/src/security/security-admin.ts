/**
 * What the control API changes in the org's setup, bypassing every user's security: field
 * permissions of a profile, a user's profile and time zone, and permission set assignments.
 * Each change is a store write, so the data file's journal keeps it like any record.
 *
 * Invariants: editable implies readable (a field set editable is stored readable too); only
 * permissionable fields ({@link isPermissionable}) take a permission; bad input throws
 * {@link SetupInputError} and changes nothing.
 */
import { readSalesforceId } from "../ids/salesforce-id.js";
import type { Org } from "../store/org.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { formatDateTime } from "../util/time.js";
import { isPermissionable, profilePermissionSetId } from "./field-security.js";

/** A bad control request: unknown profile, object, field or user, or an invalid value. */
export class SetupInputError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = "SetupInputError";
  }
}

/** A profile's permission on one field, as the control API reads and writes it. */
export interface FieldPermissionSpec {
  /** Profile id or name. */
  readonly profile: string;
  readonly object: string;
  readonly field: string;
  readonly readable: boolean;
  readonly editable: boolean;
}

/** A field permission read back, with the profile resolved. */
export interface FieldPermissionView extends Omit<FieldPermissionSpec, "profile"> {
  readonly profile: { readonly id: string; readonly name: string };
}

/** A profile with its explicit field permissions. */
export interface ProfileView {
  readonly id: string;
  readonly name: string;
  readonly fieldPermissions: Omit<FieldPermissionView, "profile">[];
}

function byIdOrName(org: Org, object: string, key: string, nameField: string): SfRecord | undefined {
  const id = readSalesforceId(key);
  if (id) {
    const rec = org.store.get(object, id);
    if (rec) return rec;
  }
  const lower = key.toLowerCase();
  return [...org.store.table(object).values()].find((r) => String(r[nameField]).toLowerCase() === lower);
}

function requireProfile(org: Org, profile: string): SfRecord {
  const rec = byIdOrName(org, "Profile", profile, "Name");
  if (!rec) throw new SetupInputError(`unknown profile: ${profile}`, 404);
  return rec;
}

/** Finds a user by id (15 or 18 characters) or username. */
export function requireUser(org: Org, user: string): SfRecord {
  const rec = byIdOrName(org, "User", user, "Username");
  if (!rec) throw new SetupInputError(`unknown user: ${user}`, 404);
  return rec;
}

function stampFields(org: Org): Record<string, SfValue> {
  const stamp = formatDateTime(org.clock.nowMs());
  return { LastModifiedDate: stamp, SystemModstamp: stamp };
}

function newRecord(org: Org, object: string, fields: Record<string, SfValue>): void {
  const def = org.store.schema.object(object);
  if (!def) throw new Error(`schema lacks ${object}`);
  const rec: Record<string, SfValue> = {};
  for (const f of def.fields) rec[f.name] = null;
  const stamp = formatDateTime(org.clock.nowMs());
  const by = org.users[0]?.id ?? null;
  Object.assign(rec, { Id: org.ids.next(def.keyPrefix), CreatedDate: stamp, CreatedById: by, LastModifiedById: by });
  Object.assign(rec, stampFields(org), fields);
  if ("IsDeleted" in rec) rec.IsDeleted = false;
  org.store.put(object, rec);
}

function ownPermissionSet(org: Org, profile: SfRecord): string {
  const existing = profilePermissionSetId(org.store, String(profile.Id));
  if (existing) return existing;
  newRecord(org, "PermissionSet", {
    Name: `X${String(profile.Id).slice(0, 15)}`,
    Label: String(profile.Name),
    IsOwnedByProfile: true,
    ProfileId: String(profile.Id),
  });
  return profilePermissionSetId(org.store, String(profile.Id)) ?? "";
}

function rowsOf(org: Org, permissionSetId: string): SfRecord[] {
  return [...org.store.children("FieldPermissions", "ParentId", permissionSetId)]
    .map((id) => org.store.get("FieldPermissions", id))
    .filter((r): r is SfRecord => r !== undefined);
}

/** Reads a profile's permission on a field (readable and editable when it has no row). */
export function readFieldPermission(org: Org, profile: string, object: string, field: string): FieldPermissionView {
  const p = requireProfile(org, profile);
  const def = org.store.schema.object(object);
  const f = def?.fieldsByLower.get(field.toLowerCase());
  if (!def || !f) throw new SetupInputError(`unknown field: ${object}.${field}`, 404);
  const ps = profilePermissionSetId(org.store, String(p.Id));
  const row = ps ? rowsOf(org, ps).find((r) => r.Field === `${def.name}.${f.name}`) : undefined;
  const writable = f.createable || f.updateable;
  return {
    profile: { id: String(p.Id), name: String(p.Name) },
    object: def.name,
    field: f.name,
    readable: row ? row.PermissionsRead === true : true,
    editable: writable && (row ? row.PermissionsEdit === true : true),
  };
}

/** Sets a profile's permission on a field and answers it read back. */
export function setFieldPermission(org: Org, spec: FieldPermissionSpec): FieldPermissionView {
  if (typeof spec.readable !== "boolean" || typeof spec.editable !== "boolean") {
    throw new SetupInputError("readable and editable must be booleans");
  }
  const p = requireProfile(org, spec.profile);
  const def = org.store.schema.object(spec.object);
  const f = def?.fieldsByLower.get(String(spec.field).toLowerCase());
  if (!def || !f) throw new SetupInputError(`unknown field: ${spec.object}.${spec.field}`, 404);
  if (!isPermissionable(f)) {
    throw new SetupInputError(`field-level security does not apply to ${def.name}.${f.name}`);
  }
  const ps = ownPermissionSet(org, p);
  const key = `${def.name}.${f.name}`;
  const fields = { PermissionsRead: spec.readable || spec.editable, PermissionsEdit: spec.editable };
  const row = rowsOf(org, ps).find((r) => r.Field === key);
  if (row) org.store.put("FieldPermissions", { ...row, ...fields, ...stampFields(org) });
  else newRecord(org, "FieldPermissions", { ParentId: ps, SobjectType: def.name, Field: key, ...fields });
  return readFieldPermission(org, String(p.Id), def.name, f.name);
}

/** Every profile with its explicit field permissions. */
export function listProfiles(org: Org): ProfileView[] {
  return [...org.store.table("Profile").values()].map((p) => {
    const ps = profilePermissionSetId(org.store, String(p.Id));
    return {
      id: String(p.Id),
      name: String(p.Name),
      fieldPermissions: (ps ? rowsOf(org, ps) : []).map((r) => ({
        object: String(r.SobjectType),
        field: String(r.Field).split(".")[1] ?? "",
        readable: r.PermissionsRead === true,
        editable: r.PermissionsEdit === true,
      })),
    };
  });
}

/** A user's setup as the control API shows it. */
export interface UserSetupView {
  readonly id: string;
  readonly username: string;
  readonly timeZoneSidKey: string;
  readonly profile: { readonly id: string; readonly name: string } | null;
  readonly permissionSets: string[];
}

/** Reads a user's time zone, profile and assigned permission sets (by name). */
export function readUserSetup(org: Org, user: string): UserSetupView {
  const u = requireUser(org, user);
  const profile = typeof u.ProfileId === "string" ? org.store.get("Profile", u.ProfileId) : undefined;
  const permissionSets = [...org.store.children("PermissionSetAssignment", "AssigneeId", String(u.Id))]
    .map((id) => org.store.get("PermissionSetAssignment", id))
    .map((a) => (a ? org.store.get("PermissionSet", String(a.PermissionSetId)) : undefined))
    .filter((ps): ps is SfRecord => ps !== undefined)
    .map((ps) => String(ps.Name));
  return {
    id: String(u.Id),
    username: String(u.Username),
    timeZoneSidKey: String(u.TimeZoneSidKey),
    profile: profile ? { id: String(profile.Id), name: String(profile.Name) } : null,
    permissionSets,
  };
}

/** What `updateUserSetup` may change. */
export interface UserSetupChange {
  readonly timeZoneSidKey?: string | undefined;
  /** Profile id or name. */
  readonly profile?: string | undefined;
  /** Permission set ids or names to assign (profile-owned ones are refused). */
  readonly assignPermissionSets?: readonly string[] | undefined;
  /** Permission set ids or names to unassign. */
  readonly unassignPermissionSets?: readonly string[] | undefined;
}

function requirePermissionSet(org: Org, key: string): SfRecord {
  const ps = byIdOrName(org, "PermissionSet", key, "Name");
  if (!ps || ps.IsOwnedByProfile === true) throw new SetupInputError(`unknown permission set: ${key}`, 404);
  return ps;
}

/** Changes a user's time zone, profile or permission set assignments; answers the result. */
export function updateUserSetup(org: Org, user: string, change: UserSetupChange): UserSetupView {
  const u = requireUser(org, user);
  const tz = change.timeZoneSidKey;
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
    } catch {
      throw new SetupInputError(`invalid timeZoneSidKey: ${String(tz)}`);
    }
  }
  const profile = change.profile === undefined ? undefined : requireProfile(org, change.profile);
  const assign = (change.assignPermissionSets ?? []).map((k) => requirePermissionSet(org, k));
  const unassign = (change.unassignPermissionSets ?? []).map((k) => requirePermissionSet(org, k));
  const userId = String(u.Id);
  if (tz !== undefined || profile) {
    org.store.put("User", {
      ...u,
      ...(tz !== undefined ? { TimeZoneSidKey: tz } : {}),
      ...(profile ? { ProfileId: String(profile.Id) } : {}),
      ...stampFields(org),
    });
  }
  const assignments = () =>
    [...org.store.children("PermissionSetAssignment", "AssigneeId", userId)]
      .map((id) => org.store.get("PermissionSetAssignment", id))
      .filter((a): a is SfRecord => a !== undefined);
  for (const ps of assign) {
    if (assignments().some((a) => a.PermissionSetId === ps.Id)) continue;
    newRecord(org, "PermissionSetAssignment", { AssigneeId: userId, PermissionSetId: String(ps.Id) });
  }
  for (const ps of unassign) {
    for (const a of assignments())
      if (a.PermissionSetId === ps.Id) org.store.purgeRecord("PermissionSetAssignment", String(a.Id));
  }
  return readUserSetup(org, userId);
}
