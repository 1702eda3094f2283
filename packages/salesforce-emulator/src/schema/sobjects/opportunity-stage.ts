/**
 * The `OpportunityStage` object of the emulated org: its fields, in the order
 * `GET /sobjects/OpportunityStage/{id}` answers them.
 */
import { field, idField, type ObjectSpec, ro, systemFields } from "../field-builders.js";

/** The `OpportunityStage` object definition. */
export function opportunityStageObject(): ObjectSpec {
  return {
    name: "OpportunityStage",
    label: "Opportunity Stage",
    labelPlural: "Opportunity Stages",
    keyPrefix: "01J",
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      idField(),
      field({ name: "MasterLabel", type: "string", ...ro }),
      field({ name: "ApiName", type: "string", nillable: false, ...ro, idLookup: true }),
      field({ name: "IsActive", type: "boolean", nillable: false, ...ro }),
      field({ name: "SortOrder", type: "int", ...ro, precision: 9 }),
      field({ name: "IsClosed", type: "boolean", nillable: false, ...ro }),
      field({ name: "IsWon", type: "boolean", nillable: false, ...ro }),
      field({ name: "ForecastCategory", type: "picklist", nillable: false, ...ro }),
      field({ name: "ForecastCategoryName", type: "picklist", ...ro }),
      field({ name: "DefaultProbability", type: "percent", ...ro }),
      field({ name: "Description", type: "string", ...ro }),
      ...systemFields().filter((f) => f.name !== "IsDeleted"),
    ],
  };
}
