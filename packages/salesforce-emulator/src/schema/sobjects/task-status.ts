/**
 * The `TaskStatus` object of the emulated org: its fields, in the order
 * `GET /sobjects/TaskStatus/{id}` answers them.
 */
import { field, idField, type ObjectSpec, ro, systemFields } from "../field-builders.js";

/** The `TaskStatus` object definition. */
export function taskStatusObject(): ObjectSpec {
  return {
    name: "TaskStatus",
    label: "Task Status",
    labelPlural: "Task Status",
    keyPrefix: "01J",
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      idField(),
      field({ name: "MasterLabel", type: "string", ...ro }),
      field({ name: "ApiName", type: "string", nillable: false, ...ro, idLookup: true }),
      field({ name: "SortOrder", type: "int", ...ro, precision: 9 }),
      field({ name: "IsDefault", type: "boolean", nillable: false, ...ro }),
      field({ name: "IsClosed", type: "boolean", nillable: false, ...ro }),
      ...systemFields().filter((f) => f.name !== "IsDeleted"),
    ],
  };
}
