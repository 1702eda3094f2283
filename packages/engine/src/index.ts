/**
 * Public API of `@tandem/engine`: the pure core of Tandem. Explicit named exports only.
 * The in-memory fake port, fault injection and the port contract suite live in
 * `@tandem/engine/testing`.
 */

export {
  createDevice,
  type Device,
  type DeviceContext,
  type EditFieldInput,
  type LogActivityInput,
  type RecordInteractionInput,
} from "./device/device.js";
export { DeviceInputError, type DeviceInputErrorCode, type DeviceResult } from "./device/errors.js";
export {
  type BookDecodeCache,
  createBookDecodeCache,
  type IntentEntry,
  isInteractionEntry,
  isMirrorEntry,
  quoteShort,
  readIntentEntry,
  readIntentValue,
  readReceiptEntry,
  readReceiptValue,
  readSyncStatus,
  readWatermarks,
} from "./doc/book-decode.js";
export {
  byHlc,
  effectiveFieldValue,
  isOpenIntent,
  openEditsOf,
  receiptStatus,
  type Table,
} from "./doc/intent-state.js";
export { jsonEqual } from "./doc/json-equal.js";
export {
  BOOK_MAP_NAMES,
  type BookMapName,
  type BookMaps,
  bookMaps,
  bookRoomName,
  type MetaKey,
  MIRROR_MAP_NAMES,
  type MirrorMapName,
  SALESFORCE_ORIGIN,
  SCHEMA_VERSION,
} from "./doc/layout.js";
export { loadBook, setRecord, shareRecordStrings, shareRecordStringsInSteps } from "./doc/record-content.js";
export {
  type BookIssue,
  BookVersionTooNewError,
  checkBookVersion,
  InvalidBookError,
  type OpenBookError,
  type OpenBookOptions,
  type OpenBookResult,
  openBook,
  readSchemaVersion,
  validateBook,
} from "./doc/version.js";
export {
  CONTACT_EDITABLE_FIELDS,
  type ContactEditableField,
  checkFieldValue,
  defaultActivitySubject,
  FORECAST_CATEGORIES,
  isCalendarDate,
  isEditableField,
  normalizeEmail,
  OPPORTUNITY_EDITABLE_FIELDS,
  type OpportunityEditableField,
} from "./model/fields.js";
export { compareHlc, formatHlc, type Hlc, parseHlc, tickHlc } from "./model/hlc.js";
export {
  ACCOUNT_SHAPE,
  ACTIVITY_SHAPE,
  CONTACT_ROLE_SHAPE,
  CONTACT_SHAPE,
  type FieldDescriptor,
  type FieldKind,
  OPPORTUNITY_SHAPE,
  type RecordShape,
  type ShapeField,
  shapeFields,
} from "./model/record-shapes.js";
export type {
  AccountRecord,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
} from "./model/records.js";
export {
  InvalidSalesforceIdError,
  type InvalidSalesforceIdReason,
  isSalesforceId,
  keyPrefix,
  readSalesforceId,
  type SalesforceId,
  SalesforceIdSchema,
  to15,
  to18,
} from "./model/salesforce-id.js";
export {
  AccountSchema,
  type ActivityKind,
  ActivityKindSchema,
  ActivitySchema,
  type CancelIntent,
  CancelIntentSchema,
  ContactRoleSchema,
  ContactSchema,
  type ContactTier,
  ContactTierSchema,
  canTransition,
  DateString,
  DateTimeString,
  type EditableSObject,
  EditableSObjectSchema,
  type EditFieldIntent,
  EditFieldIntentSchema,
  FINAL_STATUSES,
  type Intent,
  type IntentKind,
  IntentSchema,
  type Interaction,
  InteractionSchema,
  isFinalStatus,
  type LogActivityIntent,
  LogActivityIntentSchema,
  OpportunitySchema,
  type Receipt,
  ReceiptSchema,
  type ReceiptStatus,
  ReceiptStatusSchema,
  type ResolveConflictIntent,
  ResolveConflictIntentSchema,
  type SetContactTierIntent,
  SetContactTierIntentSchema,
  type ShapeRecord,
  type SyncStatus,
  SyncStatusSchema,
  WatermarksSchema,
} from "./model/schemas.js";
export { isUuidv7, uuidv7 } from "./model/uuid.js";
export {
  AccessDenied,
  type ActivityPull,
  type ActivityPullRequest,
  type ApiUsage,
  type CreateTaskWrite,
  type IdempotencyKey,
  type MirroredIds,
  NotFound,
  OutcomeUnknown,
  RateLimited,
  Revoked,
  RowLocked,
  type SalesforcePort,
  type SalesforcePortError,
  type SalesforceWrite,
  type ScopeObject,
  type ScopePull,
  type ScopePullRequest,
  SessionExpired,
  Unavailable,
  type UpdateFieldWrite,
  ValidationFailed,
  type Watermarks,
  type WriteResult,
} from "./port/salesforce-port.js";
export { type ApplyReport, applyPlan } from "./reconcile/apply.js";
export { IDEMPOTENCY_PREFIX, idempotencyKeyFor, intentIdOfKey } from "./reconcile/idempotency.js";
export { type KeyContactInputs, keyContactIds } from "./reconcile/key-contacts.js";
export {
  DEFAULT_CLOCK_SKEW_MS,
  describePortError,
  EMPTY_PLAN,
  isEmptyPlan,
  isRetryable,
  type MirrorDelete,
  type MirrorUpsert,
  type Plan,
  type PlannedLookup,
  type PlanOptions,
  type Pulled,
  plan,
  planCallFailure,
  planLookupResults,
  planResults,
  RECEIPT_CODES,
  taskWriteFor,
} from "./reconcile/plan.js";
export {
  type BookState,
  DAMAGED_RECEIPT_CODE,
  overlayTable,
  type ReadBookStateOptions,
  readBookState,
} from "./reconcile/state.js";
export {
  CycleDefect,
  CycleFailed,
  type CycleReport,
  describeRunnerError,
  PersistFailed,
  type RetryOptions,
  type RunnerError,
  type RunnerOptions,
  runCycle,
  SYNC_ERROR_CODES,
  writeSyncError,
} from "./runner/runner.js";
export {
  DEFAULT_TRIGGER_CONFIG,
  INITIAL_TRIGGER_STATE,
  nextRunAt,
  reduceTrigger,
  scheduleInterval,
  type TriggerConfig,
  type TriggerEvent,
  type TriggerState,
} from "./runner/trigger-policy.js";
export { type BookView, createBookView } from "./views/book-view.js";
export {
  bookRecommendations,
  DEFAULT_THRESHOLDS,
  type Recommendation,
  type RecommendationKind,
  type RecommendationThresholds,
  recommendationsFor,
} from "./views/recommendations.js";
export type {
  ActivityItem,
  ActivityStatus,
  BookSnapshot,
  ContactView,
  IntentView,
  InteractionSource,
  KeyEvidence,
  LastInteraction,
  OpportunityView,
  PendingField,
  SyncView,
} from "./views/types.js";
