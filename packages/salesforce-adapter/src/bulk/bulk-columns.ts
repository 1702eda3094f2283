/**
 * The {@link BulkColumns} of a SELECT field list: how the CSV text of each path is read back,
 * from what the adapter already knows — the engine's record shapes (`model/record-shapes.ts`)
 * for shape fields, describe's types (`FieldInfo.type`, the engine's `ObjectFieldSelection.types`)
 * for configured extra fields, and the system fields every object has.
 *
 * Invariants: pure; every path of the list gets a type; a path nothing here knows reads as text
 * (the same value REST returns for every text-like field); a relationship path (`Account.Name`)
 * is typed by the parent object's shape when the relationship is one of {@link RELATIONSHIP_TARGETS}.
 */
import {
  ACCOUNT_SHAPE,
  ACTIVITY_SHAPE,
  CONTACT_ROLE_SHAPE,
  CONTACT_SHAPE,
  type FieldKind,
  OPPORTUNITY_SHAPE,
  type RecordShape,
  shapeFields,
} from "@tandem/engine";
import type { BulkColumns, BulkColumnType } from "./bulk-csv.js";

/** The shape whose table types each object's fields. */
const SHAPES: Readonly<Record<string, RecordShape>> = {
  Opportunity: OPPORTUNITY_SHAPE,
  Account: ACCOUNT_SHAPE,
  Contact: CONTACT_SHAPE,
  OpportunityContactRole: CONTACT_ROLE_SHAPE,
  Task: ACTIVITY_SHAPE,
  Event: ACTIVITY_SHAPE,
};

/** The object a (non-polymorphic) relationship name points at. */
export const RELATIONSHIP_TARGETS: Readonly<Record<string, string>> = {
  Account: "Account",
  Contact: "Contact",
  Opportunity: "Opportunity",
  Owner: "User",
  CreatedBy: "User",
  LastModifiedBy: "User",
};

/** Fields every object has, whatever its shape table says. */
const SYSTEM_FIELDS: Readonly<Record<string, BulkColumnType>> = {
  systemmodstamp: "datetime",
  createddate: "datetime",
  lastmodifieddate: "datetime",
  lastvieweddate: "datetime",
  lastreferenceddate: "datetime",
  lastactivitydate: "date",
  isdeleted: "boolean",
};

const KIND_TYPES: Readonly<Record<Exclude<FieldKind, "sobject">, BulkColumnType>> = {
  id: "string",
  text: "string",
  number: "number",
  boolean: "boolean",
  date: "date",
  datetime: "datetime",
};

/**
 * A describe field type (`FieldInfo.type`: `boolean`, `double`, `currency`, `date` …) as a
 * column type; every text-like type (`string`, `picklist`, `reference`, `time` …) is text.
 *
 * @example
 * ```ts
 * columnTypeOfDescribe("percent"); // "number"
 * ```
 */
export function columnTypeOfDescribe(type: string): BulkColumnType {
  switch (type.toLowerCase()) {
    case "boolean":
      return "boolean";
    case "int":
    case "long":
    case "double":
    case "currency":
    case "percent":
      return "number";
    case "date":
      return "date";
    case "datetime":
      return "datetime";
    default:
      return "string";
  }
}

/** The type of `field` of `sobject` by its shape table, or `undefined` when the shape lacks it. */
function shapeType(sobject: string, field: string): BulkColumnType | undefined {
  const shape = SHAPES[sobject];
  if (shape === undefined) return undefined;
  const lower = field.toLowerCase();
  const found = shapeFields(shape, sobject).find(
    (f) => f.present && f.apiName !== null && f.apiName.toLowerCase() === lower,
  );
  return found === undefined || found.kind === "sobject" ? undefined : KIND_TYPES[found.kind];
}

/** The object a relationship path's last relationship reaches, or `undefined` when unknown. */
function targetOf(sobject: string, relationships: ReadonlyArray<string>): string | undefined {
  let object: string | undefined = sobject;
  for (const name of relationships) {
    if (object === undefined) return undefined;
    object = Object.entries(RELATIONSHIP_TARGETS).find(([rel]) => rel.toLowerCase() === name.toLowerCase())?.[1];
  }
  return object;
}

/**
 * The column types of a SELECT of `fields` from `sobject`.
 *
 * @remarks Each path is typed by, in order: `types` (describe's type of an extra field, by
 * name as selected), the shape table of the object the path ends at, the system fields
 * (`SystemModstamp`, `CreatedDate` …), and otherwise text.
 * @example
 * ```ts
 * bulkColumnsFor("Opportunity", ["Id", "Amount", "IsClosed", "Account.Name", "NextStep"], { NextStep: "string" });
 * // { Id: "string", Amount: "number", IsClosed: "boolean", "Account.Name": "string", NextStep: "string" }
 * ```
 */
export function bulkColumnsFor(
  sobject: string,
  fields: ReadonlyArray<string>,
  types?: Readonly<Record<string, string>> | undefined,
): BulkColumns {
  const described = new Map(Object.entries(types ?? {}).map(([name, type]) => [name.toLowerCase(), type]));
  const out: Record<string, BulkColumnType> = {};
  for (const path of fields) {
    const describedType = described.get(path.toLowerCase());
    if (describedType !== undefined) {
      out[path] = columnTypeOfDescribe(describedType);
      continue;
    }
    const parts = path.split(".");
    const field = parts[parts.length - 1] ?? path;
    const target = targetOf(sobject, parts.slice(0, -1));
    out[path] =
      (target === undefined ? undefined : shapeType(target, field)) ?? SYSTEM_FIELDS[field.toLowerCase()] ?? "string";
  }
  return out;
}
