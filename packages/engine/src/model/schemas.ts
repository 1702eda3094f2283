/**
 * Effect Schemas for every value document protocol v1 stores (docs/protocol.md): the mirrored
 * Salesforce records, intents, receipts, interactions and meta. Decoding a value checks its
 * shape and formats. The record schemas are derived from the tables of `record-shapes.ts` and
 * are the source of the record types of `records.ts`; the intent/receipt types are exported here.
 *
 * Invariant: every schema decodes plain JSON to plain JSON (no classes, no Y types), so a value
 * read from a Y.Map can be decoded and a decoded value written back unchanged.
 */
import { Schema } from "effect";
import {
  ACCOUNT_SHAPE,
  ACTIVITY_SHAPE,
  CONTACT_ROLE_SHAPE,
  CONTACT_SHAPE,
  type FieldDescriptor,
  OPPORTUNITY_SHAPE,
  type RecordShape,
} from "./record-shapes.js";
import { SalesforceIdSchema } from "./salesforce-id.js";

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;

/** A Salesforce date, `YYYY-MM-DD`. */
export const DateString = Schema.String.pipe(Schema.check(Schema.isPattern(DATE)));
/** An ISO 8601 datetime (UTC, as Salesforce and the engine write them). */
export const DateTimeString = Schema.String.pipe(Schema.check(Schema.isPattern(DATETIME)));

const NullableId = Schema.NullOr(SalesforceIdSchema);

/** The schema of each field kind but `sobject` (whose literals are the shape's objects). */
const KIND_SCHEMAS = {
  id: SalesforceIdSchema,
  text: Schema.String,
  number: Schema.Finite,
  boolean: Schema.Boolean,
  date: DateString,
  datetime: DateTimeString,
} as const;
type KindSchemas = typeof KIND_SCHEMAS;

type ValueSchema<F extends FieldDescriptor, S extends RecordShape["sobjects"]> = F["kind"] extends keyof KindSchemas
  ? KindSchemas[F["kind"]]
  : Schema.Literals<S>;
type FieldSchema<F extends FieldDescriptor, S extends RecordShape["sobjects"]> = F extends { readonly nullable: true }
  ? Schema.NullOr<ValueSchema<F, S>>
  : ValueSchema<F, S>;

/** The Struct fields a {@link RecordShape} decodes with, property by property. */
export type ShapeSchemaFields<R extends RecordShape> = {
  readonly [P in keyof R["fields"]]: FieldSchema<R["fields"][P], R["sobjects"]>;
};

/**
 * The Schema of a record shape: one field per descriptor, `NullOr` where it is nullable.
 *
 * @remarks The type is computed from the shape's literal type (an `id` decodes to a branded
 * `SalesforceId`, a nullable field to `T | null`); `records.ts` names these decoded types.
 * @example
 * ```ts
 * const AccountSchema = shapeSchema(ACCOUNT_SHAPE); // Struct({ Id: SalesforceIdSchema, Name: String })
 * ```
 */
export function shapeSchema<const R extends RecordShape>(shape: R): Schema.Struct<ShapeSchemaFields<R>> {
  const fields: Record<string, Schema.Constraint> = {};
  for (const [property, field] of Object.entries(shape.fields)) {
    const value = field.kind === "sobject" ? Schema.Literals(shape.sobjects) : KIND_SCHEMAS[field.kind];
    fields[property] = field.nullable === true ? Schema.NullOr(value) : value;
  }
  // The loop builds, at run time, exactly the mapped type ShapeSchemaFields<R>; TypeScript
  // cannot follow a mapped type through Object.entries, hence the one cast.
  return Schema.Struct(fields) as unknown as Schema.Struct<ShapeSchemaFields<R>>;
}

/**
 * The record a shape describes: what its Schema decodes to.
 *
 * @example
 * ```ts
 * type Account = ShapeRecord<typeof ACCOUNT_SHAPE>; // { readonly Id: SalesforceId; readonly Name: string }
 * ```
 */
export type ShapeRecord<R extends RecordShape> = Schema.Schema.Type<Schema.Struct<ShapeSchemaFields<R>>>;

/** The value of an extra (configured) field: text, number, boolean, date, datetime or `null`. */
export const ExtraValueSchema = Schema.NullOr(Schema.Union([Schema.String, Schema.Finite, Schema.Boolean]));
/** An extra field's value. */
export type ExtraValue = typeof ExtraValueSchema.Type;

