/**
 * Creating, updating and deleting records as one user: field validation and coercion to wire
 * formats, required fields, restricted picklists, reference checks, derived fields (Contact
 * Name; Opportunity stage fields; Task IsClosed/CompletedDateTime/AccountId; Event times),
 * system fields, sharing checks and cascading soft deletes (reference §2.4, §3, §4).
 *
 * Invariant: a call either stores every change it makes or throws a {@link SalesforceApiError}
 * having stored nothing (it runs inside one store transaction).
 */
import { apiErrors, SalesforceApiError } from "../api/errors.js";
import { readSalesforceId } from "../ids/salesforce-id.js";
import { isIdField } from "../schema/objects.js";
import type { FieldDef, ObjectDef } from "../schema/schema-types.js";
import type { AccessChecker } from "../sharing/access.js";
import { formatDate, formatDateTime, parseDate, parseDateTime } from "../util/time.js";
import { findStage, findTaskStatus, type Org } from "./org.js";
import type { SfRecord, SfValue } from "./org-store.js";

/** Who is writing, and when. */
export interface WriteContext {
  readonly org: Org;
  readonly userId: string;
  readonly access: AccessChecker;
  readonly nowMs: number;
}

type Draft = Record<string, SfValue>;

const FORECAST_CATEGORY: Readonly<Record<string, string>> = {
  Pipeline: "Pipeline",
  "Best Case": "BestCase",
  Commit: "Forecast",
  Closed: "Closed",
  Omitted: "Omitted",
  "Most Likely": "MostLikely",
};

/** Looks an object up for a data call, or answers 404 NOT_FOUND like `/sobjects/Foo`. */
export function requireObject(org: Org, name: string): ObjectDef {
  const def = org.schema.object(name);
  if (!def) throw apiErrors.notFound();
  return def;
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
  if (def.name === "OpportunityContactRole") return ctx.access.canEdit(def.name, record);
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
export function createRecord(ctx: WriteContext, def: ObjectDef, input: Readonly<Record<string, unknown>>): string {
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
  def: ObjectDef,
  idText: string,
  input: Readonly<Record<string, unknown>>,
  options: UpdateOptions = {},
): string {
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
    const stamp = formatDateTime(ctx.nowMs);
    draft.LastModifiedDate = stamp;
    draft.LastModifiedById = ctx.userId;
    draft.SystemModstamp = stamp;
    derive(ctx, def, draft, previous, given);
    requireFields(def, draft);
    requireUnique(ctx, def, draft, given);
    ctx.org.store.put(def.name, draft);
    return String(draft.Id);
  });
}

