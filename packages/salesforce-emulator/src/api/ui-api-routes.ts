/**
 * The slice of the User Interface API the adapter uses:
 * `GET /ui-api/object-info/{object}/picklist-values/{recordTypeId}[/{field}]` — the values of
 * every picklist field the user can read, restricted to what the record type allows.
 *
 * Invariants: the answer follows the user's field-level security (the org passed in is the
 * user's view); an unknown object, record type or field answers 404 NOT_FOUND; the eTag is a
 * hash of the values, so it changes exactly when they do.
 */
import { createHash } from "node:crypto";
import { readSalesforceId } from "../ids/salesforce-id.js";
import { apiErrors } from "../schema/errors.js";
import { MASTER_RECORD_TYPE_ID, picklistValuesFor } from "../schema/record-type-values.js";
import type { FieldDef } from "../schema/schema-types.js";
import type { Org } from "../store/org.js";
import { json } from "./api-response.js";
import type { ApiRequest, ApiResponse } from "./api-types.js";

function etag(value: unknown): string {
  return createHash("md5").update(JSON.stringify(value)).digest("hex");
}

function fieldValues(base: string, developerName: string | undefined, sobject: string, f: FieldDef) {
  const values = picklistValuesFor(sobject, developerName, f).map((v) => ({
    attributes: null,
    label: v,
    validFor: [],
    value: v,
  }));
  return { controllerValues: {}, defaultValue: null, eTag: etag(values), url: `${base}/${f.name}`, values };
}

/** Handles `/ui-api/...`; `rest` is the path after `ui-api`. */
export function handleUiApi(org: Org, req: ApiRequest, rest: readonly string[]): ApiResponse {
  const [section, objectName, kind, rtText, fieldName, ...extra] = rest;
  if (section !== "object-info" || kind !== "picklist-values" || !rtText || extra.length > 0) {
    throw apiErrors.notFound();
  }
  const def = org.schema.object(objectName ?? "");
  if (!def) throw apiErrors.notFound();
  const rtId = readSalesforceId(rtText);
  let developerName: string | undefined;
  if (rtId !== MASTER_RECORD_TYPE_ID) {
    const rt = rtId ? org.store.get("RecordType", rtId) : undefined;
    if (!rt || rt.SobjectType !== def.name) throw apiErrors.notFound();
    developerName = String(rt.DeveloperName);
  }
  const base = `/services/data/v${req.version}/ui-api/object-info/${def.name}/picklist-values/${rtId}`;
  const picklists = def.fields.filter((f) => f.type === "picklist");
  if (fieldName !== undefined) {
    const f = picklists.find((p) => p.name.toLowerCase() === fieldName.toLowerCase());
    if (!f) throw apiErrors.notFound();
    return json(200, fieldValues(base, developerName, def.name, f));
  }
  const picklistFieldValues: Record<string, unknown> = {};
  for (const f of picklists) picklistFieldValues[f.name] = fieldValues(base, developerName, def.name, f);
  return json(200, { eTag: etag(picklistFieldValues), picklistFieldValues });
}
