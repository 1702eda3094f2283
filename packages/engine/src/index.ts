/**
 * Public API of `@tandem/engine`: the pure core of Tandem. Explicit named exports only.
 */

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
