/**
 * The `RecordType` object of the emulated org (key prefix `012`): queryable by every user,
 * set up by the seed and the control API, never written through the data API.
 */
import { field, idField, type ObjectSpec, ro, systemFields } from "../field-builders.js";

/** The `RecordType` object definition. */
export function recordTypeObject(): ObjectSpec {
  return {
    name: "RecordType",
    label: "Record Type",
    labelPlural: "Record Types",
    keyPrefix: "012",
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      idField(),
      field({ name: "Name", type: "string", length: 80, nillable: false, ...ro, nameField: true }),
      field({ name: "DeveloperName", type: "string", length: 80, nillable: false, ...ro }),
      field({ name: "NamespacePrefix", type: "string", length: 15, ...ro }),
      field({ name: "Description", type: "string", ...ro }),
      field({ name: "SobjectType", type: "picklist", length: 40, nillable: false, ...ro }),
      field({ name: "IsActive", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
      ...systemFields().filter((f) => f.name !== "IsDeleted"),
    ],
  };
}
