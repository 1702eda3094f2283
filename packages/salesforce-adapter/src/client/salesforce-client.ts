/**
 * One user's scoped jsforce connection and the few request shapes the adapter needs: a single
 * REST call, a paged query, a composite request, and a read whose body is text (Bulk API 2.0
 * CSV results, with the response headers). Every call is counted, reads `Sforce-Limit-Info`,
 * and fails with the port's typed errors.
 *
 * Invariants:
 * - jsforce's own retries are off (it would sleep up to ~15 s on a GET 5xx); reads are retried
 *   here with jittered backoff, writes never are.
 * - A 401 goes through jsforce's refresh path (our refresh function: the refresh-token grant,
 *   or the caller's `renewAccessToken`), after which jsforce sends the same request again, read
 *   or write (a 401 means Salesforce did not take it); the new access token is reported through
 *   `onTokenRefresh`; a refresh refused with a revoking code (`invalid_grant` …) makes every
 *   later failure `Revoked`.
 */

import type { SalesforcePortError } from "@tandem/engine";
import { Effect, Result } from "effect";
import type { HttpRequest, HttpRequestOptions, HttpResponse } from "jsforce";
import { Connection } from "jsforce";
import type { OAuthClientConfig, SalesforceTokens } from "../auth/tokens.js";
import { trimUrl } from "../auth/tokens.js";
import { fromErrorItems, isRetryable, type SalesforceErrorItem, toPortError } from "../errors/map-error.js";
import type { UsageTracker } from "../usage/usage-tracker.js";

/** Retry policy for reads (and only reads). */
export interface ReadRetryPolicy {
  /** Attempts in total, first included. Default 4. */
  readonly maxAttempts?: number | undefined;
  /** First backoff; doubles per attempt, with full jitter. Default 250 ms. */
  readonly baseDelayMs?: number | undefined;
  /** Rate limits wait at most this long inside a read before surfacing. Default 2 s. */
  readonly maxRateLimitWaitMs?: number | undefined;
}

/** Options of {@link createSalesforceClient}. */
export interface SalesforceClientOptions {
  readonly tokens: SalesforceTokens;
  readonly oauth: OAuthClientConfig;
  /** Default `"60.0"`. */
  readonly apiVersion?: string | undefined;
  readonly usage: UsageTracker;
  /** Called with the new token set after every successful refresh, so the caller can store it. */
  readonly onTokenRefresh?: ((tokens: SalesforceTokens) => void) | undefined;
  /**
   * Gets a new access token when one expires, instead of the refresh-token grant (a JWT bearer
   * session mints one with a new assertion). A rejection's `code` (else `name`), e.g.
   * `invalid_grant`, decides whether the failure is `Revoked` or `SessionExpired`.
   */
  readonly renewAccessToken?: (() => Promise<string>) | undefined;
  readonly readRetry?: ReadRetryPolicy | undefined;
  /** Suggested wait for rate limits without `Retry-After`. Default 60 s. */
  readonly rateLimitRetryAfterMs?: number | undefined;
}