/**
 * A record's `extra`: the configured fields beyond the shape (docs/protocol.md §2.1), by
 * Salesforce API name (`NextStep`, `Competitor__c`, `RecordTypeId`). Absent when the book syncs
 * none; a field the user cannot read is never in it.
 */
export const ExtraFieldsSchema = Schema.Record(Schema.String, ExtraValueSchema);
/** A record's extra fields. */
export type ExtraFields = typeof ExtraFieldsSchema.Type;

/** `opportunities[Id]`. */
export const OpportunitySchema = Schema.Struct({
  ...shapeSchema(OPPORTUNITY_SHAPE).fields,
  extra: Schema.optionalKey(ExtraFieldsSchema),
});
/** `accounts[Id]`. */
export const AccountSchema = shapeSchema(ACCOUNT_SHAPE);
/** `contacts[Id]`. */
export const ContactSchema = Schema.Struct({
  ...shapeSchema(CONTACT_SHAPE).fields,
  extra: Schema.optionalKey(ExtraFieldsSchema),
});
/** `contactRoles[Id]`. */
export const ContactRoleSchema = shapeSchema(CONTACT_ROLE_SHAPE);
/**
 * `activities[Id]`. `WhoIds`: every contact the activity relates to (its `WhoId` first, then
 * the other TaskRelation / EventRelation contacts of a shared activity); absent when only the
 * `WhoId` is known (an org without Shared Activities, a record mirrored before it was read).
 */
export const ActivitySchema = Schema.Struct({
  ...shapeSchema(ACTIVITY_SHAPE).fields,
  WhoIds: Schema.optionalKey(Schema.Array(SalesforceIdSchema)),
  extra: Schema.optionalKey(ExtraFieldsSchema),
});

/** The kinds of activity a user can log. */
export const ActivityKindSchema = Schema.Literals(["call", "email", "meeting", "note"]);
/** A kind of activity a user can log. */
export type ActivityKind = typeof ActivityKindSchema.Type;

const IntentCommon = {
  id: Schema.String,
  at: DateTimeString,
  hlc: Schema.String,
  device: Schema.String,
};

/** `kind: "logActivity"`: create one completed Task. */
export const LogActivityIntentSchema = Schema.Struct({
  ...IntentCommon,
  kind: Schema.Literal("logActivity"),
  opportunityId: NullableId,
  contactId: SalesforceIdSchema,
  activity: Schema.Struct({
    type: ActivityKindSchema,
    subject: Schema.optionalKey(Schema.String),
    description: Schema.optionalKey(Schema.String),
    durationSeconds: Schema.optionalKey(Schema.Finite),
    occurredAt: DateTimeString,
  }),
});

/** The objects whose fields a device can edit. */
export const EditableSObjectSchema = Schema.Literals(["Opportunity", "Contact"]);
/** An object whose fields a device can edit. */
export type EditableSObject = typeof EditableSObjectSchema.Type;

/** `kind: "editField"`: a three-way field edit. */
export const EditFieldIntentSchema = Schema.Struct({
  ...IntentCommon,
  kind: Schema.Literal("editField"),
  sobject: EditableSObjectSchema,
  recordId: SalesforceIdSchema,
  field: Schema.String,
  value: Schema.Unknown,
  base: Schema.Unknown,
});

/** A contact tier override. */
export const ContactTierSchema = Schema.Literals(["key", "other", "auto"]);
/** A contact tier override: `auto` returns to the automatic rule. */
export type ContactTier = typeof ContactTierSchema.Type;

/** `kind: "setContactTier"`: promote or demote a contact for one opportunity. */
export const SetContactTierIntentSchema = Schema.Struct({
  ...IntentCommon,
  kind: Schema.Literal("setContactTier"),
  opportunityId: SalesforceIdSchema,
  contactId: SalesforceIdSchema,
  tier: ContactTierSchema,
});

/** `kind: "resolveConflict"`: keep Salesforce's value for a conflicted edit. */
export const ResolveConflictIntentSchema = Schema.Struct({
  ...IntentCommon,
  kind: Schema.Literal("resolveConflict"),
  intentId: Schema.String,
  choice: Schema.Literal("theirs"),
});

/** `kind: "cancel"`: withdraw a pending intent. */
export const CancelIntentSchema = Schema.Struct({
  ...IntentCommon,
  kind: Schema.Literal("cancel"),
  intentId: Schema.String,
});

/** `intents[id]`: an intent of one of the five kinds. */
export const IntentSchema = Schema.Union([
  LogActivityIntentSchema,
  EditFieldIntentSchema,
  SetContactTierIntentSchema,
  ResolveConflictIntentSchema,
  CancelIntentSchema,
]);

