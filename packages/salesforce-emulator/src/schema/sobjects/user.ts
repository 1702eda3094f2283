/**
 * The `User` object of the emulated org: its fields, in the order
 * `GET /sobjects/User/{id}` answers them.
 */
import { field, idField, type ObjectSpec, ref, ro, systemFields } from "../field-builders.js";

/** The `User` object definition. */
export function userObject(): ObjectSpec {
  return {
    name: "User",
    label: "User",
    labelPlural: "Users",
    keyPrefix: "005",
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      idField(),
      field({ name: "Username", type: "string", length: 80, nillable: false, idLookup: true, unique: true }),
      field({ name: "LastName", type: "string", length: 80, nillable: false }),
      field({ name: "FirstName", type: "string", length: 40 }),
      field({ name: "Name", type: "string", length: 121, nillable: false, ...ro, nameField: true, calculated: true }),
      field({ name: "Alias", type: "string", length: 8, nillable: false }),
      field({ name: "Email", type: "email", length: 128, nillable: false }),
      field({ name: "Title", type: "string", length: 80 }),
      field({ name: "IsActive", type: "boolean", nillable: false, defaultedOnCreate: true }),
      field({ name: "TimeZoneSidKey", type: "picklist", length: 40, nillable: false }),
      ref("ManagerId", ["User"], "Manager"),
      ref("ProfileId", ["Profile"], "Profile", { nillable: false, label: "Profile ID" }),
      ...systemFields().filter((f) => f.name !== "IsDeleted"),
    ],
  };
}
