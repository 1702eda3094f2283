/**
 * The `Event` object of the emulated org: its fields, in the order
 * `GET /sobjects/Event/{id}` answers them.
 */
import { customField, field, idField, type ObjectSpec, ownerField, ref, ro, systemFields } from "../field-builders.js";

/** The `Event` object definition. */
export function eventObject(): ObjectSpec {
  return {
    name: "Event",
    label: "Event",
    labelPlural: "Events",
    keyPrefix: "00U",
    fields: [
      idField(),
      ref("WhoId", ["Contact"], "Who"),
      ref("WhatId", ["Account", "Opportunity"], "What"),
      field({
        name: "Subject",
        type: "combobox",
        picklistValues: ["Call", "Email", "Meeting", "Send Letter/Quote", "Other"],
      }),
      field({ name: "Location", type: "string" }),
      field({ name: "IsAllDayEvent", type: "boolean", nillable: false, defaultedOnCreate: true }),
      field({ name: "ActivityDateTime", type: "datetime" }),
      field({ name: "ActivityDate", type: "date" }),
      field({ name: "DurationInMinutes", type: "int", precision: 8 }),
      field({ name: "StartDateTime", type: "datetime" }),
      field({ name: "EndDateTime", type: "datetime" }),
      field({ name: "Description", type: "textarea" }),
      ref("AccountId", ["Account"], "Account", { ...ro }),
      ownerField(),
      field({ name: "Type", type: "picklist", picklistValues: ["Call", "Email", "Meeting", "Other"] }),
      field({ name: "EventSubtype", type: "picklist", updateable: false, picklistValues: ["Event"] }),
      field({
        name: "ShowAs",
        type: "picklist",
        defaultedOnCreate: true,
        picklistValues: ["Busy", "OutOfOffice", "Free"],
      }),
      field({ name: "IsPrivate", type: "boolean", nillable: false, defaultedOnCreate: true }),
      ...systemFields(),
      customField({
        name: "Outcome__c",
        type: "picklist",
        label: "Outcome",
        picklistValues: ["Positive", "Neutral", "Negative"],
      }),
    ],
  };
}
