/**
 * Parsing of `tandem-server` arguments into plain options (no IO; the environment is passed in).
 */
import { checkExtraFieldConfig, type ExtraFieldConfig } from "@tandem/engine";

/**
 * `tandem-server --help`: every flag, its default and its environment variable. Push
 * (`--cdc-user`) runs in a single instance as it is; scaled out (`--store`) it needs the bus
 * too (`--redis`), or it stays off (`push.off_without_bus_or_shared_store` in the log).
 */
export const USAGE = `usage: tandem-server [flags]
  --port N                   port to listen on (default 8080; 0 = any free port)
  --host H                   bind address (default 127.0.0.1)
  --data-dir DIR             the embedded file store (default .tandem/data)
  --key-file FILE            AES-256 key sealing refresh tokens (default <data-dir>.key)
  --memory                   in-memory store and an ephemeral key: nothing survives a restart
  --salesforce emulator|URL  the org: the embedded emulator (default) or a login URL
                             (needs SF_CLIENT_ID and SF_CLIENT_SECRET in the environment)
  --static-dir DIR           a built web client to serve (default ../demo-web/dist)
  --public-url URL           base of the OAuth redirect URI and of the cookies' Secure flag
  --store postgres://...     the shared store of several instances (TANDEM_STORE); needs --key-file
  --redis redis://...        the bus between instances (TANDEM_REDIS); needs --store
  --fields Object.Field,...  fields synced beyond the book's own (TANDEM_FIELDS)
  --cdc-user ID              push: the integration user (View All Data) whose Change Data Capture
                             subscription triggers the books (TANDEM_CDC_USER; a username with the
                             embedded emulator). Scaled out (--store) push also needs --redis:
                             without it push stays off and the workers poll
  --cdc-safety-net-min N     the workers' schedule while push is live, in minutes (default 60)
  --help                     this text
Environment: MALLOC_ARENA_MAX=2 is recommended on glibc (the package README).
`;

/** Parsed command line. */
export interface CliArgs {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string | undefined;
  readonly keyFile: string | undefined;
  /** `emulator` or the org's login URL. */
  readonly salesforce: string;
  readonly staticDir: string | undefined;
  readonly publicUrl: string | undefined;
  readonly memory: boolean;
  /**
   * A `postgres://` URL for the shared store of several instances (`--store`, or `TANDEM_STORE`);
   * undefined for the embedded file store (or memory with `--memory`).
   */
  readonly storeUrl: string | undefined;
  /**
   * A `redis://` URL of the bus between instances serving the same rooms (`--redis`, or
   * `TANDEM_REDIS`); needs `storeUrl`.
   */
  readonly redisUrl: string | undefined;
  /**
   * Fields synced beyond the book's shapes (`--fields Opportunity.NextStep,Contact.LeadSource`,
   * or `TANDEM_FIELDS`); undefined when not given.
   */
  readonly extraFields: ExtraFieldConfig | undefined;
  /**
   * The integration user of push, the org's change subscriber (`--cdc-user`, or `TANDEM_CDC_USER`):
   * a Salesforce user id, or (embedded emulator only) a username; undefined without push.
   * Scaled out (`storeUrl`) push also needs `redisUrl`; without it the server keeps push off.
   */
  readonly cdcUser: string | undefined;
  /** The workers' schedule while push is live, in minutes (`--cdc-safety-net-min`). Default 60. */
  readonly cdcSafetyNetMin: number;
}

/**
 * Parses `Object.Field,Object.Field` into a field configuration.
 *
 * @example
 * ```ts
 * parseFieldList("Opportunity.NextStep, Opportunity.Competitor__c"); // { Opportunity: ["NextStep", "Competitor__c"] }
 * ```
 */
export function parseFieldList(text: string): ExtraFieldConfig {
  const config: Record<string, string[]> = {};
  for (const item of text
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "")) {
    const m = /^([A-Za-z]+)\.([^.\s]+)$/.exec(item);
    if (!m?.[1] || !m[2]) throw new CliError(`--fields: "${item}" is not Object.Field (e.g. Opportunity.NextStep)`);
    const list = config[m[1]] ?? [];
    if (!list.includes(m[2])) list.push(m[2]);
    config[m[1]] = list;
  }
  const problem = checkExtraFieldConfig(config);
  if (problem !== null) throw new CliError(`--fields: ${problem}`);
  return config;
}

/** A bad command line. */
export class CliError extends Error {
  override readonly name = "CliError";
}

/** Parses argv (without node and script); `env` supplies `TANDEM_STORE` when `--store` is absent. */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliArgs {
  const values: Record<string, string> = {};
  let memory = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--memory") {
      memory = true;
      continue;
    }
    const m =
      /^--(port|host|data-dir|key-file|salesforce|static-dir|public-url|store|redis|fields|cdc-user|cdc-safety-net-min)(?:=(.*))?$/.exec(
        a,
      );
    if (!m?.[1]) throw new CliError(`unknown argument ${a}`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new CliError(`--${m[1]} needs a value`);
    values[m[1]] = v;
  }
  const port = Number(values.port ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`bad --port ${values.port}`);
  const salesforce = values.salesforce ?? "emulator";
  if (salesforce !== "emulator" && !/^https?:\/\//.test(salesforce))
    throw new CliError("--salesforce takes `emulator` or a login URL");
  const storeUrl = values.store ?? (env.TANDEM_STORE || undefined);
  if (storeUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(storeUrl)) throw new CliError("--store takes a postgres:// URL");
    if (memory) throw new CliError("--store and --memory exclude each other");
    // Every instance must seal and open the same refresh tokens: no key made up per instance.
    if (values["key-file"] === undefined)
      throw new CliError("--store needs --key-file (the same key on every instance)");
  }
  const redisUrl = values.redis ?? (env.TANDEM_REDIS || undefined);
  if (redisUrl !== undefined) {
    if (!/^rediss?:\/\//.test(redisUrl)) throw new CliError("--redis takes a redis:// URL");
    if (storeUrl === undefined)
      throw new CliError("--redis needs --store postgres://… (instances share their rooms' logs)");
  }
  const fields = values.fields ?? (env.TANDEM_FIELDS || undefined);
  const cdcSafetyNetMin = Number(values["cdc-safety-net-min"] ?? "60");
  if (!Number.isFinite(cdcSafetyNetMin) || cdcSafetyNetMin <= 0)
    throw new CliError(`bad --cdc-safety-net-min ${values["cdc-safety-net-min"]}`);
  return {
    port,
    host: values.host ?? "127.0.0.1",
    dataDir: values["data-dir"],
    keyFile: values["key-file"],
    salesforce,
    staticDir: values["static-dir"],
    publicUrl: values["public-url"],
    memory,
    storeUrl,
    redisUrl,
    extraFields: fields === undefined ? undefined : parseFieldList(fields),
    cdcUser: values["cdc-user"] ?? (env.TANDEM_CDC_USER || undefined),
    cdcSafetyNetMin,
  };
}
