/**
 * The pure half of `pullOrgInfo`'s field part: describe results (as the user sees them) turned
 * into the book's `FieldInfo` lists, the notes on configured fields left out, and the record
 * types whose picklist values are read next; then the UI API's picklist values per record type.
 *
 * Invariants: a field is listed once per object (a configured field that is already in the
 * shape is not an extra); a configured field describe does not list, or whose name is not an
 * API name, becomes a `hidden` note, one whose type the book cannot hold an `unsupported` note,
 * and neither is listed; `RecordTypeId` is an extra field exactly when describe lists it; the
 * master record type and unavailable ones are never listed. Nothing here does IO.
 */
import {
  ACTIVITY_SHAPE,
  CONTACT_SHAPE,
  type ConfigurableObject,
  type ExtraFieldConfig,
  type FieldInfo,
  type FieldNote,
  OPPORTUNITY_SHAPE,
  type RecordShape,
  readSalesforceId,
  type SalesforceId,
  shapeFields,
} from "@tandem/engine";
import { isFieldName } from "../push/idempotency.js";

/** The objects whose describe the book reads, in this order. */
export const DESCRIBED_OBJECTS: ReadonlyArray<ConfigurableObject> = ["Opportunity", "Contact", "Task", "Event"];

const SHAPES: Readonly<Record<ConfigurableObject, RecordShape>> = {
  Opportunity: OPPORTUNITY_SHAPE,
  Contact: CONTACT_SHAPE,
  Task: ACTIVITY_SHAPE,
  Event: ACTIVITY_SHAPE,
};

/** Describe types whose values the book cannot hold (compound or binary). */
const UNSUPPORTED_TYPES = new Set(["address", "location", "base64", "complexvalue", "anytype"]);
const TEXT_TYPES = new Set(["string", "textarea", "email", "phone", "url", "combobox", "encryptedstring"]);
const PICKLIST_TYPES = new Set(["picklist", "multipicklist"]);

type Json = Readonly<Record<string, unknown>>;

function fieldsOf(describe: unknown): ReadonlyArray<Json> {
  const fields = (describe as { fields?: unknown } | null | undefined)?.fields;
  return Array.isArray(fields) ? (fields.filter((f) => typeof f === "object" && f !== null) as Json[]) : [];
}

/**
 * One describe field as the book's `FieldInfo`.
 *
 * @example
 * ```ts
 * toFieldInfo({ name: "NextStep", label: "Next Step", type: "string", updateable: true, nillable: true, length: 255 }, true);
 * ```
 */
export function toFieldInfo(field: Json, extra: boolean): FieldInfo {
  const type = typeof field.type === "string" ? field.type : "string";
  const values = Array.isArray(field.picklistValues) ? (field.picklistValues as ReadonlyArray<Json>) : [];
  return {
    name: String(field.name),
    label: typeof field.label === "string" && field.label !== "" ? field.label : String(field.name),
    type,
    updateable: field.updateable === true,
    nillable: field.nillable === true,
    length: TEXT_TYPES.has(type) && typeof field.length === "number" ? field.length : null,
    picklist: PICKLIST_TYPES.has(type)
      ? values.flatMap((v) => (v.active !== false && typeof v.value === "string" ? [v.value] : []))
      : null,
    extra,
  };
}

/** A readable name for a field describe does not give us: `Budget_Confirmed__c` → "Budget Confirmed". */
export function labelFromApiName(name: string): string {
  return name
    .replace(/__c$/i, "")
    .replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .trim();
}

function note(sobject: string, field: string, reason: FieldNote["reason"], label: string): FieldNote {
  const named = label === field ? field : `${label} (${field})`;
  const message =
    reason === "hidden"
      ? `${named} on ${sobject} is not visible to you in Salesforce, so it is not synced.`
      : `${named} on ${sobject} is a kind of field the book cannot hold, so it is not synced.`;
  return { sobject, field, reason, message };
}

/** A record type whose picklist values are read from the UI API. */
export interface RecordTypeRef {
  readonly sobject: ConfigurableObject;
  readonly id: SalesforceId;
  readonly name: string;
  readonly developerName: string;
  readonly isDefault: boolean;
  /** The picklist fields whose values it restricts (StageName and every synced picklist). */
  readonly picklistFields: ReadonlyArray<string>;
}

