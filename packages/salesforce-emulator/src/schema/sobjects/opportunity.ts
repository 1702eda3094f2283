/**
 * The `Opportunity` object of the emulated org: its fields, in the order
 * `GET /sobjects/Opportunity/{id}` answers them.
 */
import { ALL_STAGES } from "../default-values.js";
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

const stageNames = ALL_STAGES.map((s) => s.label);

/**
 * The `Opportunity` object definition.
 *
 * @remarks `RecordTypeId` is there because the org has Opportunity record types (a real org
 * without record types for an object has no such field); the custom fields come last.
 */
export function opportunityObject(): ObjectSpec {
  return {
    name: "Opportunity",
    label: "Opportunity",
    labelPlural: "Opportunities",
    keyPrefix: "006",
    fields: [
      idField(),
      ref("AccountId", ["Account"], "Account"),
      field({ name: "Name", type: "string", length: 120, nillable: false, nameField: true }),
      field({ name: "Description", type: "textarea" }),
      field({
        name: "StageName",
        type: "picklist",
        nillable: false,
        picklistValues: stageNames,
        restrictedPicklist: true,
        label: "Stage",
      }),
      field({ name: "Amount", type: "currency" }),
      field({ name: "Probability", type: "percent", defaultedOnCreate: true, label: "Probability (%)" }),
      field({ name: "CloseDate", type: "date", nillable: false }),
      field({ name: "Type", type: "picklist", picklistValues: ["Existing Business", "New Business"] }),
      field({ name: "NextStep", type: "string" }),
      field({ name: "LeadSource", type: "picklist", picklistValues: LEAD_SOURCES }),
      field({ name: "IsClosed", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true, label: "Closed" }),
      field({ name: "IsWon", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true, label: "Won" }),
      field({
        name: "ForecastCategory",
        type: "picklist",
        nillable: false,
        ...ro,
        defaultedOnCreate: true,
        restrictedPicklist: true,
        picklistValues: ["Omitted", "Pipeline", "BestCase", "MostLikely", "Forecast", "Closed"],
      }),
      field({
        name: "ForecastCategoryName",
        type: "picklist",
        defaultedOnCreate: true,
        picklistValues: ["Omitted", "Pipeline", "Best Case", "Most Likely", "Commit", "Closed"],
        label: "Forecast Category",
      }),
      ownerField(),
      ref("RecordTypeId", ["RecordType"], "RecordType", { label: "Record Type ID" }),
      ...systemFields(),
      customField({
        name: "Competitor__c",
        type: "picklist",
        label: "Competitor",
        picklistValues: ["Acme Corp", "Globex", "Initech", "None"],
      }),
      customField({
        name: "Budget_Confirmed__c",
        type: "boolean",
        label: "Budget Confirmed",
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: false,
      }),
      customField({ name: "Next_Step_Date__c", type: "date", label: "Next Step Date" }),
    ],
  };
}
