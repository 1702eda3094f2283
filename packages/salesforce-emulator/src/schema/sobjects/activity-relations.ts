/**
 * `TaskRelation` (`0RT`) and `EventRelation` (`0RE`): the rows of Shared Activities that
 * relate one activity to several contacts and to its What record. The record writer keeps the
 * Who/What rows in step with the activity; extra contacts are related by creating rows.
 */
import { field, idField, type ObjectSpec, ref, ro, systemFields } from "../field-builders.js";

/** What a relation may point at. */
const RELATION_TARGETS = ["Contact", "Account", "Opportunity"];

/** The `TaskRelation` object definition (create and delete only, as in a real org). */
export function taskRelationObject(): ObjectSpec {
  return {
    name: "TaskRelation",
    label: "Task Relation",
    labelPlural: "Task Relations",
    keyPrefix: "0RT",
    updateable: false,
    fields: [
      idField(),
      ref("RelationId", RELATION_TARGETS, "Relation", { nillable: false, updateable: false }),
      ref("TaskId", ["Task"], "Task", { nillable: false, updateable: false }),
      field({ name: "IsWhat", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
      ref("AccountId", ["Account"], "Account", { ...ro }),
      ...systemFields(),
    ],
  };
}

/** The `EventRelation` object definition. */
export function eventRelationObject(): ObjectSpec {
  return {
    name: "EventRelation",
    label: "Event Relation",
    labelPlural: "Event Relations",
    keyPrefix: "0RE",
    fields: [
      idField(),
      ref("RelationId", RELATION_TARGETS, "Relation", { nillable: false, updateable: false }),
      ref("EventId", ["Event"], "Event", { nillable: false, updateable: false }),
      field({ name: "IsWhat", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
      field({ name: "IsParent", type: "boolean", nillable: false, defaultedOnCreate: true }),
      field({ name: "IsInvitee", type: "boolean", nillable: false, defaultedOnCreate: true }),
      field({
        name: "Status",
        type: "picklist",
        picklistValues: ["New", "Declined", "Accepted", "Uninvited", "Maybe"],
      }),
      ref("AccountId", ["Account"], "Account", { ...ro }),
      ...systemFields(),
    ],
  };
}