/** The field part of the org info, before the record types' picklist values are read. */
export interface OrgFields {
  readonly fields: Record<string, ReadonlyArray<FieldInfo>>;
  readonly fieldNotes: ReadonlyArray<FieldNote>;
  readonly recordTypes: ReadonlyArray<RecordTypeRef>;
}

function recordTypesOf(
  sobject: ConfigurableObject,
  describe: unknown,
  fields: ReadonlyArray<FieldInfo>,
): RecordTypeRef[] {
  const infos = (describe as { recordTypeInfos?: unknown } | null | undefined)?.recordTypeInfos;
  if (!Array.isArray(infos)) return [];
  const picklistFields = fields.filter((f) => f.picklist !== null).map((f) => f.name);
  return (infos as ReadonlyArray<Json>).flatMap((info) => {
    if (info.master === true || info.available === false || info.active === false) return [];
    if (typeof info.recordTypeId !== "string") return [];
    return [
      {
        sobject,
        id: readSalesforceId(info.recordTypeId),
        name: typeof info.name === "string" ? info.name : String(info.developerName ?? ""),
        developerName: typeof info.developerName === "string" ? info.developerName : "",
        isDefault: info.defaultRecordTypeMapping === true,
        picklistFields,
      },
    ];
  });
}

/**
 * The synced objects' fields as the user's describes list them, the notes on configured fields
 * left out, and the record types to read picklist values for.
 *
 * @remarks `describes` holds each object's describe body (an object missing from it lists
 * nothing). See the file comment for the invariants.
 */
export function orgFieldsOf(
  describes: Partial<Readonly<Record<ConfigurableObject, unknown>>>,
  extraFields: ExtraFieldConfig,
): OrgFields {
  const out: Record<string, ReadonlyArray<FieldInfo>> = {};
  const notes: FieldNote[] = [];
  const recordTypes: RecordTypeRef[] = [];
  for (const sobject of DESCRIBED_OBJECTS) {
    const described = new Map(fieldsOf(describes[sobject]).map((f) => [String(f.name).toLowerCase(), f]));
    const listed: FieldInfo[] = [];
    const taken = new Set<string>();
    const take = (field: Json, extra: boolean) => {
      const info = toFieldInfo(field, extra);
      taken.add(info.name.toLowerCase());
      listed.push(info);
    };
    for (const shapeField of shapeFields(SHAPES[sobject], sobject)) {
      if (!shapeField.present || shapeField.apiName === null) continue;
      const field = described.get(shapeField.apiName.toLowerCase());
      if (field !== undefined) take(field, false);
    }
    const configured = [...(extraFields[sobject] ?? [])];
    for (const name of configured) {
      if (taken.has(name.toLowerCase())) continue;
      const field = isFieldName(name) ? described.get(name.toLowerCase()) : undefined;
      if (field === undefined) {
        notes.push(note(sobject, name, "hidden", labelFromApiName(name)));
        continue;
      }
      const label = typeof field.label === "string" ? field.label : name;
      if (UNSUPPORTED_TYPES.has(String(field.type).toLowerCase())) {
        notes.push(note(sobject, String(field.name), "unsupported", label));
        continue;
      }
      take(field, true);
    }
    const recordTypeId = described.get("recordtypeid");
    if (recordTypeId !== undefined && !taken.has("recordtypeid")) take(recordTypeId, true);
    out[sobject] = listed;
    recordTypes.push(...recordTypesOf(sobject, describes[sobject], listed));
  }
  return { fields: out, fieldNotes: notes, recordTypes };
}

/** The values a record type allows per field, from a UI API `picklist-values` body. */
export function picklistsOf(body: unknown, fields: ReadonlyArray<string>): Record<string, ReadonlyArray<string>> {
  const all = (body as { picklistFieldValues?: unknown } | null | undefined)?.picklistFieldValues;
  const out: Record<string, ReadonlyArray<string>> = {};
  if (typeof all !== "object" || all === null) return out;
  for (const field of fields) {
    const entry = (all as Record<string, unknown>)[field];
    const values = (entry as { values?: unknown } | undefined)?.values;
    if (!Array.isArray(values)) continue;
    out[field] = (values as ReadonlyArray<Json>).flatMap((v) => (typeof v.value === "string" ? [v.value] : []));
  }
  return out;
}
