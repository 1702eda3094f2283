/**
 * Creating, updating and deleting records as one user: which fields the input may set, defaults,
 * required and unique fields, system fields, sharing checks and cascading soft deletes
 * (reference §2.4, §3, §4). Coercing each value is `field-coercion.ts`; the fields Salesforce
 * derives (Contact Name, Opportunity stage fields, Task and Event fields) are `derived-fields.ts`.
 *
 * Invariant: a call either stores every change it makes or throws a {@link SalesforceApiError}
 * having stored nothing (it runs inside one store transaction).
 */
import { readSalesforceId } from "../ids/salesforce-id.js";
import { apiErrors, SalesforceApiError } from "../schema/errors.js";
import { isIdField } from "../schema/objects.js";
import type { ObjectDef } from "../schema/schema-types.js";
import type { Org } from "../store/org.js";
import type { SfRecord, SfValue } from "../store/org-store.js";
import { formatDateTime, parseDateTime } from "../util/time.js";
import { afterDelete, afterWrite, deriveRelation } from "./activity-relations.js";
import { derive, missing } from "./derived-fields.js";
import { coerce } from "./field-coercion.js";
import { defaultRecordTypeId, requireRecordType } from "./record-type-infos.js";
import type { WriteContext } from "./write-context.js";

type Draft = Record<string, SfValue>;

/** Looks an object up for a data call, or answers 404 NOT_FOUND like `/sobjects/Foo`. */
export function requireObject(org: Org, name: string): ObjectDef {
  const def = org.schema.object(name);
  if (!def) throw apiErrors.notFound();
  return def;
}

/** The full definition of an object (every field), whatever the user's field-level security. */
export function fullDef(ctx: WriteContext, def: ObjectDef): ObjectDef {
  return ctx.org.store.schema.object(def.name) ?? def;
}

/** A record with every field null, in schema order. */
export function blankRecord(def: ObjectDef): Draft {
  const draft: Draft = {};
  for (const f of def.fields) draft[f.name] = null;
  return draft;
}

/**
 * Reads an id given for a record of `def` and answers the stored record, checking what
 * Salesforce checks before a write: id form and type, existence, deletion and edit access.
 */
export function recordForWrite(ctx: WriteContext, def: ObjectDef, idText: string, forDelete = false): SfRecord {
  const id = readSalesforceId(idText);
  if (!id?.startsWith(def.keyPrefix)) throw apiErrors.malformedId(def.label, idText);
  const record = ctx.org.store.get(def.name, id);
  if (!record) throw apiErrors.notFound();
  if (record.IsDeleted === true) throw apiErrors.entityDeleted();
  if (!ctx.access.canRead(def.name, record)) throw apiErrors.insufficientAccess();
  if (forDelete ? !canDelete(ctx, def, record) : !ctx.access.canEdit(def.name, record)) {
    throw apiErrors.insufficientAccess();
  }
  return record;
}

function canDelete(ctx: WriteContext, def: ObjectDef, record: SfRecord): boolean {
  if (!def.deletable) return false;
  if (["OpportunityContactRole", "TaskRelation", "EventRelation"].includes(def.name)) {
    return ctx.access.canEdit(def.name, record);
  }
  if (record.OwnerId === ctx.userId) return true;
  if (
    def.name === "Contact" &&
    ctx.org.sharing.Contact === "ControlledByParent" &&
    typeof record.AccountId === "string"
  ) {
    return ctx.org.store.get("Account", record.AccountId)?.OwnerId === ctx.userId;
  }
  return false;
}

