/**
 * A signed-in back-end session: who the book belongs to, the current tokens, and `port()`, the
 * user's Salesforce port for the next cycle (what the engine's `createBookSync` needs as its
 * `salesforce`). Built by the sign-in helpers in `sign-in.ts`.
 *
 * Invariants:
 * - One connection is kept across cycles; a failure that may come from a stale connection
 *   (`Unavailable`, `OutcomeUnknown`) rebuilds it on the next call, with the tokens kept.
 * - Tokens Salesforce refreshes are kept (and handed to `onTokens`) before any call uses them.
 * - A 401 renews the access token inside the call and jsforce sends the request again, read or
 *   write (Salesforce did not take it): refresh-token sessions with the refresh grant, JWT
 *   bearer sessions (no refresh token) by minting a new token with a new assertion.
 * - After a `SessionExpired` or `Revoked` failure `port()` renews first; a renewal refused with
 *   a revoking code (`invalid_grant` …) rejects that and every later `port()` with
 *   `SalesforceSignInError` (`revoked: true`).
 */
import {
  type BookSyncSalesforce,
  type IdempotencyKey,
  type SalesforceId,
  type SalesforcePort,
  type SalesforcePortError,
  SalesforceSignInError,
  type WriteResult,
} from "@tandem/engine";
import { Effect } from "effect";
import type { SalesforceTokens } from "../auth/tokens.js";
import { REVOKED_CODES } from "../errors/map-error.js";
import { OAuthFailed } from "../errors/oauth-failed.js";
import {
  createSalesforcePort,
  type SalesforcePortHandle,
  type SalesforcePortOptions,
} from "../port/create-salesforce-port.js";
import { createUsageTracker } from "../usage/usage-tracker.js";

/** What a signed-in session offers: a `BookSyncSalesforce` plus the connection's details. */
export interface SalesforceSession extends BookSyncSalesforce {
  /** The org's instance URL (from the latest token response). */
  readonly instanceUrl: string;
  /** The signed-in user's username (from the identity URL). */
  readonly username: string;
  /** The current tokens, after any refresh; `refreshToken` is `""` for a JWT bearer session. */
  tokens(): SalesforceTokens;
}

/** Port options a sign-in passes through to `createSalesforcePort` (all but tokens and client). */
export type SessionPortOptions = Omit<
  SalesforcePortOptions,
  "tokens" | "oauth" | "apiVersion" | "onTokenRefresh" | "renewAccessToken"
>;

/** How a session gets a new access token. */
export type SessionKind = "refresh_token" | "jwt_bearer";

/** What {@link createSalesforceSession} needs: a completed sign-in. */
export interface SessionInit {
  readonly kind: SessionKind;
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly userId: SalesforceId;
  readonly orgId: string;
  readonly username: string;
  readonly tokens: SalesforceTokens;
  /** A new token set from the current one (refresh grant or new assertion); rejects with `OAuthFailed`. */
  readonly renew: (current: SalesforceTokens) => Promise<SalesforceTokens>;
  readonly apiVersion?: string | undefined;
  readonly onTokens?: ((tokens: SalesforceTokens) => void) | undefined;
  readonly portOptions?: SessionPortOptions | undefined;
}

function signInError(cause: unknown): SalesforceSignInError {
  if (cause instanceof SalesforceSignInError) return cause;
  const code = cause instanceof OAuthFailed ? cause.code : "token_unavailable";
  const message = cause instanceof Error ? cause.message : String(cause);
  return new SalesforceSignInError({ code, revoked: REVOKED_CODES.has(code), message });
}

const isAuthFailure = (error: SalesforcePortError) => error._tag === "SessionExpired" || error._tag === "Revoked";

/**
 * Creates the session of a completed sign-in.
 *
 * @remarks Used by the `signInWith…` helpers, which have checked the tokens and read the
 * identity already; `port()` resolves to the same port object every time.
 * @example
 * ```ts
 * const session = createSalesforceSession({ kind: "refresh_token", loginUrl, clientId, userId, orgId, username, tokens, renew });
 * ```
 */