/** `kind: "logActivity"`. */
export type LogActivityIntent = typeof LogActivityIntentSchema.Type;
/** `kind: "editField"`. */
export type EditFieldIntent = typeof EditFieldIntentSchema.Type;
/** `kind: "setContactTier"`. */
export type SetContactTierIntent = typeof SetContactTierIntentSchema.Type;
/** `kind: "resolveConflict"`. */
export type ResolveConflictIntent = typeof ResolveConflictIntentSchema.Type;
/** `kind: "cancel"`. */
export type CancelIntent = typeof CancelIntentSchema.Type;
/** Any intent a device writes. */
export type Intent = typeof IntentSchema.Type;
/** The `kind` of an intent. */
export type IntentKind = Intent["kind"];

/** Receipt states, in their forward-only order. */
export const ReceiptStatusSchema = Schema.Literals([
  "pending",
  "sending",
  "applied",
  "failed",
  "conflict",
  "superseded",
  "cancelled",
]);
/** A receipt state. */
export type ReceiptStatus = typeof ReceiptStatusSchema.Type;

/** `receipts[intentId]`: what happened to an intent. Written by the worker only. */
export const ReceiptSchema = Schema.Struct({
  intentId: Schema.String,
  status: ReceiptStatusSchema,
  attempts: Schema.Finite,
  updatedAt: DateTimeString,
  salesforceId: Schema.optionalKey(SalesforceIdSchema),
  error: Schema.optionalKey(Schema.Struct({ code: Schema.String, message: Schema.String })),
  conflict: Schema.optionalKey(Schema.Struct({ base: Schema.Unknown, mine: Schema.Unknown, theirs: Schema.Unknown })),
});
/** A receipt. */
export type Receipt = typeof ReceiptSchema.Type;

/** `interactions[id]`: an email or meeting with an address, seen by a device or an importer. */
export const InteractionSchema = Schema.Struct({
  id: Schema.String,
  email: Schema.String,
  kind: Schema.Literals(["email", "meeting"]),
  at: DateTimeString,
  source: Schema.String,
  subject: Schema.optionalKey(Schema.String),
});
/** An interaction. */
export type Interaction = typeof InteractionSchema.Type;

/** `meta.sync`: the worker's sync status. */
export const SyncStatusSchema = Schema.Struct({
  state: Schema.Literals(["idle", "syncing", "error"]),
  lastSuccessAt: Schema.NullOr(DateTimeString),
  lastError: Schema.NullOr(Schema.Struct({ code: Schema.String, message: Schema.String, at: DateTimeString })),
  apiUsage: Schema.Struct({ used: Schema.Finite, max: Schema.Finite }),
  /** Records mirrored when the status was written (docs/architecture.md, "Observability"); absent in docs written before. */
  records: Schema.optional(
    Schema.Struct({
      opportunities: Schema.Finite,
      accounts: Schema.Finite,
      contacts: Schema.Finite,
      contactRoles: Schema.Finite,
      activities: Schema.Finite,
    }),
  ),
});
/** The worker's sync status. */
export type SyncStatus = typeof SyncStatusSchema.Type;

/** One opportunity stage of the org's sales process (an active `OpportunityStage`). */
export const StageInfoSchema = Schema.Struct({
  /** The StageName picklist value. */
  name: Schema.String,
  /** Its place in the sales process (`OpportunityStage.SortOrder`). */
  sortOrder: Schema.Finite,
  isClosed: Schema.Boolean,
  isWon: Schema.Boolean,
});
/** One stage of the org's sales process. */
export type StageInfo = typeof StageInfoSchema.Type;

/**
 * One field of a synced object as describe gives it to the user: core fields and configured
 * extra fields alike. A field the user cannot read is not listed.
 */
export const FieldInfoSchema = Schema.Struct({
  /** The API name (`StageName`, `Competitor__c`). */
  name: Schema.String,
  label: Schema.String,
  /** Describe's type: `string`, `picklist`, `boolean`, `date`, `currency`, `reference`, … */
  type: Schema.String,
  /** The user may edit it (field-level security and the field's own nature). */
  updateable: Schema.Boolean,
  nillable: Schema.Boolean,
  /** Maximum length of a text value, `null` when not text. */
  length: Schema.NullOr(Schema.Finite),
  /** A picklist's active values (all record types), `null` when not a picklist. */
  picklist: Schema.NullOr(Schema.Array(Schema.String)),
  /** `true` for a configured field beyond the record's shape: it lives in the record's `extra`. */
  extra: Schema.Boolean,
});
/** One field of a synced object. */
export type FieldInfo = typeof FieldInfoSchema.Type;