/** Soft-deletes a record and, as Salesforce does, its dependent children. */
export function deleteRecord(ctx: WriteContext, def: ObjectDef, idText: string): string {
  const record = recordForWrite(ctx, def, idText, true);
  ctx.org.store.transaction(() => softDelete(ctx, def, record));
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
    const childDef = ctx.org.schema.object(rel.childSObject);
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
    if (mode === "create" ? !f.createable : !f.updateable) {
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
      `Unable to ${mode} fields: ${readOnly.join(", ")}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    );
  }
  return given;
}

function deserializeError(kind: string, raw: unknown): SalesforceApiError {
  const token = typeof raw === "string" ? "VALUE_STRING" : typeof raw === "boolean" ? "VALUE_TRUE" : "VALUE_NUMBER_INT";
  return apiErrors.jsonParser(
    `Cannot deserialize instance of ${kind} from ${token} value ${String(raw)} or request may be missing a required field`,
  );
}

/** Coerces one JSON value to the stored wire form of the field, or throws the Salesforce error. */
export function coerce(ctx: WriteContext, f: FieldDef, raw: unknown): SfValue {
  if (raw === null || raw === undefined || raw === "") {
    return f.type === "boolean" ? false : null;
  }
  if (typeof raw === "object") {
    throw apiErrors.jsonParser(`Cannot deserialize instance of ${f.type} from START_OBJECT value`);
  }
  switch (f.type) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "false") return raw === "true";
      throw deserializeError("boolean", raw);
    case "int":
    case "double":
    case "currency":
    case "percent": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) throw deserializeError(f.type === "int" ? "int" : "double", raw);
      return f.type === "int" ? Math.trunc(n) : n;
    }
    case "date": {
      const text = String(raw);
      const ms = parseDate(text) ?? parseDateTime(text);
      if (ms === undefined) throw deserializeError("date", raw);
      return formatDate(ms);
    }
    case "datetime": {
      const ms = parseDateTime(String(raw)) ?? parseDate(String(raw));
      if (ms === undefined) throw deserializeError("datetime", raw);
      return formatDateTime(ms);
    }
    case "reference":
    case "id":
      return coerceReference(ctx, f, String(raw));
    default: {
      const text = String(raw);
      if (text.length > f.length) {
        throw new SalesforceApiError(
          400,
          "STRING_TOO_LONG",
          `${f.label}: data value too large: ${text.slice(0, 80)} (max length=${f.length})`,
          [f.name],
        );
      }
      if (f.type === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) {
        throw new SalesforceApiError(400, "INVALID_EMAIL_ADDRESS", `${f.label}: invalid email address: ${text}`, [
          f.name,
        ]);
      }
      if (f.restrictedPicklist) {
        const match = f.picklistValues.find((v) => v.toLowerCase() === text.toLowerCase());
        if (!match) {
          throw new SalesforceApiError(
            400,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            `${f.label}: bad value for restricted picklist field: ${text}`,
            [f.name],
          );
        }
        return match;
      }
      return text;
    }
  }
}

function coerceReference(ctx: WriteContext, f: FieldDef, text: string): string {
  const id = readSalesforceId(text);
  const targets = f.referenceTo.map((name) => ctx.org.schema.object(name)).filter((o) => o !== undefined);
  if (!id || !targets.some((t) => id.startsWith(t.keyPrefix))) {
    throw new SalesforceApiError(400, "MALFORMED_ID", `${f.label} ID: id value of incorrect type: ${text}`, [f.name]);
  }
  const found = ctx.org.store.find(
    targets.map((t) => t.name),
    id,
  );
  if (!found) {
    throw new SalesforceApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name]);
  }
  if (found.record.IsDeleted === true) {
    throw new SalesforceApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [f.name]);
  }
  if (!ctx.access.canRead(found.object, found.record)) {
    throw new SalesforceApiError(
      400,
      "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
      "insufficient access rights on cross-reference id",
      [f.name],
    );
  }
  if (f.name === "OwnerId" && found.record.IsActive === false) {
    throw new SalesforceApiError(400, "INACTIVE_OWNER_OR_USER", "owner or user is inactive.", [f.name]);
  }
  return id;
}

function applyDefaults(ctx: WriteContext, def: ObjectDef, draft: Draft): void {
  if (def.owned && draft.OwnerId === null) draft.OwnerId = ctx.userId;
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

function derive(
  ctx: WriteContext,
  def: ObjectDef,
  draft: Draft,
  previous: SfRecord | undefined,
  given: Set<string>,
): void {
  const { store } = ctx.org;
  switch (def.name) {
    case "Contact":
      draft.Name = [draft.FirstName, draft.LastName].filter((p) => typeof p === "string" && p !== "").join(" ");
      break;
    case "Opportunity": {
      const stage = typeof draft.StageName === "string" ? findStage(draft.StageName) : undefined;
      if (!stage) break;
      const stageChanged = previous === undefined || previous.StageName !== draft.StageName;
      draft.IsClosed = stage.isClosed;
      draft.IsWon = stage.isWon;
      if (stageChanged && !given.has("probability")) draft.Probability = stage.probability;
      if ((stageChanged && !given.has("forecastcategoryname")) || draft.ForecastCategoryName === null) {
        draft.ForecastCategoryName = stage.forecastCategoryName;
      }
      if (stage.isClosed) draft.ForecastCategoryName = stage.forecastCategoryName;
      draft.ForecastCategory = FORECAST_CATEGORY[String(draft.ForecastCategoryName)] ?? stage.forecastCategory;
      break;
    }
    case "Task": {
      const status = typeof draft.Status === "string" ? findTaskStatus(draft.Status) : undefined;
      const closed = status?.isClosed ?? false;
      draft.IsClosed = closed;
      if (!closed) draft.CompletedDateTime = null;
      else if (previous?.IsClosed !== true || draft.CompletedDateTime === null) {
        draft.CompletedDateTime = formatDateTime(ctx.nowMs);
      }
      draft.IsHighPriority = draft.Priority === "High";
      draft.AccountId = activityAccount(ctx, draft);
      break;
    }
    case "Event": {
      deriveEventTimes(draft, given);
      draft.AccountId = activityAccount(ctx, draft);
      break;
    }
    case "OpportunityContactRole":
      if (draft.IsPrimary === true && typeof draft.OpportunityId === "string") {
        for (const otherId of store.children("OpportunityContactRole", "OpportunityId", draft.OpportunityId)) {
          const other = store.get("OpportunityContactRole", otherId);
          if (other && other.Id !== draft.Id && other.IsPrimary === true) {
            store.put("OpportunityContactRole", {
              ...other,
              IsPrimary: false,
              SystemModstamp: draft.SystemModstamp ?? null,
            });
          }
        }
      }
      break;
    default:
      break;
  }
}

function activityAccount(ctx: WriteContext, draft: Draft): string | null {
  const { store } = ctx.org;
  if (typeof draft.WhatId === "string") {
    const what = store.find(["Account", "Opportunity"], draft.WhatId);
    if (what?.object === "Account") return String(what.record.Id);
    if (what && typeof what.record.AccountId === "string") return what.record.AccountId;
  }
  if (typeof draft.WhoId === "string") {
    const who = store.get("Contact", draft.WhoId);
    if (who && typeof who.AccountId === "string") return who.AccountId;
  }
  return null;
}

function deriveEventTimes(draft: Draft, given: Set<string>): void {
  if (given.has("activitydatetime") && !given.has("startdatetime"))
    draft.StartDateTime = draft.ActivityDateTime ?? null;
  draft.ActivityDateTime = draft.StartDateTime ?? null;
  if (draft.IsAllDayEvent === true) {
    if (draft.ActivityDate === null && typeof draft.StartDateTime === "string") {
      draft.ActivityDate = draft.StartDateTime.slice(0, 10);
    }
    if (draft.ActivityDate === null) throw missing(["ActivityDate"]);
    draft.DurationInMinutes ??= 1440;
    return;
  }
  const start = typeof draft.StartDateTime === "string" ? parseDateTime(draft.StartDateTime) : undefined;
  if (start === undefined) throw missing(["ActivityDateTime"]);
  const end = typeof draft.EndDateTime === "string" ? parseDateTime(draft.EndDateTime) : undefined;
  const durationGiven =
    given.has("durationinminutes") || (!given.has("enddatetime") && draft.DurationInMinutes !== null);
  if (durationGiven && typeof draft.DurationInMinutes === "number") {
    draft.EndDateTime = formatDateTime(start + draft.DurationInMinutes * 60_000);
  } else if (end !== undefined) {
    if (end < start) {
      throw new SalesforceApiError(
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        "End Date Time: End date cannot be before start date",
        ["EndDateTime"],
      );
    }
    draft.DurationInMinutes = Math.round((end - start) / 60_000);
  } else {
    throw missing(["DurationInMinutes"]);
  }
  draft.ActivityDate = formatDate(start);
}

function missing(fields: readonly string[]): SalesforceApiError {
  return new SalesforceApiError(
    400,
    "REQUIRED_FIELD_MISSING",
    `Required fields are missing: [${fields.join(", ")}]`,
    fields,
  );
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
