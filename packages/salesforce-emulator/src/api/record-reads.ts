/**
 * Reading records for the REST routes, shared by single-record and collection routes: the
 * `fields` parameter, the wire shape of a record and external-id lookups.
 *
 * Invariant: a record the user may not read, or one that is soft-deleted, is never matched.
 */
import { readSalesforceId } from "../ids/salesforce-id.js";
import { apiErrors } from "../schema/errors.js";
import type { FieldDef, ObjectDef } from "../schema/schema-types.js";
import { createAccessChecker } from "../sharing/access.js";
import type { Org } from "../store/org.js";
import type { SfRecord } from "../store/org-store.js";
import { unknownExternalIdField } from "./api-response.js";
import type { ApiRequest } from "./api-types.js";

/** The fields named by a `fields` parameter (every field when absent), or INVALID_FIELD. */
export function selectFields(def: ObjectDef, fieldsParam: string | null): FieldDef[] {
  if (!fieldsParam) return [...def.fields];
  return fieldsParam
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "")
    .map((n) => {
      const f = def.fieldsByLower.get(n.toLowerCase());
      if (!f) {
        throw apiErrors.invalidField(
          `No such column '${n}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      return f;
    });
}

/** A record as `GET /sobjects/X/{id}` answers it: `attributes`, then the fields in order. */
export function shapeRecord(
  req: ApiRequest,
  def: ObjectDef,
  rec: SfRecord,
  fields: readonly FieldDef[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: def.name, url: `/services/data/v${req.version}/sobjects/${def.name}/${String(rec.Id)}` },
  };
  for (const f of fields) out[f.name] = rec[f.name] ?? null;
  return out;
}

/** The field an upsert or external-id lookup names: an external-id field or `Id`, else 404. */
export function externalField(def: ObjectDef, name: string): FieldDef {
  const f = def.fieldsByLower.get(name.toLowerCase());
  if (!f || !(f.externalId || f.name === "Id")) throw unknownExternalIdField(name);
  return f;
}

/** The readable, live records whose external-id field equals `value` (case-insensitive). */
export function matchExternal(org: Org, req: ApiRequest, def: ObjectDef, f: FieldDef, value: string): SfRecord[] {
  const access = createAccessChecker(org, req.userId);
  if (f.name === "Id") {
    const id = readSalesforceId(value);
    const rec = id ? org.store.get(def.name, id) : undefined;
    return rec && rec.IsDeleted !== true && access.canRead(def.name, rec) ? [rec] : [];
  }
  const lower = value.toLowerCase();
  const out: SfRecord[] = [];
  for (const rec of org.store.table(def.name).values()) {
    const v = rec[f.name];
    if (rec.IsDeleted !== true && typeof v === "string" && v.toLowerCase() === lower && access.canRead(def.name, rec)) {
      out.push(rec);
    }
  }
  return out;
}
