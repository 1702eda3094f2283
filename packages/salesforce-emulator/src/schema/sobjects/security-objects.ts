/**
 * The setup objects behind field-level security: `Profile` (`00e`), `PermissionSet` (`0PS`,
 * one owned by each profile, as in a real org), `FieldPermissions` (`01k`) and
 * `PermissionSetAssignment` (`0Pa`). Users may query them; only the seed and the control API
 * write them.
 */
import { field, idField, type ObjectSpec, ref, ro, systemFields } from "../field-builders.js";

const readOnlyObject = { createable: false, updateable: false, deletable: false } as const;

/** The `Profile` object definition. */
export function profileObject(): ObjectSpec {
  return {
    name: "Profile",
    label: "Profile",
    labelPlural: "Profiles",
    keyPrefix: "00e",
    ...readOnlyObject,
    fields: [
      idField(),
      field({ name: "Name", type: "string", nillable: false, ...ro, nameField: true }),
      field({ name: "Description", type: "string", ...ro }),
      field({ name: "PermissionsViewAllData", type: "boolean", nillable: false, ...ro, label: "View All Data" }),
      field({ name: "PermissionsModifyAllData", type: "boolean", nillable: false, ...ro, label: "Modify All Data" }),
      ...systemFields().filter((f) => f.name !== "IsDeleted"),
    ],
  };
}

/** The `PermissionSet` object definition. */
export function permissionSetObject(): ObjectSpec {
  return {
    name: "PermissionSet",
    label: "Permission Set",
    labelPlural: "Permission Sets",
    keyPrefix: "0PS",
    ...readOnlyObject,
    fields: [
      idField(),
      field({ name: "Name", type: "string", length: 80, nillable: false, ...ro }),
      field({ name: "Label", type: "string", length: 80, nillable: false, ...ro, nameField: true }),
      field({ name: "IsOwnedByProfile", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
      ref("ProfileId", ["Profile"], "Profile", { ...ro }),
      ...systemFields().filter((f) => f.name !== "IsDeleted"),
    ],
  };
}

/** The `FieldPermissions` object definition (`Field` is `Object.Field`). */
export function fieldPermissionsObject(): ObjectSpec {
  return {
    name: "FieldPermissions",
    label: "Field Permissions",
    labelPlural: "Field Permissions",
    keyPrefix: "01k",
    ...readOnlyObject,
    fields: [
      idField(),
      ref("ParentId", ["PermissionSet"], "Parent", { nillable: false, ...ro }),
      field({ name: "SobjectType", type: "picklist", length: 40, nillable: false, ...ro }),
      field({ name: "Field", type: "picklist", length: 120, nillable: false, ...ro }),
      field({ name: "PermissionsRead", type: "boolean", nillable: false, ...ro }),
      field({ name: "PermissionsEdit", type: "boolean", nillable: false, ...ro }),
      ...systemFields().filter((f) => f.name !== "IsDeleted"),
    ],
  };
}

/** The `PermissionSetAssignment` object definition. */
export function permissionSetAssignmentObject(): ObjectSpec {
  return {
    name: "PermissionSetAssignment",
    label: "Permission Set Assignment",
    labelPlural: "Permission Set Assignments",
    keyPrefix: "0Pa",
    ...readOnlyObject,
    fields: [
      idField(),
      ref("AssigneeId", ["User"], "Assignee", { nillable: false, ...ro }),
      ref("PermissionSetId", ["PermissionSet"], "PermissionSet", { nillable: false, ...ro }),
      ...systemFields().filter((f) => f.name !== "IsDeleted"),
    ],
  };
}
