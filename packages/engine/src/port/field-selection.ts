/**
 * Which fields a pull reads, from what the user's describe says (`meta.org.fields`): the
 * configured extra fields the user can read go into each record's `extra`, and shape fields
 * hidden from the user by field-level security are left out (they read `null`) instead of
 * failing the query.
 *
 * Invariants: pure; with no describe (an older book, a port without `pullOrgInfo`) the
 * selection is empty and the pulls read the shapes exactly as before; only nullable shape
 * fields are ever hidden (a required one, missing from describe, is still selected, and the
 * query's error says what is wrong).
 */

import {
  ACTIVITY_SHAPE,
  CONTACT_SHAPE,
  OPPORTUNITY_SHAPE,
  type RecordShape,
  shapeFields,
} from "../model/record-shapes.js";
import type { OrgInfo } from "../model/schemas.js";
import type { ConfigurableObject, ExtraFieldConfig, FieldSelection, ObjectFieldSelection } from "./salesforce-port.js";

/** The objects whose fields can be configured, and the shape each one's rows become. */
export const CONFIGURABLE_OBJECTS: ReadonlyArray<readonly [ConfigurableObject, RecordShape]> = [
  ["Opportunity", OPPORTUNITY_SHAPE],
  ["Contact", CONTACT_SHAPE],
  ["Task", ACTIVITY_SHAPE],
  ["Event", ACTIVITY_SHAPE],
];

const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

/**
 * Why an extra-field configuration cannot be used, or `null`: each object must be one of
 * {@link CONFIGURABLE_OBJECTS} and each field a well-formed API name (`NextStep`,
 * `Competitor__c`), not already one of the shape's fields. Whether the org has the field and
 * the user may read it is decided later, against describe.
 *
 * @example
 * ```ts
 * checkExtraFieldConfig({ Opportunity: ["Next Step"] }); // 'Opportunity field "Next Step" is not an API name'
 * ```
 */
export function checkExtraFieldConfig(config: unknown): string | null {
  if (typeof config !== "object" || config === null || Array.isArray(config))
    return "must be an object of object names to field lists";
  const objects = new Map(CONFIGURABLE_OBJECTS);
  for (const [object, fields] of Object.entries(config)) {
    const shape = objects.get(object as ConfigurableObject);
    if (shape === undefined)
      return `"${object}" is not an object whose fields can be added (${[...objects.keys()].join(", ")})`;
    if (!Array.isArray(fields)) return `${object} must list field names`;
    for (const field of fields) {
      if (typeof field !== "string" || !API_NAME.test(field))
        return `${object} field ${JSON.stringify(field)} is not an API name`;
      if (Object.hasOwn(shape.fields, field)) return `${object}.${field} is synced already`;
    }
  }
  return null;
}

/**
 * What pulls read beyond (or instead of) the shapes, from the user's describe in `org`.
 *
 * @example
 * ```ts
 * fieldSelection(meta.org); // { Opportunity: { extra: ["NextStep"], hidden: [] }, … }
 * ```
 */
export function fieldSelection(org: OrgInfo | null | undefined): FieldSelection {
  const described = org?.fields;
  if (described === undefined) return {};
  const out: Partial<Record<ConfigurableObject, ObjectFieldSelection>> = {};
  for (const [object, shape] of CONFIGURABLE_OBJECTS) {
    const infos = described[object];
    if (infos === undefined) continue;
    const listed = new Set(infos.map((f) => f.name));
    const hidden = shapeFields(shape, object)
      .filter((f) => f.present && f.nullable && f.apiName !== null && !listed.has(f.apiName))
      .map((f) => f.apiName as string);
    const extras = infos.filter((f) => f.extra);
    out[object] = {
      extra: extras.map((f) => f.name),
      hidden,
      types: Object.fromEntries(extras.map((f) => [f.name, f.type])),
    };
  }
  return out;
}

/** True when `org` was described for exactly the fields `config` asks for. */
export function describesConfig(org: OrgInfo | null | undefined, config: ExtraFieldConfig): boolean {
  if (org === null || org === undefined) return false;
  const described = org.fields;
  if (described === undefined) return Object.values(config).every((f) => f === undefined || f.length === 0);
  for (const [object] of CONFIGURABLE_OBJECTS) {
    const wanted = [...(config[object] ?? [])].sort();
    const covered = [
      ...(described[object] ?? []).filter((f) => f.extra && f.name !== "RecordTypeId").map((f) => f.name),
      ...(org.fieldNotes ?? []).filter((n) => n.sobject === object).map((n) => n.field),
    ].sort();
    if (wanted.join(",") !== covered.join(",")) return false;
  }
  return true;
}