/** Creates a record and answers its id. */
export function createRecord(ctx: WriteContext, viewDef: ObjectDef, input: Readonly<Record<string, unknown>>): string {
  const def = fullDef(ctx, viewDef);
  if (!def.createable) {
    throw new SalesforceApiError(400, "INVALID_TYPE_FOR_OPERATION", `entity type cannot be inserted: ${def.label}`);
  }
  return ctx.org.store.transaction(() => {
    const draft = blankRecord(def);
    const given = applyInput(ctx, def, draft, input, "create");
    const id = ctx.org.ids.next(def.keyPrefix);
    const stamp = formatDateTime(ctx.nowMs);
    draft.Id = id;
    draft.IsDeleted = false;
    draft.CreatedDate = stamp;
    draft.CreatedById = ctx.userId;
    draft.LastModifiedDate = stamp;
    draft.LastModifiedById = ctx.userId;
    draft.SystemModstamp = stamp;
    applyDefaults(ctx, def, draft);
    derive(ctx, def, draft, undefined, given);
    deriveRelation(ctx, def, draft, given);
    requireFields(def, draft);
    requireUnique(ctx, def, draft, given);
    if (ctx.access.level(def.name, draft) < 2) {
      throw new SalesforceApiError(
        400,
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "insufficient access rights on cross-reference id",
        [],
      );
    }
    ctx.org.store.put(def.name, draft);
    afterWrite(ctx, def, draft, undefined);
    return id;
  });
}

/** Options of an update. */
export interface UpdateOptions {
  /** `If-Unmodified-Since`, in ms; `exact` when the header carried milliseconds. */
  readonly ifUnmodifiedSince?: { readonly ms: number; readonly exact: boolean } | undefined;
}

/** Updates a record (given as 15/18-char id text). */
export function updateRecord(
  ctx: WriteContext,
  viewDef: ObjectDef,
  idText: string,
  input: Readonly<Record<string, unknown>>,
  options: UpdateOptions = {},
): string {
  const def = fullDef(ctx, viewDef);
  if (!def.updateable) {
    throw new SalesforceApiError(400, "INVALID_TYPE_FOR_OPERATION", `entity type cannot be updated: ${def.label}`);
  }
  const previous = recordForWrite(ctx, def, idText);
  const guard = options.ifUnmodifiedSince;
  if (guard) {
    const modified = parseDateTime(String(previous.LastModifiedDate)) ?? 0;
    if (modified > guard.ms + (guard.exact ? 0 : 999)) {
      throw new SalesforceApiError(
        412,
        "PRECONDITION_FAILED",
        "The requested resource has been modified since the time specified in If-Unmodified-Since header",
      );
    }
  }
  return ctx.org.store.transaction(() => {
    const draft: Draft = { ...previous };
    const given = applyInput(ctx, def, draft, input, "update");
    if (given.has("recordtypeid") && typeof draft.RecordTypeId === "string") {
      requireRecordType(ctx.org.store, def.name, draft.RecordTypeId);
    }
    const stamp = formatDateTime(ctx.nowMs);
    draft.LastModifiedDate = stamp;
    draft.LastModifiedById = ctx.userId;
    draft.SystemModstamp = stamp;
    derive(ctx, def, draft, previous, given);
    requireFields(def, draft);
    requireUnique(ctx, def, draft, given);
    ctx.org.store.put(def.name, draft);
    afterWrite(ctx, def, draft, previous);
    return String(draft.Id);
  });
}

/** Soft-deletes a record and, as Salesforce does, its dependent children. */
export function deleteRecord(ctx: WriteContext, def: ObjectDef, idText: string): string {
  const record = recordForWrite(ctx, def, idText, true);
  ctx.org.store.transaction(() => {
    softDelete(ctx, fullDef(ctx, def), record);
    afterDelete(ctx, def, record);
  });
  return String(record.Id);
}

function softDelete(ctx: WriteContext, def: ObjectDef, record: SfRecord): void {
  const stamp = formatDateTime(ctx.nowMs);
  ctx.org.store.put(
    def.name,
    { ...record, IsDeleted: true, SystemModstamp: stamp, LastModifiedDate: stamp, LastModifiedById: ctx.userId },
    ctx.nowMs,
  );
  for (const rel of def.childRelationships) {
    if (!rel.cascadeDelete) continue;
    const childDef = ctx.org.store.schema.object(rel.childSObject);
    if (!childDef) continue;
    for (const childId of [...ctx.org.store.children(rel.childSObject, rel.field, String(record.Id))]) {
      const child = ctx.org.store.get(rel.childSObject, childId);
      if (child && child.IsDeleted !== true) softDelete(ctx, childDef, child);
    }
  }
}