export function createSalesforceSession(init: SessionInit): SalesforceSession {
  const usage = init.portOptions?.usage ?? createUsageTracker();
  let tokens = init.tokens;
  let handle: SalesforcePortHandle | undefined;
  /** A call failed in a way a new access token may fix: `port()` renews first. */
  let stale = false;
  let revoked: SalesforceSignInError | undefined;
  let renewing: Promise<void> | undefined;

  const keep = (next: SalesforceTokens): void => {
    tokens = next;
    init.onTokens?.(next);
  };

  /** A renewal's failure as the sign-in error; a revoking one ends the session. */
  const refused = (cause: unknown): SalesforceSignInError => {
    const error = signInError(cause);
    if (error.revoked) revoked = error;
    return error;
  };

  /**
   * JWT bearer: the connection's own renewal on a 401 (a new assertion, a new access token; the
   * connection reports it through `onTokenRefresh`). Rejects with `SalesforceSignInError`, whose
   * `code` the connection maps (`invalid_grant` → `Revoked`).
   */
  const mintAccessToken = async (): Promise<string> => {
    if (revoked) throw revoked;
    try {
      return (await init.renew(tokens)).accessToken;
    } catch (cause) {
      throw refused(cause);
    }
  };

  const current = (): SalesforcePortHandle => {
    handle ??= createSalesforcePort({
      ...init.portOptions,
      usage,
      tokens,
      oauth: { loginUrl: init.loginUrl, clientId: init.clientId, clientSecret: init.clientSecret },
      apiVersion: init.apiVersion,
      onTokenRefresh: keep,
      ...(init.kind === "jwt_bearer" ? { renewAccessToken: mintAccessToken } : {}),
    });
    return handle;
  };

  /** Renews the access token once, unless another call renewed it since `usedToken` failed. */
  const renew = (usedToken: string): Promise<void> => {
    if (revoked) return Promise.reject(revoked);
    if (tokens.accessToken !== usedToken && !stale) return Promise.resolve();
    renewing ??= init
      .renew(tokens)
      .then(
        (next) => {
          keep(next);
          handle = undefined;
          stale = false;
        },
        (cause: unknown) => {
          throw refused(cause);
        },
      )
      .finally(() => {
        renewing = undefined;
      });
    return renewing;
  };

  /** After a failed call or write: what the next call should do (rebuild the connection, renew first). */
  const note = (error: SalesforcePortError, failed: SalesforcePortHandle): void => {
    if (error._tag === "Unavailable" || error._tag === "OutcomeUnknown") {
      if (handle === failed) handle = undefined;
    } else if (isAuthFailure(error)) {
      stale = true;
    }
  };

  /** Runs a call on the current port, noting how it failed. */
  const watched = <A>(run: (port: SalesforcePortHandle) => Effect.Effect<A, SalesforcePortError>) =>
    Effect.suspend(() => {
      const used = current();
      return run(used).pipe(Effect.tapError((error) => Effect.sync(() => note(error, used))));
    });

  const port: SalesforcePort = {
    pullScope: (request) => watched((p) => p.pullScope(request)),
    pullActivities: (request) => watched((p) => p.pullActivities(request)),
    lookup: (keys: ReadonlyArray<IdempotencyKey>) => watched((p) => p.lookup(keys)),
    pullOrgInfo: (request) =>
      watched((p) =>
        p.pullOrgInfo ? p.pullOrgInfo(request) : Effect.die(new Error("the adapter's port reads org info")),
      ),
    push: (writes) =>
      watched((p) =>
        p.push(writes).pipe(
          Effect.tap((results: ReadonlyArray<WriteResult>) =>
            Effect.sync(() => {
              for (const result of results) if (result.outcome === "failed") note(result.error, p);
            }),
          ),
        ),
      ),
    usage: () => usage.snapshot(),
  };
  return {
    userId: init.userId,
    orgId: init.orgId,
    username: init.username,
    get instanceUrl() {
      return tokens.instanceUrl;
    },
    tokens: () => tokens,
    port: async () => {
      if (revoked) throw revoked;
      if (stale) await renew(tokens.accessToken);
      current();
      return port;
    },
  };
}