/** A record type available to the user, with the picklist values it allows. */
export const RecordTypeInfoSchema = Schema.Struct({
  id: SalesforceIdSchema,
  name: Schema.String,
  developerName: Schema.String,
  /** The user's default record type for the object. */
  isDefault: Schema.Boolean,
  /** Per picklist field, the values this record type allows (e.g. its sales process's stages). */
  picklists: Schema.Record(Schema.String, Schema.Array(Schema.String)),
});
/** A record type and its picklist values. */
export type RecordTypeInfo = typeof RecordTypeInfoSchema.Type;

/** A configured field the sync leaves out, and why. */
export const FieldNoteSchema = Schema.Struct({
  sobject: Schema.String,
  field: Schema.String,
  /** `hidden`: describe does not give it to this user (field-level security, or no such field). */
  reason: Schema.Literals(["hidden", "unsupported"]),
  /** What the status bar shows. */
  message: Schema.String,
});
/** A configured field left out. */
export type FieldNote = typeof FieldNoteSchema.Type;

/**
 * `meta.org`: what the worker knows of the org beyond the records — its instance URL (for
 * links to a record in Salesforce) and its stages in sales-process order. Absent in docs
 * written before it; the worker writes it on its next cycle.
 */
export const OrgInfoSchema = Schema.Struct({
  instanceUrl: Schema.NullOr(Schema.String),
  stages: Schema.Array(StageInfoSchema),
  /** The user's time zone (`User.TimeZoneSidKey`, an IANA name); `null` or absent: UTC. */
  timeZone: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** Per synced object, the fields the user can read, as describe gives them (see {@link FieldInfoSchema}). */
  fields: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(FieldInfoSchema))),
  /** Per object with record types, those available to the user. */
  recordTypes: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(RecordTypeInfoSchema))),
  /** Configured fields left out of the sync, each with the reason shown to the user. */
  fieldNotes: Schema.optionalKey(Schema.Array(FieldNoteSchema)),
  /** When this was read (the worker reads it again after a while, to keep the time zone current). */
  fetchedAt: Schema.optionalKey(DateTimeString),
});
/** What the worker knows of the org. */
export type OrgInfo = typeof OrgInfoSchema.Type;

/** `meta.watermarks`: per object, the greatest SystemModstamp mirrored. */
export const WatermarksSchema = Schema.Record(Schema.String, DateTimeString);

/**
 * `meta.scopeContinuation`: a first sync that reads a large object through a Bulk API 2.0 query
 * job, one results page per cycle (docs/protocol.md §2.3). Only the worker writes it; it is decoded on
 * every read and ignored when malformed (the job is then started again).
 */
export const ScopeContinuationSchema = Schema.Struct({
  kind: Schema.Literal("bulk"),
  /** The object being read (the scope object above the threshold: contacts at the scope's accounts). */
  object: Schema.Literal("Contact"),
  /** The query job's id. */
  jobId: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Za-z0-9]{15,18}$/))),
  /** The locator of the next results page; absent for the first. */
  locator: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Za-z0-9+/=_.-]{1,200}$/)))),
  /** The job reads records with `SystemModstamp <= upTo`; the incremental pull goes on from there. */
  upTo: DateTimeString,
  /** Records the job holds and records delivered so far (progress). */
  total: Schema.Finite,
  read: Schema.Finite,
  /**
   * Ids the incremental pull delivered or removed since `upTo`: their page rows are older and are
   * dropped (bounded by the changes made during the first sync).
   */
  skip: Schema.Array(SalesforceIdSchema),
});
/** A first sync in progress across cycles. */
export type ScopeContinuation = typeof ScopeContinuationSchema.Type;

/** Final receipt states: nothing moves a receipt out of these. */
export const FINAL_STATUSES: ReadonlySet<ReceiptStatus> = new Set([
  "applied",
  "failed",
  "conflict",
  "superseded",
  "cancelled",
]);

/** True when a receipt in `status` can no longer change. */
export function isFinalStatus(status: ReceiptStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/**
 * True when a receipt may move from `from` to `to` (forward only).
 *
 * @remarks `pending → sending → final`; `sending → sending` is allowed (a retry bumps
 * `attempts`); nothing leaves a final state.
 */
export function canTransition(from: ReceiptStatus | undefined, to: ReceiptStatus): boolean {
  if (from === undefined) return true;
  if (isFinalStatus(from)) return false;
  if (from === "sending") return to !== "pending";
  return true;
}
