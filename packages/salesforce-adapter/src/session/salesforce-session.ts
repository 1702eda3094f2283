/**
 * A signed-in back-end session: who the book belongs to, the current tokens, and `port()`, the
 * user's Salesforce port for the next cycle (what the engine's `createBookSync` needs as its
 * `salesforce`). Built by the sign-in helpers in `sign-in.ts`.
 *
 * Invariants:
 * - One connection is kept across cycles; a failure that may come from a stale connection
 *   (`Unavailable`, `OutcomeUnknown`) rebuilds it on the next call, with the tokens kept.
 * - Tokens Salesforce refreshes are kept (and handed to `onTokens`) before any call uses them.
 * - Refresh-token sessions: the connection refreshes on a 401 itself; after a `SessionExpired`
 *   or `Revoked` failure `port()` refreshes first, and an `invalid_grant` then rejects with
 *   `SalesforceSignInError` (`revoked: true`), and every later `port()` too.
 * - JWT bearer sessions (no refresh token): an expired access token is replaced by minting a
 *   new one with a new assertion; reads are then retried once, writes never (they fail with
 *   `SessionExpired`, whose 401 means Salesforce did not take them, and go out next cycle).
 */
import {
  type BookSyncSalesforce,
  type IdempotencyKey,
  Revoked,
  type SalesforceId,
  type SalesforcePort,
  type SalesforcePortError,
  SalesforceSignInError,
  SessionExpired,
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
export type SessionPortOptions = Omit<SalesforcePortOptions, "tokens" | "oauth" | "apiVersion" | "onTokenRefresh">;

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

  const current = (): SalesforcePortHandle => {
    handle ??= createSalesforcePort({
      ...init.portOptions,
      usage,
      tokens,
      oauth: { loginUrl: init.loginUrl, clientId: init.clientId, clientSecret: init.clientSecret },
      apiVersion: init.apiVersion,
      onTokenRefresh: keep,
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
          const error = signInError(cause);
          if (error.revoked) revoked = error;
          throw error;
        },
      )
      .finally(() => {
        renewing = undefined;
      });
    return renewing;
  };

  /** After a failed call: what the next call should do, and the error the caller sees. */
  const afterFailure = (
    error: SalesforcePortError,
    usedToken: string,
    failed: SalesforcePortHandle,
  ): Effect.Effect<"renewed" | "failed", SalesforcePortError> => {
    if (error._tag === "Unavailable" || error._tag === "OutcomeUnknown") {
      if (handle === failed) handle = undefined;
      return Effect.succeed("failed");
    }
    if (!isAuthFailure(error)) return Effect.succeed("failed");
    if (init.kind === "refresh_token") {
      stale = true;
      return Effect.succeed("failed");
    }
    // JWT bearer: the connection cannot refresh itself (no refresh token), so a 401 ends here.
    return Effect.tryPromise({ try: () => renew(usedToken), catch: signInError }).pipe(
      Effect.as("renewed" as const),
      Effect.catch((signIn) =>
        Effect.fail<SalesforcePortError>(
          signIn.revoked
            ? new Revoked({ message: signIn.message })
            : new SessionExpired({
                message: `the access token expired and no new one could be minted: ${signIn.message}`,
              }),
        ),
      ),
    );
  };

  /** Runs a read; a JWT session retries it once with a newly minted token. */
  const read = <A>(run: (port: SalesforcePort) => Effect.Effect<A, SalesforcePortError>) =>
    Effect.suspend(() => {
      const used = current();
      const usedToken = tokens.accessToken;
      return run(used).pipe(
        Effect.catch((error) =>
          afterFailure(error, usedToken, used).pipe(
            Effect.flatMap((next) => (next === "renewed" ? run(current()) : Effect.fail(error))),
          ),
        ),
      );
    });

  /** A write result that failed on the token: a JWT session mints a new one; the write waits for the next cycle. */
  const settleResults = (results: ReadonlyArray<WriteResult>, usedToken: string, used: SalesforcePortHandle) => {
    const authFailed = results.find((r) => r.outcome === "failed" && isAuthFailure(r.error));
    if (authFailed === undefined || authFailed.outcome !== "failed") return Effect.succeed(results);
    return afterFailure(authFailed.error, usedToken, used).pipe(
      Effect.map((next) =>
        next !== "renewed"
          ? results
          : results.map(
              (r): WriteResult =>
                r.outcome === "failed" && r.error._tag === "Revoked"
                  ? {
                      ...r,
                      error: new SessionExpired({
                        message: `${r.error.message} (a new token is minted; retried next cycle)`,
                      }),
                    }
                  : r,
            ),
      ),
      Effect.catch((error) =>
        Effect.succeed(
          results.map((r): WriteResult => (r.outcome === "failed" && isAuthFailure(r.error) ? { ...r, error } : r)),
        ),
      ),
    );
  };

  const port: SalesforcePort = {
    pullScope: (request) => read((p) => p.pullScope(request)),
    pullActivities: (request) => read((p) => p.pullActivities(request)),
    lookup: (keys: ReadonlyArray<IdempotencyKey>) => read((p) => p.lookup(keys)),
    pullOrgInfo: (request) =>
      read((p) =>
        p.pullOrgInfo ? p.pullOrgInfo(request) : Effect.die(new Error("the adapter's port reads org info")),
      ),
    push: (writes) =>
      Effect.suspend(() => {
        const used = current();
        const usedToken = tokens.accessToken;
        return used.push(writes).pipe(
          Effect.catch((error) =>
            afterFailure(error, usedToken, used).pipe(
              Effect.flatMap((next) =>
                Effect.fail(
                  next === "renewed"
                    ? new SessionExpired({
                        message: `the access token expired before Salesforce took the writes; they go out next cycle (${error.message})`,
                      })
                    : error,
                ),
              ),
            ),
          ),
          Effect.flatMap((results) => settleResults(results, usedToken, used)),
        );
      }),
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
