/**
 * Record types as the data API shows them: the `recordTypeInfos` of describe (the org's
 * record types of the object plus Master), the default record type a new record gets, and the
 * check that a record's `RecordTypeId` names an active record type of its object.
 *
 * Invariant: the default record type is the first active one in creation order (the seed
 * creates "New Business" first); an object without record types has only Master, which is then
 * available and the default.
 */
import { SalesforceApiError } from "../schema/errors.js";
import { MASTER_RECORD_TYPE_ID } from "../schema/record-type-values.js";
import type { OrgStore, SfRecord } from "../store/org-store.js";

/** The live record types of an object, in creation order. */
export function recordTypesOf(store: OrgStore, sobject: string): SfRecord[] {
  return [...store.table("RecordType").values()].filter((r) => r.SobjectType === sobject && r.IsDeleted !== true);
}

/** The record type a new record of `sobject` gets when none is given (null without record types). */
export function defaultRecordTypeId(store: OrgStore, sobject: string): string | null {
  const first = recordTypesOf(store, sobject).find((r) => r.IsActive === true);
  return first ? String(first.Id) : null;
}

/** Throws INVALID_CROSS_REFERENCE_KEY unless `id` is an active record type of `sobject`. */
export function requireRecordType(store: OrgStore, sobject: string, id: string): void {
  const rt = store.get("RecordType", id);
  if (!rt || rt.SobjectType !== sobject || rt.IsActive !== true) {
    throw new SalesforceApiError(
      400,
      "INVALID_CROSS_REFERENCE_KEY",
      `Record Type ID: this ID value isn't valid for the user: ${id}`,
      ["RecordTypeId"],
    );
  }
}

/** Describe's `recordTypeInfos` for `sobject`: its record types, then Master. */
export function recordTypeInfos(store: OrgStore, sobject: string, version: string): Record<string, unknown>[] {
  const types = recordTypesOf(store, sobject);
  const defaultId = defaultRecordTypeId(store, sobject);
  const layout = (id: string) => ({ layout: `/services/data/v${version}/sobjects/${sobject}/describe/layouts/${id}` });
  const infos = types.map((rt) => ({
    active: rt.IsActive === true,
    available: rt.IsActive === true,
    defaultRecordTypeMapping: rt.Id === defaultId,
    developerName: rt.DeveloperName,
    master: false,
    name: rt.Name,
    recordTypeId: rt.Id,
    urls: layout(String(rt.Id)),
  }));
  const alone = defaultId === null;
  infos.push({
    active: true,
    available: alone,
    defaultRecordTypeMapping: alone,
    developerName: "Master",
    master: true,
    name: "Master",
    recordTypeId: MASTER_RECORD_TYPE_ID,
    urls: layout(MASTER_RECORD_TYPE_ID),
  });
  return infos;
}
