/**
 * The `OpportunityContactRole` object of the emulated org: its fields, in the order
 * `GET /sobjects/OpportunityContactRole/{id}` answers them.
 */
import { CONTACT_ROLES } from "../default-values.js";
import { field, idField, type ObjectSpec, ref, systemFields } from "../field-builders.js";

/** The `OpportunityContactRole` object definition. */
export function opportunityContactRoleObject(): ObjectSpec {
  return {
    name: "OpportunityContactRole",
    label: "Opportunity Contact Role",
    labelPlural: "Opportunity Contact Roles",
    keyPrefix: "00K",
    fields: [
      idField(),
      ref("OpportunityId", ["Opportunity"], "Opportunity", { nillable: false, updateable: false }),
      ref("ContactId", ["Contact"], "Contact", { nillable: false }),
      field({ name: "Role", type: "picklist", picklistValues: CONTACT_ROLES }),
      field({ name: "IsPrimary", type: "boolean", nillable: false, defaultedOnCreate: true }),
      ...systemFields(),
    ],
  };
}
