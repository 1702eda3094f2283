/**
 * The org schema (reference §3): the served objects — User, Profile and the field-security
 * setup objects, RecordType, Account, Contact, Opportunity, OpportunityStage,
 * OpportunityContactRole, Task, TaskStatus, Event, TaskRelation and EventRelation (files under
 * `sobjects/`) — with their child relationships and the configured custom external-id fields.
 * An org without Shared Activities serves neither relation object nor their child relationships
 * (`TaskRelations`, `EventRelations`), as a real one.
 *
 * Invariants: field order is the order of `GET /sobjects/X/{id}` without `fields`; every
 * reference field names its targets and relationship; long text areas are neither filterable
 * nor sortable.
 */
import { field, type ObjectSpec } from "./field-builders.js";
import type { ChildRelationship, FieldDef, ObjectDef } from "./schema-types.js";
import { accountObject } from "./sobjects/account.js";
import { eventRelationObject, taskRelationObject } from "./sobjects/activity-relations.js";
import { contactObject } from "./sobjects/contact.js";
import { eventObject } from "./sobjects/event.js";
import { opportunityObject } from "./sobjects/opportunity.js";
import { opportunityContactRoleObject } from "./sobjects/opportunity-contact-role.js";
import { opportunityStageObject } from "./sobjects/opportunity-stage.js";
import { recordTypeObject } from "./sobjects/record-type.js";
import {
  fieldPermissionsObject,
  permissionSetAssignmentObject,
  permissionSetObject,
  profileObject,
} from "./sobjects/security-objects.js";
import { taskObject } from "./sobjects/task.js";
import { taskStatusObject } from "./sobjects/task-status.js";
import { userObject } from "./sobjects/user.js";

/** Every served object, in describeGlobal order. */
function objectSpecs(): ObjectSpec[] {
  return [
    userObject(),
    profileObject(),
    permissionSetObject(),
    fieldPermissionsObject(),
    permissionSetAssignmentObject(),
    recordTypeObject(),
    accountObject(),
    contactObject(),
    opportunityObject(),
    opportunityStageObject(),
    opportunityContactRoleObject(),
    taskObject(),
    taskStatusObject(),
    eventObject(),
    taskRelationObject(),
    eventRelationObject(),
  ];
}

const CHILD_RELATIONSHIPS: readonly (ChildRelationship & { parent: string })[] = [
  { parent: "Account", childSObject: "Contact", field: "AccountId", relationshipName: "Contacts", cascadeDelete: true },
  {
    parent: "Account",
    childSObject: "Opportunity",
    field: "AccountId",
    relationshipName: "Opportunities",
    cascadeDelete: true,
  },
  { parent: "Account", childSObject: "Task", field: "WhatId", relationshipName: "Tasks", cascadeDelete: true },
  { parent: "Account", childSObject: "Event", field: "WhatId", relationshipName: "Events", cascadeDelete: true },
  {
    parent: "Account",
    childSObject: "Account",
    field: "ParentId",
    relationshipName: "ChildAccounts",
    cascadeDelete: false,
  },
  {
    parent: "Opportunity",
    childSObject: "OpportunityContactRole",
    field: "OpportunityId",
    relationshipName: "OpportunityContactRoles",
    cascadeDelete: true,
  },
  { parent: "Opportunity", childSObject: "Task", field: "WhatId", relationshipName: "Tasks", cascadeDelete: true },
  { parent: "Opportunity", childSObject: "Event", field: "WhatId", relationshipName: "Events", cascadeDelete: true },
  {
    parent: "Contact",
    childSObject: "OpportunityContactRole",
    field: "ContactId",
    relationshipName: "OpportunityContactRoles",
    cascadeDelete: true,
  },
  { parent: "Contact", childSObject: "Task", field: "WhoId", relationshipName: "Tasks", cascadeDelete: true },
  { parent: "Contact", childSObject: "Event", field: "WhoId", relationshipName: "Events", cascadeDelete: true },
  {
    parent: "Task",
    childSObject: "TaskRelation",
    field: "TaskId",
    relationshipName: "TaskRelations",
    cascadeDelete: true,
  },
  {
    parent: "Event",
    childSObject: "EventRelation",
    field: "EventId",
    relationshipName: "EventRelations",
    cascadeDelete: true,
  },
  { parent: "User", childSObject: "Account", field: "OwnerId", relationshipName: "Accounts", cascadeDelete: false },
];

/** A custom external-id text field to add to an object (`Name__c`, unique, case-insensitive). */
export interface ExternalIdFieldOption {
  readonly object: string;
  readonly name: string;
}

/** The org's metadata: objects by name (case-insensitive) and by key prefix. */
export interface OrgSchema {
  readonly objects: readonly ObjectDef[];
  object(name: string): ObjectDef | undefined;
}

/** Options of {@link createOrgSchema} beyond the external-id fields. */
export interface OrgSchemaOptions {
  /** Serve TaskRelation / EventRelation (the org has Shared Activities). Default true. */
  readonly sharedActivities?: boolean | undefined;
}

/** The objects only an org with Shared Activities serves. */
const SHARED_ACTIVITY_OBJECTS: readonly string[] = ["TaskRelation", "EventRelation"];

/** Builds the schema, adding the given custom external-id fields. */
export function createOrgSchema(
  externalIdFields: readonly ExternalIdFieldOption[] = [],
  options: OrgSchemaOptions = {},
): OrgSchema {
  const served = (name: string) => options.sharedActivities !== false || !SHARED_ACTIVITY_OBJECTS.includes(name);
  const specs = objectSpecs().filter((spec) => served(spec.name));
  const objects: ObjectDef[] = specs.map((spec) => {
    const custom = externalIdFields
      .filter((f) => f.object === spec.name)
      .map((f) =>
        field({ name: f.name, type: "string", externalId: true, unique: true, custom: true, idLookup: true }),
      );
    const fields = [...spec.fields, ...custom];
    const childRelationships = CHILD_RELATIONSHIPS.filter((c) => c.parent === spec.name && served(c.childSObject)).map(
      ({ parent: _parent, ...rest }) => rest,
    );
    return {
      name: spec.name,
      label: spec.label,
      labelPlural: spec.labelPlural,
      keyPrefix: spec.keyPrefix,
      fields,
      fieldsByLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
      relationshipsByLower: new Map(
        fields.filter((f) => f.relationshipName).map((f) => [String(f.relationshipName).toLowerCase(), f]),
      ),
      childRelationships,
      childRelationshipsByLower: new Map(childRelationships.map((c) => [c.relationshipName.toLowerCase(), c])),
      createable: spec.createable ?? true,
      updateable: spec.updateable ?? true,
      deletable: spec.deletable ?? true,
      owned: fields.some((f) => f.name === "OwnerId"),
    };
  });
  const byLower = new Map(objects.map((o) => [o.name.toLowerCase(), o]));
  return { objects, object: (name) => byLower.get(name.toLowerCase()) };
}

/** Whether the field holds an id (its own or a reference). */
export function isIdField(f: FieldDef): boolean {
  return f.type === "id" || f.type === "reference";
}

/** Whether the field holds text compared case-insensitively. */
export function isTextField(f: FieldDef): boolean {
  return ["string", "textarea", "picklist", "combobox", "email", "phone", "url"].includes(f.type);
}

/** Whether the field holds a number. */
export function isNumberField(f: FieldDef): boolean {
  return ["int", "double", "currency", "percent"].includes(f.type);
}
