/**
 * The served objects and their fields (reference §3): User, Account, Contact, Opportunity,
 * OpportunityStage, OpportunityContactRole, Task, TaskStatus and Event, with the default
 * OpportunityStage and TaskStatus values of a new org.
 *
 * Invariants: field order is the order of `GET /sobjects/X/{id}` without `fields`; every
 * reference field names its targets and relationship; long text areas are neither filterable
 * nor sortable.
 */
import type { ChildRelationship, FieldDef, FieldKind, ObjectDef } from "./schema-types.js";

/** One default stage (reference §3.2). */
export interface StageDef {
  readonly label: string;
  readonly probability: number;
  readonly isClosed: boolean;
  readonly isWon: boolean;
  readonly forecastCategory: string;
  readonly forecastCategoryName: string;
}

/** Default OpportunityStage values of a new org, in sort order. */
export const DEFAULT_STAGES: readonly StageDef[] = [
  ["Prospecting", 10],
  ["Qualification", 10],
  ["Needs Analysis", 20],
  ["Value Proposition", 50],
  ["Id. Decision Makers", 60],
  ["Perception Analysis", 70],
  ["Proposal/Price Quote", 75],
  ["Negotiation/Review", 90],
].map(([label, probability]) => ({
  label: String(label),
  probability: Number(probability),
  isClosed: false,
  isWon: false,
  forecastCategory: "Pipeline",
  forecastCategoryName: "Pipeline",
}));

const CLOSED_STAGES: readonly StageDef[] = [
  {
    label: "Closed Won",
    probability: 100,
    isClosed: true,
    isWon: true,
    forecastCategory: "Closed",
    forecastCategoryName: "Closed",
  },
  {
    label: "Closed Lost",
    probability: 0,
    isClosed: true,
    isWon: false,
    forecastCategory: "Omitted",
    forecastCategoryName: "Omitted",
  },
];

/** Every stage, open ones first. */
export const ALL_STAGES: readonly StageDef[] = [...DEFAULT_STAGES, ...CLOSED_STAGES];

/** Default TaskStatus values (reference §3.6). */
export const TASK_STATUSES: readonly { label: string; isClosed: boolean; isDefault: boolean }[] = [
  { label: "Not Started", isClosed: false, isDefault: true },
  { label: "In Progress", isClosed: false, isDefault: false },
  { label: "Completed", isClosed: true, isDefault: false },
  { label: "Waiting on someone else", isClosed: false, isDefault: false },
  { label: "Deferred", isClosed: false, isDefault: false },
];

/** Default contact roles (reference §3.3). */
export const CONTACT_ROLES: readonly string[] = [
  "Business User",
  "Decision Maker",
  "Economic Buyer",
  "Economic Decision Maker",
  "Evaluator",
  "Executive Sponsor",
  "Influencer",
  "Technical Buyer",
  "Other",
];

type FieldSpec = Partial<Omit<FieldDef, "name" | "type">> & { name: string; type: FieldKind };

const LENGTHS: Partial<Record<FieldKind, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 32000,
  picklist: 255,
  combobox: 255,
  email: 80,
  phone: 40,
  url: 255,
};

function field(spec: FieldSpec): FieldDef {
  const longText = spec.type === "textarea" && (spec.length ?? 32000) > 255;
  const readOnly = spec.createable === false && spec.updateable === false;
  return {
    label: spec.name.replace(/Id$/, "").replace(/([a-z])([A-Z])/g, "$1 $2"),
    length: LENGTHS[spec.type] ?? 0,
    nillable: true,
    createable: !readOnly,
    updateable: !readOnly,
    filterable: !longText,
    sortable: !longText,
    defaultedOnCreate: false,
    calculated: false,
    externalId: false,
    unique: false,
    custom: false,
    idLookup: false,
    nameField: false,
    referenceTo: [],
    relationshipName: null,
    polymorphic: false,
    picklistValues: [],
    restrictedPicklist: false,
    precision: spec.type === "currency" ? 18 : spec.type === "percent" ? 3 : spec.type === "double" ? 18 : 0,
    scale: spec.type === "currency" ? 2 : 0,
    ...spec,
  };
}

