/**
 * The `Contact` object of the emulated org: its fields, in the order
 * `GET /sobjects/Contact/{id}` answers them.
 */
import {
  customField,
  field,
  idField,
  LEAD_SOURCES,
  type ObjectSpec,
  ownerField,
  ref,
  ro,
  systemFields,
} from "../field-builders.js";

/** The `Contact` object definition. */
export function contactObject(): ObjectSpec {
  return {
    name: "Contact",
    label: "Contact",
    labelPlural: "Contacts",
    keyPrefix: "003",
    fields: [
      idField(),
      ref("AccountId", ["Account"], "Account"),
      field({ name: "Salutation", type: "picklist", picklistValues: ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."] }),
      field({ name: "FirstName", type: "string", length: 40 }),
      field({ name: "LastName", type: "string", length: 80, nillable: false }),
      field({
        name: "Name",
        type: "string",
        length: 121,
        nillable: false,
        ...ro,
        nameField: true,
        label: "Full Name",
      }),
      field({ name: "Title", type: "string", length: 128 }),
      field({ name: "Department", type: "string", length: 80 }),
      field({ name: "Email", type: "email", idLookup: true }),
      field({ name: "Phone", type: "phone" }),
      field({ name: "MobilePhone", type: "phone" }),
      field({ name: "MailingCity", type: "string", length: 40 }),
      field({ name: "MailingCountry", type: "string", length: 80 }),
      field({ name: "LeadSource", type: "picklist", picklistValues: LEAD_SOURCES }),
      ref("ReportsToId", ["Contact"], "ReportsTo"),
      field({ name: "Description", type: "textarea" }),
      ownerField(),
      ...systemFields(),
      customField({
        name: "Preferred_Channel__c",
        type: "picklist",
        label: "Preferred Channel",
        picklistValues: ["Email", "Phone", "In person"],
      }),
      customField({ name: "LinkedIn_URL__c", type: "url", label: "LinkedIn URL", length: 255 }),
    ],
  };
}
