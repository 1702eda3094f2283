/**
 * Public API of `@tandem/salesforce-adapter`: the engine's Salesforce port over jsforce, the
 * OAuth (authorization code + PKCE) helpers, the Promise sign-in helpers for back ends
 * (refresh token, JWT bearer, authorization code) with their sessions, the error mapper and the
 * API-usage tracker.
 * Explicit named exports only.
 */
export {
  type AuthorizeRequest,
  type AuthorizeUrlOptions,
  createAuthorizeUrl,
  type ExchangeCodeOptions,
  exchangeCode,
  type ReadIdentityOptions,
  readIdentity,
  type SalesforceIdentity,
  type SignedInTokens,
} from "./auth/oauth.js";
export type { OAuthClientConfig, SalesforceTokens } from "./auth/tokens.js";
export {
  type ClientRequest,
  type ClientResponse,
  createSalesforceClient,
  type ReadRetryPolicy,
  type SalesforceClient,
  type SalesforceClientOptions,
} from "./client/salesforce-client.js";
export {
  type ErrorContext,
  fromErrorCode,
  fromErrorItems,
  isRetryable,
  type SalesforceErrorItem,
  toPortError,
} from "./errors/map-error.js";
export { OAuthFailed } from "./errors/oauth-failed.js";
export {
  createSalesforcePort,
  type SalesforcePortHandle,
  type SalesforcePortOptions,
} from "./port/create-salesforce-port.js";
export type { IdempotencyConfig } from "./push/idempotency.js";
export type {
  SalesforceSession,
  SessionPortOptions,
} from "./session/salesforce-session.js";
export {
  type AuthorizationCodeSignInOptions,
  type JwtBearerSignInOptions,
  type RefreshTokenSignInOptions,
  type SignInCommonOptions,
  signInWithAuthorizationCode,
  signInWithJwtBearer,
  signInWithRefreshToken,
} from "./session/sign-in.js";
export { chunkByUrlLength, select, soqlId } from "./soql/builder.js";
export { soqlDate, soqlDateTime, soqlString } from "./soql/literal.js";
export { type ChangeEvent, readChangeEvent } from "./streaming/change-event.js";
export {
  ChangeStreamError,
  type ChangeStreamFailure,
  type ChangeSubscription,
  type SubscribeChangesOptions,
  subscribeChanges,
} from "./streaming/subscribe-changes.js";
export { createUsageTracker, parseLimitInfo, type UsageTracker } from "./usage/usage-tracker.js";