/** A REST call: `url` is absolute, `/services/…`, or relative to the versioned base. */
export interface ClientRequest {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** A response: HTTP status and parsed body (`undefined` for 204). */
export interface ClientResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A response read as text: HTTP status, the body as Salesforce sent it, and the response headers. */
export interface TextResponse {
  readonly status: number;
  readonly text: string;
  /** Header names in lower case (`sforce-locator`). */
  readonly headers: Readonly<Record<string, string>>;
}

/** A subrequest of a composite call and its answer. */
export interface CompositeSubrequest {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly url: string;
  readonly body?: unknown;
  readonly httpHeaders?: Readonly<Record<string, string>> | undefined;
}

/** The answer to one composite subrequest. */
export interface CompositeSubresponse {
  readonly status: number;
  readonly body: unknown;
}

/** A query page as Salesforce returns it. */
export interface QueryPage {
  readonly records: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly done: boolean;
  readonly nextRecordsUrl?: string | undefined;
}

/** The IO surface the pull and push code use. */
export interface SalesforceClient {
  /** `/services/data/vNN.N`. */
  readonly apiBase: string;
  /** Encoded length of `<instanceUrl>/services/data/vNN.N/query?q=`, for URL budgets. */
  readonly queryUrlPrefixLength: number;
  /** One call, no retry (writes). */
  readonly send: (request: ClientRequest) => Effect.Effect<ClientResponse, SalesforcePortError>;
  /** One read, retried with jittered backoff on transient failures. */
  readonly read: (request: ClientRequest) => Effect.Effect<ClientResponse, SalesforcePortError>;
  /**
   * One read whose body is kept as text (not parsed, whatever its content type), with the
   * response headers; retried like `read`. Error bodies still map to typed errors by their
   * `errorCode`.
   */
  readonly readText: (request: ClientRequest) => Effect.Effect<TextResponse, SalesforcePortError>;
  /** URL of a query (`all` = queryAll) relative to the instance. */
  readonly queryUrl: (soql: string, all?: boolean) => string;
  /** Runs a query and follows `nextRecordsUrl` to the end. */
  readonly queryAll: (
    soql: string,
    options?: { readonly includeDeleted?: boolean },
  ) => Effect.Effect<ReadonlyArray<Readonly<Record<string, unknown>>>, SalesforcePortError>;
  /** A composite request (≤ 25 subrequests, `allOrNone: false`), read-retried when every subrequest is a GET. */
  readonly composite: (
    subrequests: ReadonlyArray<CompositeSubrequest>,
  ) => Effect.Effect<ReadonlyArray<CompositeSubresponse>, SalesforcePortError>;
  /** The underlying connection (tests and diagnostics). */
  readonly connection: Connection;
}

interface Observation {
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  body?: string | undefined;
}

interface ObservedOptions extends HttpRequestOptions {
  readonly tandemObservation?: Observation | undefined;
  /** jsforce's own option: parse every body as this content type (`text/plain`: keep it as text). */
  readonly responseType?: string | undefined;
}

/** A Salesforce error body (`[{ errorCode, message }]`) read out of raw text, or `undefined`. */
function errorItemsOf(text: string | undefined): ReadonlyArray<SalesforceErrorItem> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const items = list.filter(
      (item): item is SalesforceErrorItem =>
        typeof item === "object" && item !== null && typeof (item as { errorCode?: unknown }).errorCode === "string",
    );
    return items.length > 0 ? items : undefined;
  } catch {
    // Not JSON (an HTML error page, a proxy's text): the status decides the error.
    return undefined;
  }
}