const ro = { createable: false, updateable: false } as const;

function idField(): FieldDef {
  return field({
    name: "Id",
    type: "id",
    label: "Record ID",
    nillable: false,
    ...ro,
    defaultedOnCreate: true,
    idLookup: true,
  });
}

function ref(name: string, to: readonly string[], relationshipName: string, extra: Partial<FieldSpec> = {}): FieldDef {
  return field({ name, type: "reference", referenceTo: to, relationshipName, polymorphic: to.length > 1, ...extra });
}

function ownerField(): FieldDef {
  return ref("OwnerId", ["User"], "Owner", { nillable: false, defaultedOnCreate: true, label: "Owner ID" });
}

function systemFields(): FieldDef[] {
  return [
    field({ name: "IsDeleted", type: "boolean", nillable: false, ...ro, defaultedOnCreate: true }),
    field({ name: "CreatedDate", type: "datetime", nillable: false, ...ro, defaultedOnCreate: true }),
    ref("CreatedById", ["User"], "CreatedBy", { nillable: false, ...ro, defaultedOnCreate: true }),
    field({ name: "LastModifiedDate", type: "datetime", nillable: false, ...ro, defaultedOnCreate: true }),
    ref("LastModifiedById", ["User"], "LastModifiedBy", { nillable: false, ...ro, defaultedOnCreate: true }),
    field({ name: "SystemModstamp", type: "datetime", nillable: false, ...ro, defaultedOnCreate: true }),
  ];
}

interface ObjectSpec {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
}

const stageNames = ALL_STAGES.map((s) => s.label);
const taskStatusNames = TASK_STATUSES.map((s) => s.label);

function objectSpecs(): ObjectSpec[] {
  return [
    {
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
        ...systemFields().filter((f) => f.name !== "IsDeleted"),
      ],
    },
    {
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
    },
    {
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
        field({ name: "LeadSource", type: "picklist" }),
        ref("ReportsToId", ["Contact"], "ReportsTo"),
        field({ name: "Description", type: "textarea" }),
        ownerField(),
        ...systemFields(),
      ],
    },
    {
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
        field({ name: "LeadSource", type: "picklist" }),
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
        ...systemFields(),
      ],
    },
    {
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
    },
    {
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
    },
    {
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
      ],
    },
    {
      name: "TaskStatus",
      label: "Task Status",
      labelPlural: "Task Status",
      keyPrefix: "01J",
      createable: false,
      updateable: false,
      deletable: false,
      fields: [
        idField(),
        field({ name: "MasterLabel", type: "string", ...ro }),
        field({ name: "ApiName", type: "string", nillable: false, ...ro, idLookup: true }),
        field({ name: "SortOrder", type: "int", ...ro, precision: 9 }),
        field({ name: "IsDefault", type: "boolean", nillable: false, ...ro }),
        field({ name: "IsClosed", type: "boolean", nillable: false, ...ro }),
        ...systemFields().filter((f) => f.name !== "IsDeleted"),
      ],
    },
    {
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
      ],
    },
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

/** Builds the schema, adding the given custom external-id fields. */
export function createOrgSchema(externalIdFields: readonly ExternalIdFieldOption[] = []): OrgSchema {
  const objects: ObjectDef[] = objectSpecs().map((spec) => {
    const custom = externalIdFields
      .filter((f) => f.object === spec.name)
      .map((f) =>
        field({ name: f.name, type: "string", externalId: true, unique: true, custom: true, idLookup: true }),
      );
    const fields = [...spec.fields, ...custom];
    const childRelationships = CHILD_RELATIONSHIPS.filter((c) => c.parent === spec.name).map(
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
