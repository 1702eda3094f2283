/**
 * What the fake port says of the org beyond its records: `pullOrgInfo` (stages, instance URL,
 * the user's time zone, the describe of each synced object under field-level security, record
 * types) and the field selection applied to pulled records (extra fields in `extra`, hidden
 * shape fields `null`).
 *
 * Invariants: a field the user cannot read is never described and never returned; selecting
 * one fails as Salesforce's query would (`INVALID_FIELD`).
 */

import { FORECAST_CATEGORIES, isEditableField } from "../model/fields.js";
import { shapeFields } from "../model/record-shapes.js";
import type { FieldInfo, FieldNote, OrgInfo } from "../model/schemas.js";
import { CONFIGURABLE_OBJECTS } from "../port/field-selection.js";
import {
  type ConfigurableObject,
  type FieldSelection,
  type OrgInfoRequest,
  ValidationFailed,
} from "../port/salesforce-port.js";
import { FAKE_EXTRA_FIELDS, FAKE_STAGES, type FakeOrg } from "./fake-org.js";

const KIND_TYPES: Readonly<Record<string, string>> = {
  id: "reference",
  text: "string",
  number: "double",
  boolean: "boolean",
  date: "date",
  datetime: "datetime",
};

const picklistOf = (object: string, field: string): ReadonlyArray<string> | null =>
  object === "Opportunity" && field === "StageName"
    ? [...FAKE_STAGES.keys()]
    : object === "Opportunity" && field === "ForecastCategoryName"
      ? FORECAST_CATEGORIES
      : null;

/** The describe of one object's synced fields as the user sees them, and notes for configured ones left out. */
function describeObject(
  org: FakeOrg,
  object: ConfigurableObject,
  shape: (typeof CONFIGURABLE_OBJECTS)[number][1],
  configured: ReadonlyArray<string>,
): { fields: FieldInfo[]; notes: FieldNote[] } {
  const editableObject = object === "Opportunity" || object === "Contact" ? object : null;
  const fields: FieldInfo[] = [];
  for (const f of shapeFields(shape, object)) {
    if (!f.present || f.apiName === null || !org.canRead(object, f.apiName)) continue;
    const picklist = picklistOf(object, f.apiName);
    fields.push({
      name: f.apiName,
      label: f.apiName,
      type: picklist !== null ? "picklist" : (KIND_TYPES[f.kind] ?? "string"),
      updateable:
        editableObject !== null && isEditableField(editableObject, f.apiName) && org.canEdit(object, f.apiName),
      nillable: f.nullable,
      length: f.kind === "text" ? 255 : null,
      picklist,
      extra: false,
    });
  }
  const notes: FieldNote[] = [];
  const known = FAKE_EXTRA_FIELDS[object] ?? {};
  const wanted = [...configured, ...(object === "Opportunity" && org.recordTypes.length > 0 ? ["RecordTypeId"] : [])];
  for (const name of wanted) {
    const extra = name === "RecordTypeId" ? { type: "reference" as const } : known[name];
    if (extra === undefined || !org.canRead(object, name)) {
      notes.push({
        sobject: object,
        field: name,
        reason: "hidden",
        message: `${name} on ${object} is not visible to you in Salesforce, so it is not synced.`,
      });
      continue;
    }
    fields.push({
      name,
      label: name.replace(/__c$/, "").replace(/_/g, " "),
      type: extra.type,
      updateable: name !== "RecordTypeId" && org.canEdit(object, name),
      nillable: extra.type !== "boolean",
      length: extra.type === "string" ? 255 : null,
      picklist: "picklist" in extra ? (extra.picklist ?? null) : null,
      extra: true,
    });
  }
  return { fields, notes };
}

/**
 * `pullOrgInfo`: the instance URL and stages; with a request, also the user's time zone, the
 * describe of each synced object, notes for configured fields left out, and record types.
 */
export function orgInfoOf(org: FakeOrg, request: OrgInfoRequest | undefined): OrgInfo {
  const base: OrgInfo = {
    instanceUrl: org.instanceUrl,
    stages: [...FAKE_STAGES].map(([name, stage], i) => ({
      name,
      sortOrder: i + 1,
      isClosed: stage.closed,
      isWon: stage.closed && stage.probability === 100,
    })),
  };
  if (request === undefined) return base;
  const fields: Record<string, FieldInfo[]> = {};
  const fieldNotes: FieldNote[] = [];
  for (const [object, shape] of CONFIGURABLE_OBJECTS) {
    const described = describeObject(org, object, shape, request.extraFields[object] ?? []);
    fields[object] = described.fields;
    fieldNotes.push(...described.notes.filter((n) => n.field !== "RecordTypeId"));
  }
  const recordTypes =
    org.recordTypes.length === 0
      ? {}
      : {
          Opportunity: org.recordTypes.map((t) => ({
            id: t.id,
            name: t.name,
            developerName: t.developerName,
            isDefault: t.isDefault,
            picklists: { StageName: t.stages },
          })),
        };
  return { ...base, timeZone: org.timeZones.get(request.userId) ?? null, fields, recordTypes, fieldNotes };
}

/**
 * A pulled record as the selection reads it: hidden shape fields `null`, selected extra fields
 * in `extra` (no `extra` without a selection).
 *
 * @remarks Fails like Salesforce's query when the selection names a field the user cannot read.
 */
export function selectFields<R extends { readonly Id: string }>(
  org: FakeOrg,
  object: ConfigurableObject,
  record: R,
  selection: FieldSelection | undefined,
): R {
  const s = selection?.[object];
  if (s === undefined) return record;
  const out: Record<string, unknown> = { ...record };
  for (const field of s.hidden) out[field] = null;
  const values = org.extras.get(record.Id as never) ?? {};
  const extra: Record<string, unknown> = {};
  for (const field of s.extra) extra[field] = values[field] ?? null;
  if (s.extra.length > 0) out.extra = extra;
  return out as unknown as R;
}

/** The `INVALID_FIELD` failure of a selection naming a field the user cannot read, or `null`. */
export function unreadableSelection(org: FakeOrg, selection: FieldSelection | undefined): ValidationFailed | null {
  for (const [object, s] of Object.entries(selection ?? {})) {
    for (const field of s?.extra ?? []) {
      const known = field === "RecordTypeId" ? org.recordTypes.length > 0 : FAKE_EXTRA_FIELDS[object]?.[field];
      if (!known || !org.canRead(object, field))
        return new ValidationFailed({
          code: "INVALID_FIELD",
          message: `No such column '${field}' on entity '${object}'.`,
          fields: [field],
        });
    }
  }
  return null;
}
