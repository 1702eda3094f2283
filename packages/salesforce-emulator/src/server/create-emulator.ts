/**
 * `createEmulator(options)`: composes the emulated org (seeded or loaded from a data file),
 * OAuth, the data API, fault injection, API accounting, the control API and persistence into
 * one Hono app served on 127.0.0.1.
 *
 * Invariants: every `/services/data/vNN.N` response carries `Content-Type:
 * application/json;charset=UTF-8` and `Sforce-Limit-Info`; only authenticated data API calls
 * count toward usage; with a data file, a successful write is on disk (atomically) before its
 * response is sent.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import type { ApiRequest, ApiResponse } from "../api/api-types.js";
import { createDataApi } from "../api/data-api.js";
import { apiErrors, SalesforceApiError } from "../api/errors.js";
import { listApiVersions } from "../api/versions.js";
import { ApiUsage } from "../control/api-usage.js";
import { createControlRoutes } from "../control/control-routes.js";
import { FaultInjector, type FiredFault } from "../control/faults.js";
import { type DatasetName, seedOrg } from "../data/seed.js";
import { createOAuthRoutes } from "../oauth/oauth-routes.js";
import { TokenStore } from "../oauth/token-store.js";
import type { ExternalIdFieldOption } from "../schema/objects.js";
import { QueryCursors } from "../soql/query-cursors.js";
import { type Org, type SharingDefaults, TYPICAL_SHARING } from "../store/org.js";
import { loadOrg, OrgPersister } from "../store/persistence.js";
import { createPrng } from "../util/prng.js";
import { Clock } from "../util/time.js";
import type { EmulatorControl, EmulatorUser, IssuedToken } from "./emulator-control.js";

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) takes a free port. */
  readonly port?: number | undefined;
  /** Seed of the generated data (default `"tandem"`). */
  readonly seed?: string | number | undefined;
  /** Dataset size (default `"small"`). */
  readonly dataset?: DatasetName | undefined;
  /** Access-token lifetime in ms of org time (default 2 hours). */
  readonly accessTokenTtlMs?: number | undefined;
  /** Serve the `/_emulator` control API (default true). */
  readonly control?: boolean | undefined;
  /** Keep the org in this file across restarts (atomic writes). */
  readonly dataFile?: string | undefined;
  /** Daily API request limit (default 100,000). */
  readonly apiLimit?: number | undefined;
  /** OAuth client id / secret (default: derived from the seed). */
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
  /** Allowed OAuth redirect URIs (default: every http(s) URI). */
  readonly redirectUris?: readonly string[] | undefined;
  /** Organization-wide defaults (default: the typical org of reference §4). */
  readonly sharing?: Partial<SharingDefaults> | undefined;
  /** Custom external-id text fields, e.g. `{ object: "Task", name: "Tandem_Key__c" }`. */
  readonly externalIdFields?: readonly ExternalIdFieldOption[] | undefined;
  /** Base time source (default `Date.now`); the org clock adds its advance offset. */
  readonly now?: (() => number) | undefined;
}

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`: login URL and instance URL alike. */
  readonly url: string;
  readonly orgId: string;
  readonly users: readonly EmulatorUser[];
  readonly clientId: string;
  readonly clientSecret: string;
  readonly control: EmulatorControl;
  /** Stops serving, saves the data file, closes every connection. */
  close(): Promise<void>;
}

const JSON_TYPE = "application/json;charset=UTF-8";
const MUTATING = new Set(["POST", "PATCH", "PUT", "DELETE"]);

type Env = { Bindings: HttpBindings; Variables: { fault: FiredFault | undefined } };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorArray(
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify([{ message, errorCode }]), {
    status,
    headers: { "Content-Type": JSON_TYPE, ...headers },
  });
}

/**
 * Starts an emulated Salesforce org on 127.0.0.1.
 *
 * @remarks The org is seeded from `seed` and `dataset`, or loaded from `dataFile` when that
 * file exists (the seed and dataset options are then ignored).
 * @example
 * const sf = await createEmulator({ port: 0, dataset: "small" });
 * // new jsforce.Connection({ instanceUrl: sf.url, accessToken, version: "60.0" })
 * await sf.close();
 */
export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = String(options.seed ?? "tandem");
  const dataset = options.dataset ?? "small";
  const loaded = options.dataFile ? loadOrg(options.dataFile, options.now) : undefined;
  const externalIdFields = loaded?.extras.externalIdFields ?? options.externalIdFields ?? [];
  const org: Org =
    loaded?.org ??
    seedOrg({
      seed,
      dataset,
      clock: new Clock(0, options.now),
      sharing: { ...TYPICAL_SHARING, ...options.sharing },
      externalIdFields,
    });
  const credentials = createPrng(`${org.seed}:oauth-client`);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const randomText = (n: number) => Array.from({ length: n }, () => credentials.pick([...alphabet])).join("");
  const clientId = options.clientId ?? `3MVG9${randomText(80)}`;
  const clientSecret = options.clientSecret ?? randomText(64).toUpperCase();
  const tokens = new TokenStore(org.orgId, options.accessTokenTtlMs ?? 2 * 3600_000, loaded?.extras.refreshTokens);
  const usage = new ApiUsage(org.clock, options.apiLimit ?? 100_000);
  const faults = new FaultInjector();
  const cursors = new QueryCursors(org.pod);
  let baseUrl = "";
  const dataApi = createDataApi({ org, cursors, usage, baseUrl: () => baseUrl });

  const persister = options.dataFile
    ? new OrgPersister(options.dataFile, org, () => ({ externalIdFields, refreshTokens: tokens.refreshTokens() }))
    : undefined;
  // A fresh org gets its first snapshot; a file holding refresh tokens in clear is rewritten hashed.
  if (!loaded || loaded.legacyTokens) persister?.compact();
  /** Makes every acknowledged change durable (one fsynced journal line). */
  const save = (): void => persister?.commit();

  const findUser = (user: string) =>
    org.users.find(
      (u) => u.id === user || u.id.slice(0, 15) === user || u.username.toLowerCase() === user.toLowerCase(),
    );

  const control: EmulatorControl = {
    stats: () => usage.stats(),
    resetStats: () => usage.resetStats(),
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    faults: () => faults.list(),
    advanceClock: (ms) => {
      org.clock.advance(ms);
      save();
    },
    now: () => new Date(org.clock.nowMs()),
    setApiLimit: (max, used) => usage.setLimit(max, used),
    revokeUser: (user) => {
      const u = findUser(user);
      if (!u) return false;
      tokens.revokeUser(u.id);
      save();
      return true;
    },
    expireAccessTokens: (user) => {
      const u = user === undefined ? undefined : findUser(user);
      if (user !== undefined && !u) return;
      tokens.expireAccess(u?.id);
    },
    setAccessTokenTtl: (ms) => {
      tokens.ttlMs = ms;
    },
    issueToken: (user): IssuedToken | undefined => {
      const u = findUser(user);
      if (!u) return undefined;
      const now = org.clock.nowMs();
      const refresh = tokens.issueRefresh(u.id);
      const access = tokens.issueAccess(u.id, now, refresh);
      save();
      return {
        access_token: access,
        refresh_token: refresh,
        instance_url: baseUrl,
        id: `${baseUrl}/id/${org.orgId}/${u.id}`,
        token_type: "Bearer",
        issued_at: String(now),
      };
    },
    users: () => org.users.map((u) => ({ id: u.id, username: u.username, password: u.password, name: u.name })),
    save: () => persister?.compact(),
  };

  const app = new Hono<Env>();
  app.onError((error, c) => {
    if (error instanceof SalesforceApiError) return errorArray(error.status, error.errorCode, error.message);
    process.stderr.write(
      `salesforce-emulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    void c;
    return errorArray(
      500,
      "UNKNOWN_EXCEPTION",
      "An unexpected error occurred. Please include this ErrorId if you contact support.",
    );
  });

  // Faults apply to everything but the control API.
  app.use("*", async (c, next) => {
    const path = new URL(c.req.url).pathname;
    c.set("fault", undefined);
    if (path.startsWith("/_emulator")) return next();
    const fault = faults.take(c.req.method, path);
    if (fault) {
      switch (fault.kind) {
        case "latency":
          // Salesforce processes a request it has fully received even if the client is gone by
          // the time it answers: take the body first, so a client that dies during the delay
          // still gets its write committed (a lost response, not a lost request).
          if (c.req.method !== "GET" && c.req.method !== "HEAD") await c.req.arrayBuffer();
          await sleep(fault.ms);
          break;
        case "REQUEST_LIMIT_EXCEEDED":
          return errorArray(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", limitHeader());
        case "INVALID_SESSION_ID":
          return errorArray(401, "INVALID_SESSION_ID", "Session expired or invalid");
        case "SERVER_UNAVAILABLE":
          return errorArray(503, "SERVER_UNAVAILABLE", "Server unavailable, please try again later.");
        default:
          c.set("fault", fault);
      }
    }
    await next();
    if (c.get("fault")?.kind === "drop-after-commit") {
      c.env.incoming.socket.destroy();
    }
    return undefined;
  });

  const limitHeader = (): Record<string, string> => ({
    "Sforce-Limit-Info": `api-usage=${usage.used()}/${usage.max()}`,
  });

  // Token endpoints mint and revoke refresh tokens: persist them before answering.
  app.use("/services/oauth2/*", async (_c, next) => {
    await next();
    save();
  });
  app.route(
    "/",
    createOAuthRoutes({
      org,
      tokens,
      clientId,
      clientSecret,
      baseUrl: () => baseUrl,
      redirectUris: options.redirectUris ?? [],
      clientCredentialsUserId: org.users[0]?.id ?? "",
    }),
  );

  app.get(
    "/services/data",
    () =>
      new Response(JSON.stringify(listApiVersions()), {
        status: 200,
        headers: { "Content-Type": JSON_TYPE, ...limitHeader() },
      }),
  );
  app.get("/services/data/", (c) => c.redirect("/services/data", 301));

  app.all("/services/data/*", async (c) => {
    const url = new URL(c.req.url);
    const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(url.pathname);
    if (!m || Number(m[1]) < 50) {
      const e = apiErrors.notFound();
      return errorArray(e.status, e.errorCode, e.message, limitHeader());
    }
    const version = `${m[1]}.${m[2]}`;
    const auth = c.req.header("authorization") ?? "";
    const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const userId = token ? tokens.resolveAccess(token, org.clock.nowMs()) : undefined;
    if (!userId) return errorArray(401, "INVALID_SESSION_ID", "Session expired or invalid", limitHeader());
    if (usage.used() >= usage.max()) {
      return errorArray(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", limitHeader());
    }
    const path = m[3] ?? "/";
    const method = c.req.method.toUpperCase();
    usage.record(dataApi.routeKey(method, path));
    const text = await c.req.text();
    let body: unknown;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text) as unknown;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return errorArray(400, "JSON_PARSER_ERROR", `Unexpected character in JSON body: ${detail}`, limitHeader());
      }
    }
    const headers = c.req.raw.headers;
    const req: ApiRequest = {
      method,
      path,
      version,
      query: url.searchParams,
      header: (name) => headers.get(name) ?? undefined,
      body,
      userId,
    };
    const fault = c.get("fault");
    const response: ApiResponse =
      fault?.kind === "UNABLE_TO_LOCK_ROW" && MUTATING.has(method) ? lockRow(req) : dataApi.handle(req);
    if (MUTATING.has(method) && response.status < 400) save();
    const outHeaders: Record<string, string> = { ...response.headers, ...limitHeader() };
    if (response.text !== undefined)
      return new Response(response.text, { status: response.status, headers: outHeaders });
    if (response.status === 204 || response.body === undefined) {
      return new Response(null, { status: response.status, headers: outHeaders });
    }
    return new Response(JSON.stringify(response.body), {
      status: response.status,
      headers: { "Content-Type": JSON_TYPE, ...outHeaders },
    });
  });

  const lockRow = (req: ApiRequest): ApiResponse => {
    const message = "unable to obtain exclusive access to this record or 1 records: ";
    if (req.path.startsWith("/composite/sobjects")) {
      const records =
        typeof req.body === "object" && req.body !== null ? (req.body as { records?: unknown }).records : undefined;
      const n = Array.isArray(records)
        ? records.length
        : (req.query.get("ids") ?? "").split(",").filter((s) => s).length;
      return {
        status: 200,
        body: Array.from({ length: n }, () => ({
          success: false,
          errors: [{ statusCode: "UNABLE_TO_LOCK_ROW", message, fields: [] }],
        })),
      };
    }
    return { status: 400, body: [{ message, errorCode: "UNABLE_TO_LOCK_ROW", fields: [] }] };
  };

  if (options.control !== false) app.route("/", createControlRoutes(control));

  app.notFound(() => errorArray(404, "NOT_FOUND", "The requested resource does not exist"));

  const server: Server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: baseUrl,
    orgId: org.orgId,
    users: control.users(),
    clientId,
    clientSecret,
    control,
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => {
          try {
            persister?.close();
          } catch (saveError) {
            reject(saveError);
            return;
          }
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
