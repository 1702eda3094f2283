/**
 * The `Task` object of the emulated org: its fields, in the order
 * `GET /sobjects/Task/{id}` answers them.
 */
import { TASK_STATUSES } from "../default-values.js";
import { customField, field, idField, type ObjectSpec, ownerField, ref, ro, systemFields } from "../field-builders.js";

const taskStatusNames = TASK_STATUSES.map((s) => s.label);

/** The `Task` object definition. */
export function taskObject(): ObjectSpec {
  return {
    name: "Task",
    label: "Task",
    labelPlural: "Tasks",
    keyPrefix: "00T",
    fields: [
      idField(),
      ref("WhoId", ["Contact"], "Who"),
      ref("WhatId", ["Account", "Opportunity"], "What"),
      field({ name: "Subject", type: "combobox", picklistValues: ["Call", "Send Letter", "Send Quote", "Other"] }),
      field({ name: "ActivityDate", type: "date", label: "Due Date Only" }),
      field({
        name: "Status",
        type: "picklist",
        nillable: false,
        defaultedOnCreate: true,
        picklistValues: taskStatusNames,
        restrictedPicklist: true,
      }),
      field({
        name: "Priority",
        type: "picklist",
        nillable: false,
        defaultedOnCreate: true,
        picklistValues: ["High", "Normal", "Low"],
      }),
      field({ name: "IsHighPriority", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
      ownerField(),
      field({ name: "Description", type: "textarea", label: "Comments" }),
      field({ name: "Type", type: "picklist", picklistValues: ["Call", "Email", "Meeting", "Other"] }),
      field({
        name: "TaskSubtype",
        type: "picklist",
        updateable: false,
        picklistValues: ["Task", "Email", "ListEmail", "Cadence", "Call"],
      }),
      field({ name: "IsClosed", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
      field({ name: "CompletedDateTime", type: "datetime", ...ro }),
      ref("AccountId", ["Account"], "Account", { ...ro }),
      field({ name: "CallDurationInSeconds", type: "int", precision: 8 }),
      field({
        name: "CallType",
        type: "picklist",
        picklistValues: ["Internal", "Inbound", "Outbound"],
        restrictedPicklist: true,
      }),
      field({ name: "CallDisposition", type: "string", label: "Call Result" }),
      field({ name: "CallObject", type: "string", label: "Call Object Identifier" }),
      field({ name: "ReminderDateTime", type: "datetime" }),
      field({ name: "IsReminderSet", type: "boolean", nillable: false, defaultedOnCreate: true }),
      field({ name: "IsArchived", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
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
