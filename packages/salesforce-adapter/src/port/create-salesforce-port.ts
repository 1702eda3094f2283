/**
 * `createSalesforcePort`: the engine's `SalesforcePort` for one user, over one scoped jsforce
 * connection.
 *
 * Invariant: every call acts as that user (their OAuth token); the port keeps no state
 * between calls except the connection (tokens), the usage counters and what it learned of the
 * org (`OrgFeatures`: no Shared Activities).
 */
import type { ApiUsage, SalesforcePort } from "@tandem/engine";
import type { OAuthClientConfig, SalesforceTokens } from "../auth/tokens.js";
import { createSalesforceClient, type ReadRetryPolicy, type SalesforceClient } from "../client/salesforce-client.js";
import { pullActivities } from "../pull/activity-pull.js";
import { pullOrgInfo } from "../pull/org-info.js";
import { DEFAULT_PULL_OPTIONS, type PullOptions } from "../pull/pull-options.js";
import { pullScope } from "../pull/scope-pull.js";
import { type IdempotencyConfig, resolveIdempotency } from "../push/idempotency.js";
import { lookupKeys } from "../push/lookup.js";
import { pushWrites } from "../push/push.js";
import { createUsageTracker, type UsageTracker } from "../usage/usage-tracker.js";

/** Options of {@link createSalesforcePort}. */
export interface SalesforcePortOptions {
  /** The user's tokens (their `instanceUrl` is the org's). */
  readonly tokens: SalesforceTokens;
  /** The connected app, for refreshing the access token. */
  readonly oauth: OAuthClientConfig;
  /** REST API version. Default `"60.0"`. */
  readonly apiVersion?: string | undefined;
  /** Called with the new tokens after each refresh; store them. */
  readonly onTokenRefresh?: ((tokens: SalesforceTokens) => void) | undefined;
  /**
   * Gets a new access token when one expires, instead of the refresh-token grant (e.g. a new
   * JWT bearer assertion); the request that met the 401 is then sent again, read or write.
   * Reject with an error whose `code` is Salesforce's OAuth error (`invalid_grant` → `Revoked`).
   */
  readonly renewAccessToken?: (() => Promise<string>) | undefined;
  /** Where Task creates keep their idempotency key. Default `CallObject` with a `tandem:` prefix. */
  readonly idempotency?: IdempotencyConfig | undefined;
  /** Watermark overlap. Default 5 minutes. */
  readonly overlapMs?: number | undefined;
  /** Budget for any request URL. Default 8,000 characters. */
  readonly maxUrlLength?: number | undefined;
  /** Bundle independent reads into composite requests. Default true. */
  readonly useComposite?: boolean | undefined;
  /** Read retries (writes are never retried). */
  readonly readRetry?: ReadRetryPolicy | undefined;
  /** Suggested wait for a rate limit without `Retry-After`. Default 60 s. */
  readonly rateLimitRetryAfterMs?: number | undefined;
  /** Share a usage tracker (e.g. per org); default one per port. */
  readonly usage?: UsageTracker | undefined;
  /** The clock (getDeleted's end bound). Default `new Date()`. */
  readonly now?: (() => Date) | undefined;
  /**
   * A first sync of more contacts than this reads them with a Bulk API 2.0 query job (README,
   * "Large first syncs"). Default 10,000; `Infinity`: REST only.
   */
  readonly bulkThreshold?: number | undefined;
  /** Records per Bulk results page; one page is read per pull. Default 50,000. */
  readonly bulkPageRecords?: number | undefined;
}

/** The port plus its client, for callers that need the connection (diagnostics, tests). */
export interface SalesforcePortHandle extends SalesforcePort {
  readonly client: SalesforceClient;
}

/**
 * Creates the Salesforce port for one user.
 *
 * @remarks The activity window is the caller's (`pullActivities`' `windowStart`); the
 * idempotency field must be filterable (CallObject is; Description is not).
 * @example
 * ```ts
 * const port = createSalesforcePort({
 *   tokens: { instanceUrl, accessToken, refreshToken },
 *   oauth: { loginUrl, clientId, clientSecret },
 *   onTokenRefresh: (tokens) => store.saveTokens(userId, tokens),
 * });
 * const pulled = yield* port.pullScope({ userId, watermarks: {}, mirrored });
 * ```
 */
export function createSalesforcePort(options: SalesforcePortOptions): SalesforcePortHandle {
  const usage = options.usage ?? createUsageTracker();
  const client = createSalesforceClient({
    tokens: options.tokens,
    oauth: options.oauth,
    apiVersion: options.apiVersion,
    usage,
    onTokenRefresh: options.onTokenRefresh,
    renewAccessToken: options.renewAccessToken,
    readRetry: options.readRetry,
    rateLimitRetryAfterMs: options.rateLimitRetryAfterMs,
  });
  const pullOptions: PullOptions = {
    overlapMs: options.overlapMs ?? DEFAULT_PULL_OPTIONS.overlapMs,
    maxUrlLength: options.maxUrlLength ?? DEFAULT_PULL_OPTIONS.maxUrlLength,
    useComposite: options.useComposite ?? DEFAULT_PULL_OPTIONS.useComposite,
    deletedWindowMs: DEFAULT_PULL_OPTIONS.deletedWindowMs,
    now: options.now ?? DEFAULT_PULL_OPTIONS.now,
    bulkThreshold: options.bulkThreshold ?? DEFAULT_PULL_OPTIONS.bulkThreshold,
    bulkPageRecords: options.bulkPageRecords ?? DEFAULT_PULL_OPTIONS.bulkPageRecords,
    bulkPollMs: DEFAULT_PULL_OPTIONS.bulkPollMs,
    orgFeatures: { noSharedActivities: false },
  };
  const idempotency = resolveIdempotency(options.idempotency);
  return {
    client,
    pullScope: (request) => pullScope(client, request, pullOptions),
    pullActivities: (request) => pullActivities(client, request, pullOptions),
    push: (writes) =>
      pushWrites(client, writes, {
        idempotency,
        maxUrlLength: pullOptions.maxUrlLength,
        useComposite: pullOptions.useComposite,
      }),
    lookup: (keys) =>
      lookupKeys(client, idempotency, keys, {
        maxUrlLength: pullOptions.maxUrlLength,
        useComposite: pullOptions.useComposite,
      }),
    usage: (): ApiUsage => usage.snapshot(),
    pullOrgInfo: (request) => pullOrgInfo(client, request, { useComposite: pullOptions.useComposite }),
  };
}
