/**
 * `createEmulator(options)`: composes the emulated org (seeded or loaded from a data file),
 * OAuth, the data API (`data-routes.ts`), the Streaming API with change data capture
 * (`../streaming/`), fault injection (`fault-middleware.ts`), API accounting, the control API
 * (`control-handle.ts`) and persistence (`persistence.ts`) into one Hono app served on 127.0.0.1.
 *
 * Invariants: every `/services/data/vNN.N` response carries `Content-Type:
 * application/json;charset=UTF-8` and `Sforce-Limit-Info`; only authenticated data API calls
 * count toward usage; with a data file, a successful write is on disk (atomically) before its
 * response is sent.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { createDataApi } from "../api/data-api.js";
import { ApiUsage } from "../control/api-usage.js";
import { createControlRoutes } from "../control/control-routes.js";
import type { EmulatorControl, EmulatorUser } from "../control/emulator-control.js";
import { FaultInjector } from "../control/faults.js";
import { type DatasetName, seedOrg } from "../data/seed.js";
import { JwtKeyRegistry } from "../oauth/jwt-keys.js";
import { createOAuthRoutes } from "../oauth/oauth-routes.js";
import { TokenStore } from "../oauth/token-store.js";
import { SalesforceApiError } from "../schema/errors.js";
import type { ExternalIdFieldOption } from "../schema/objects.js";
import { QueryCursors } from "../soql/query-cursors.js";
import { type Org, type SharingDefaults, TYPICAL_SHARING } from "../store/org.js";
import { createStreamingRoutes } from "../streaming/streaming-routes.js";
import { type StreamingOptions, StreamingService } from "../streaming/streaming-service.js";
import { createPrng } from "../util/prng.js";
import { Clock } from "../util/time.js";
import { createControlHandle } from "./control-handle.js";
import { registerDataRoutes } from "./data-routes.js";
import { createFaultMiddleware, type EmulatorEnv } from "./fault-middleware.js";
import { errorArray } from "./http-responses.js";
import { loadOrg, OrgPersister } from "./persistence.js";

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
  /**
   * The connected app's public keys or X.509 certificates (PEM) for the JWT bearer grant; more
   * can be registered with `control.registerJwtKey`. Default none: the JWT bearer grant is refused.
   */
  readonly jwtPublicKeys?: readonly string[] | undefined;
  /** Organization-wide defaults (default: the typical org of reference §4). */
  readonly sharing?: Partial<SharingDefaults> | undefined;
  /** Custom external-id text fields, e.g. `{ object: "Task", name: "Tandem_Key__c" }`. */
  readonly externalIdFields?: readonly ExternalIdFieldOption[] | undefined;
  /** Base time source (default `Date.now`); the org clock adds its advance offset. */
  readonly now?: (() => number) | undefined;
  /** Streaming API timings (`/cometd`): connect hold and client expiry. */
  readonly streaming?: StreamingOptions | undefined;
  /**
   * The org has Shared Activities (default true). False: TaskRelation / EventRelation and the
   * `TaskRelations` / `EventRelations` child relationships are not served (`INVALID_TYPE`, as in
   * such a real org), and an activity's only contact is its WhoId. A loaded data file keeps the
   * setting it was created with.
   */
  readonly sharedActivities?: boolean | undefined;
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
      sharedActivities: options.sharedActivities,
    });
  const credentials = createPrng(`${org.seed}:oauth-client`);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const randomText = (n: number) => Array.from({ length: n }, () => credentials.pick([...alphabet])).join("");
  const clientId = options.clientId ?? `3MVG9${randomText(80)}`;
  const clientSecret = options.clientSecret ?? randomText(64).toUpperCase();
  const tokens = new TokenStore(org.orgId, options.accessTokenTtlMs ?? 2 * 3600_000, loaded?.extras.refreshTokens);
  const jwtKeys = new JwtKeyRegistry(options.jwtPublicKeys ?? []);
  const usage = new ApiUsage(org.clock, options.apiLimit ?? 100_000);
  const faults = new FaultInjector();
  const cursors = new QueryCursors(org.pod);
  let baseUrl = "";
  const dataApi = createDataApi({ org, cursors, usage, baseUrl: () => baseUrl });

  // A restarted org starts a new event log whose replay ids cannot collide with the old one's.
  const streaming = new StreamingService(org, options.streaming, loaded ? Math.floor(org.clock.nowMs()) : 1);

  const persister = options.dataFile
    ? new OrgPersister(options.dataFile, org, () => ({ externalIdFields, refreshTokens: tokens.refreshTokens() }))
    : undefined;
  // A fresh org gets its first snapshot; a file holding refresh tokens in clear is rewritten hashed.
  if (!loaded || loaded.legacyTokens) persister?.compact();
  /** Makes every acknowledged change durable (one fsynced journal line). */
  const save = (): void => persister?.commit();

  const control: EmulatorControl = createControlHandle({
    org,
    usage,
    faults,
    tokens,
    jwtKeys,
    streaming,
    baseUrl: () => baseUrl,
    save,
    compact: () => persister?.compact(),
  });

  const app = new Hono<EmulatorEnv>();
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
  app.use("*", createFaultMiddleware(faults, usage));

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
      jwtKeys,
    }),
  );

  registerDataRoutes(app, { org, tokens, usage, dataApi, save, changes: streaming.capture });
  app.route("/", createStreamingRoutes({ org, tokens, streaming }));

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
        streaming.close();
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