/** Applies the JSON input to the draft; answers the lower-case names given. */
function applyInput(
  ctx: WriteContext,
  def: ObjectDef,
  draft: Draft,
  input: Readonly<Record<string, unknown>>,
  mode: "create" | "update",
): Set<string> {
  const given = new Set<string>();
  const readOnly: string[] = [];
  // The user's view of the object: a field hidden or read-only by field-level security is
  // missing there or neither createable nor updateable.
  const visible = ctx.org.schema.object(def.name) ?? def;
  for (const [key, raw] of Object.entries(input)) {
    if (key === "attributes") continue;
    const f = def.fieldsByLower.get(key.toLowerCase());
    if (!f) throw apiErrors.noSuchColumn(key, def.name);
    if (f.name === "Id") {
      if (mode === "create") {
        throw new SalesforceApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", [
          "Id",
        ]);
      }
      continue;
    }
    const seen = visible.fieldsByLower.get(f.name.toLowerCase());
    if (!seen || (mode === "create" ? !seen.createable : !seen.updateable)) {
      readOnly.push(f.name);
      continue;
    }
    draft[f.name] = coerce(ctx, f, raw);
    given.add(f.name.toLowerCase());
  }
  if (readOnly.length > 0) {
    throw new SalesforceApiError(
      400,
      "INVALID_FIELD_FOR_INSERT_UPDATE",
      `Unable to create/update fields: ${readOnly.join(", ")}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    );
  }
  return given;
}

function applyDefaults(ctx: WriteContext, def: ObjectDef, draft: Draft): void {
  if (def.owned && draft.OwnerId === null) draft.OwnerId = ctx.userId;
  if (def.fieldsByLower.has("recordtypeid")) {
    draft.RecordTypeId ??= defaultRecordTypeId(ctx.org.store, def.name);
    if (typeof draft.RecordTypeId === "string") requireRecordType(ctx.org.store, def.name, draft.RecordTypeId);
  }
  for (const f of def.fields) {
    if (f.type === "boolean" && draft[f.name] === null) draft[f.name] = false;
  }
  if (def.name === "Task") {
    draft.Status ??= "Not Started";
    draft.Priority ??= "Normal";
    draft.TaskSubtype ??= "Task";
  }
  if (def.name === "Event") {
    draft.ShowAs ??= "Busy";
    draft.EventSubtype ??= "Event";
  }
}

function requireFields(def: ObjectDef, draft: Draft): void {
  const absent = def.fields
    .filter(
      (f) =>
        !f.nillable &&
        !f.defaultedOnCreate &&
        (f.createable || f.updateable) &&
        !isIdField(f) &&
        draft[f.name] === null,
    )
    .map((f) => f.name);
  const refs = def.fields
    .filter((f) => !f.nillable && !f.defaultedOnCreate && f.createable && isIdField(f) && draft[f.name] === null)
    .map((f) => f.name);
  const all = [...absent, ...refs];
  if (all.length > 0) throw missing(all);
}

function requireUnique(ctx: WriteContext, def: ObjectDef, draft: Draft, given: Set<string>): void {
  for (const f of def.fields) {
    const value = draft[f.name];
    if (!f.unique || !f.createable || !given.has(f.name.toLowerCase()) || typeof value !== "string") continue;
    const lower = value.toLowerCase();
    for (const other of ctx.org.store.table(def.name).values()) {
      const v = other[f.name];
      if (other.Id !== draft.Id && other.IsDeleted !== true && typeof v === "string" && v.toLowerCase() === lower) {
        throw new SalesforceApiError(
          400,
          "DUPLICATE_VALUE",
          `duplicate value found: ${f.name} duplicates value on record with id: ${String(other.Id)}`,
          [f.name],
        );
      }
    }
  }
}
