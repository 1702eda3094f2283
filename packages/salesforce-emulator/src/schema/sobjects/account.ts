/**
 * The `Account` object of the emulated org: its fields, in the order
 * `GET /sobjects/Account/{id}` answers them.
 */
import { field, idField, type ObjectSpec, ownerField, ref, systemFields } from "../field-builders.js";

/** The `Account` object definition. */
export function accountObject(): ObjectSpec {
  return {
    name: "Account",
    label: "Account",
    labelPlural: "Accounts",
    keyPrefix: "001",
    fields: [
      idField(),
      field({ name: "Name", type: "string", length: 255, nillable: false, nameField: true, label: "Account Name" }),
      field({
        name: "Type",
        type: "picklist",
        picklistValues: ["Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"],
      }),
      field({ name: "Industry", type: "picklist" }),
      field({ name: "Phone", type: "phone" }),
      field({ name: "Website", type: "url" }),
      field({ name: "BillingCity", type: "string", length: 40 }),
      field({ name: "BillingState", type: "string", length: 80 }),
      field({ name: "BillingCountry", type: "string", length: 80 }),
      field({ name: "AnnualRevenue", type: "currency" }),
      field({ name: "NumberOfEmployees", type: "int", precision: 8 }),
      ref("ParentId", ["Account"], "Parent"),
      field({ name: "Description", type: "textarea" }),
      ownerField(),
      ...systemFields(),
    ],
  };
}
