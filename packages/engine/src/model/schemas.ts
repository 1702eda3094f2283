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

/** `opportunities[Id]`. */
export const OpportunitySchema = shapeSchema(OPPORTUNITY_SHAPE);
/** `accounts[Id]`. */
export const AccountSchema = shapeSchema(ACCOUNT_SHAPE);
/** `contacts[Id]`. */
export const ContactSchema = shapeSchema(CONTACT_SHAPE);
/** `contactRoles[Id]`. */
export const ContactRoleSchema = shapeSchema(CONTACT_ROLE_SHAPE);
/** `activities[Id]`. */
export const ActivitySchema = shapeSchema(ACTIVITY_SHAPE);

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
 * `meta.org`: what the worker knows of the org beyond the records — its instance URL (for
 * links to a record in Salesforce) and its stages in sales-process order. Absent in docs
 * written before it; the worker writes it on its next cycle.
 */
export const OrgInfoSchema = Schema.Struct({
  instanceUrl: Schema.NullOr(Schema.String),
  stages: Schema.Array(StageInfoSchema),
});
/** What the worker knows of the org. */
export type OrgInfo = typeof OrgInfoSchema.Type;

/** `meta.watermarks`: per object, the greatest SystemModstamp mirrored. */
export const WatermarksSchema = Schema.Record(Schema.String, DateTimeString);

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