function parseRetryAfter(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Observes every HTTP request of `conn`: counts it, reads the limit header, and hands the
 * status, headers and raw body back to the call that made it (through its options object).
 */
function observeTransport(conn: Connection, usage: UsageTracker): void {
  const inner = conn._transport;
  const observing = Object.create(inner) as typeof inner;
  observing.httpRequest = (req: HttpRequest, reqOptions?: HttpRequestOptions) => {
    usage.recordCall();
    const promise = inner.httpRequest(req, reqOptions);
    const observation = (reqOptions as ObservedOptions | undefined)?.tandemObservation;
    promise.then(
      (res: HttpResponse) => {
        usage.recordLimitInfo(res.headers["sforce-limit-info"]);
        if (observation !== undefined) {
          observation.status = res.statusCode;
          observation.retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
          observation.headers = res.headers;
          observation.body = res.body;
        }
      },
      () => undefined,
    );
    return promise;
  };
  conn._transport = observing;
}

/**
 * Creates the scoped client for one user.
 *
 * @remarks The connection refreshes its access token through jsforce's refresh delegate with a
 * refresh function of ours (the caller's `renewAccessToken` when given, else the refresh-token
 * grant, keeping a rotated refresh token; either remembers an `invalid_grant`). Every HTTP request to the data API counts as one call.
 * @example
 * ```ts
 * const client = createSalesforceClient({ tokens, oauth, usage: createUsageTracker() });
 * ```
 */
export function createSalesforceClient(options: SalesforceClientOptions): SalesforceClient {
  const apiVersion = options.apiVersion ?? "60.0";
  const instanceUrl = trimUrl(options.tokens.instanceUrl);
  const apiBase = `/services/data/v${apiVersion}`;
  const usage = options.usage;
  const refreshState: { errorName: string | undefined } = { errorName: undefined };
  /** A new access token: the caller's renewal, or the refresh-token grant (keeping a rotated refresh token). */
  const refreshAccessToken = async (c: Connection): Promise<string> => {
    if (options.renewAccessToken !== undefined) return options.renewAccessToken();
    const refreshToken = c.refreshToken;
    if (refreshToken === undefined || refreshToken === null || refreshToken === "") {
      throw Object.assign(new Error("no refresh token"), { name: "invalid_grant" });
    }
    const response = await c.oauth2.refreshToken(refreshToken);
    // Keep a rotated refresh token (jsforce's own refresh function drops it).
    if (typeof response.refresh_token === "string" && response.refresh_token !== "") {
      c.refreshToken = response.refresh_token;
    }
    return response.access_token;
  };
  const conn = new Connection({
    instanceUrl,
    accessToken: options.tokens.accessToken,
    refreshToken: options.tokens.refreshToken,
    version: apiVersion,
    oauth2: {
      loginUrl: trimUrl(options.oauth.loginUrl),
      clientId: options.oauth.clientId,
      ...(options.oauth.clientSecret !== undefined ? { clientSecret: options.oauth.clientSecret } : {}),
    },
    refreshFn: (c, callback) => {
      refreshAccessToken(c).then(
        (accessToken) => {
          refreshState.errorName = undefined;
          callback(undefined, accessToken);
        },
        (error: unknown) => {
          const err = error instanceof Error ? error : new Error(String(error));
          const code = (error as { readonly code?: unknown } | null)?.code;
          refreshState.errorName = typeof code === "string" && code !== "" ? code : err.name;
          callback(err);
        },
      );
    },
  });
  conn.on("refresh", (accessToken: string) => {
    options.onTokenRefresh?.({
      instanceUrl,
      accessToken,
      refreshToken: conn.refreshToken ?? options.tokens.refreshToken,
    });
  });

  observeTransport(conn, usage);

  const retryPolicy = {
    maxAttempts: options.readRetry?.maxAttempts ?? 4,
    baseDelayMs: options.readRetry?.baseDelayMs ?? 250,
    maxRateLimitWaitMs: options.readRetry?.maxRateLimitWaitMs ?? 2_000,
  };

  /** One call; `asText` keeps the body as text (jsforce's `responseType`) and maps error bodies itself. */
  const exchange = (
    request: ClientRequest,
    asText: boolean,
  ): Effect.Effect<{ readonly body: unknown; readonly observation: Observation }, SalesforcePortError> =>
    Effect.suspend(() => {
      const observation: Observation = {};
      const reqOptions: ObservedOptions & { noContentResponse?: unknown } = {
        retry: { maxRetries: 0 },
        tandemObservation: observation,
        ...(asText ? { responseType: "text/plain" } : {}),
      };
      const headers: Record<string, string> = { ...(request.headers ?? {}) };
      let body: string | undefined;
      if (request.body !== undefined) {
        body = JSON.stringify(request.body);
        headers["content-type"] = "application/json";
      }
      const httpRequest: HttpRequest = {
        method: request.method,
        url: request.url,
        headers,
        ...(body !== undefined ? { body } : {}),
      };
      return Effect.tryPromise({
        try: () => conn.request<unknown>(httpRequest, reqOptions),
        catch: (cause) => {
          const context = {
            method: request.method,
            status: observation.status,
            retryAfterMs: observation.retryAfterMs,
            defaultRetryAfterMs: options.rateLimitRetryAfterMs,
            refreshErrorName: refreshState.errorName,
          };
          // With `responseType` jsforce no longer parses error bodies, so their codes are read here.
          const items = asText && (observation.status ?? 0) >= 400 ? errorItemsOf(observation.body) : undefined;
          return items !== undefined ? fromErrorItems(items, context) : toPortError(cause, context);
        },
      }).pipe(Effect.map((responseBody) => ({ body: responseBody, observation })));
    });

  const send = (request: ClientRequest): Effect.Effect<ClientResponse, SalesforcePortError> =>
    exchange(request, false).pipe(Effect.map(({ body, observation }) => ({ status: observation.status ?? 200, body })));

  const withReadRetry = <A>(effect: Effect.Effect<A, SalesforcePortError>): Effect.Effect<A, SalesforcePortError> =>
    Effect.gen(function* () {
      let attempt = 1;
      for (;;) {
        const result = yield* Effect.result(effect);
        if (Result.isSuccess(result)) return result.success;
        const error = result.failure;
        if (!isRetryable(error) || attempt >= retryPolicy.maxAttempts) return yield* Effect.fail(error);
        if (error._tag === "RateLimited" && error.retryAfterMs > retryPolicy.maxRateLimitWaitMs) {
          return yield* Effect.fail(error);
        }
        const cap = retryPolicy.baseDelayMs * 2 ** (attempt - 1);
        const delay = error._tag === "RateLimited" ? error.retryAfterMs : Math.random() * cap;
        attempt += 1;
        yield* Effect.sleep(delay);
      }
    });

  const read = (request: ClientRequest) => withReadRetry(send(request));

  const readText = (request: ClientRequest): Effect.Effect<TextResponse, SalesforcePortError> =>
    withReadRetry(
      exchange(request, true).pipe(
        Effect.map(({ body, observation }) => ({
          status: observation.status ?? 200,
          text: observation.body ?? (typeof body === "string" ? body : ""),
          headers: observation.headers ?? {},
        })),
      ),
    );

  const queryUrl = (soql: string, all = false) =>
    `${apiBase}/${all ? "queryAll" : "query"}?q=${encodeURIComponent(soql)}`;

  const queryAll = (soql: string, queryOptions?: { readonly includeDeleted?: boolean }) =>
    Effect.gen(function* () {
      const records: Array<Readonly<Record<string, unknown>>> = [];
      let url: string | undefined = queryUrl(soql, queryOptions?.includeDeleted === true);
      while (url !== undefined) {
        const response = yield* read({ method: "GET", url });
        const page = asQueryPage(response.body);
        records.push(...page.records);
        url = page.done ? undefined : page.nextRecordsUrl;
      }
      return records;
    });

  const composite = (subrequests: ReadonlyArray<CompositeSubrequest>) =>
    Effect.gen(function* () {
      if (subrequests.length === 0) return [];
      const compositeRequest = subrequests.map((sub, index) => ({
        method: sub.method,
        url: sub.url,
        referenceId: `r${index}`,
        ...(sub.body !== undefined ? { body: sub.body } : {}),
        ...(sub.httpHeaders !== undefined ? { httpHeaders: sub.httpHeaders } : {}),
      }));
      const request: ClientRequest = {
        method: "POST",
        url: `${apiBase}/composite`,
        body: { allOrNone: false, compositeRequest },
      };
      const allReads = subrequests.every((sub) => sub.method === "GET");
      const response = yield* allReads ? read(request) : send(request);
      return parseComposite(response.body, subrequests.length);
    });

  return {
    apiBase,
    queryUrlPrefixLength: `${instanceUrl}${apiBase}/queryAll?q=`.length,
    send,
    read,
    readText,
    queryUrl,
    queryAll,
    composite,
    connection: conn,
  };
}

/** Reads a query page out of an unknown body (empty page when the shape is unexpected). */
export function asQueryPage(body: unknown): QueryPage {
  if (typeof body !== "object" || body === null) return { records: [], done: true };
  const b = body as { records?: unknown; done?: unknown; nextRecordsUrl?: unknown };
  const records = Array.isArray(b.records) ? (b.records as ReadonlyArray<Readonly<Record<string, unknown>>>) : [];
  const done = b.done !== false;
  const nextRecordsUrl = typeof b.nextRecordsUrl === "string" ? b.nextRecordsUrl : undefined;
  return done || nextRecordsUrl === undefined ? { records, done: true } : { records, done: false, nextRecordsUrl };
}

function parseComposite(body: unknown, expected: number): ReadonlyArray<CompositeSubresponse> {
  const list =
    typeof body === "object" &&
    body !== null &&
    Array.isArray((body as { compositeResponse?: unknown }).compositeResponse)
      ? ((body as { compositeResponse: ReadonlyArray<unknown> }).compositeResponse as ReadonlyArray<unknown>)
      : [];
  const byRef = new Map<string, CompositeSubresponse>();
  list.forEach((item, index) => {
    if (typeof item !== "object" || item === null) return;
    const it = item as { referenceId?: unknown; httpStatusCode?: unknown; body?: unknown };
    const ref = typeof it.referenceId === "string" ? it.referenceId : `r${index}`;
    byRef.set(ref, { status: typeof it.httpStatusCode === "number" ? it.httpStatusCode : 500, body: it.body });
  });
  const out: CompositeSubresponse[] = [];
  for (let i = 0; i < expected; i++) {
    out.push(
      byRef.get(`r${i}`) ?? {
        status: 500,
        body: [{ errorCode: "UNKNOWN_EXCEPTION", message: "composite response lacks this subrequest" }],
      },
    );
  }
  return out;
}
