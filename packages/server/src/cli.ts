#!/usr/bin/env node
/**
 * `tandem-server [--port N] [--host H] [--data-dir DIR] [--key-file FILE] [--memory]
 *  [--store postgres://… [--redis redis://…]] [--salesforce emulator|<login URL>] [--static-dir DIR]
 *  [--public-url URL] [--fields Object.Field,…] [--cdc-user ID [--cdc-safety-net-min N]] [--help]`
 * (every flag: {@link USAGE}).
 *
 * The process-level composition root: reads the environment (SF_CLIENT_ID/SF_CLIENT_SECRET
 * for a non-embedded org, TANDEM_STORE, TANDEM_REDIS, TANDEM_INSTANCE_ID) here and nowhere else, opens the store and the key file, starts
 * the server and prints ONE ready line on stdout: `{"url","salesforceUrl"}` (+ `"users"` and
 * `"salesforceClient"` with the embedded emulator). Logs go to stderr as JSON lines.
 *
 * Invariants: this is the `tandem-server` bin itself (compiled to `dist/cli.js`), one process
 * with no launcher, so a signal to its PID, SIGKILL included, reaches the server and frees its
 * port. Allocator settings such as `MALLOC_ARENA_MAX=2` are read by glibc at process start, so
 * they come from the environment the operator starts it in (the package README); the ready log
 * line says which value the process got.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createEmulator } from "@tandem/salesforce-emulator";
import { loadOrCreateKeyFile } from "./auth/key-file.js";
import type { OrgConfig } from "./auth/org-config.js";
import { type CliArgs, CliError, parseCliArgs, parseFieldList, USAGE } from "./cli-args.js";
import { openRedisBus } from "./cluster/redis-bus.js";
import type { ReadinessCheck } from "./http/health.js";
import { BusMetrics } from "./obs/bus-metrics.js";
import { createJsonLogger } from "./obs/logger.js";
import { startTandemServer } from "./server.js";
import { openFileStore } from "./store/file-store.js";
import { createMemoryStore } from "./store/memory-store.js";
import { openPostgresStore, postgresPoolMetrics } from "./store/pg-store.js";
import { createFileReplayStore, createMemoryReplayStore } from "./sync/change-subscriber.js";
import type { PushOptions } from "./sync/push-options.js";

/**
 * How long a book's worker lease lasts unless renewed (ms). Renewed every third of it, so an
 * instance that dies hands its books to the others within 15 s + 5 s (docs/architecture.md).
 */
const LEASE_TTL_MS = 15_000;

interface EmbeddedOrg {
  readonly org: OrgConfig;
  readonly users: unknown;
  /** The id of a user of the emulated org, by username. */
  readonly userIdOf: (username: string) => string | undefined;
  readonly demoUsers: ReadonlyArray<{ readonly username: string; readonly name: string }>;
  close(): Promise<void>;
}

async function embeddedEmulator(dataFile: string | undefined): Promise<EmbeddedOrg> {
  // With a data directory the emulated org persists beside the book data, so a restarted
  // demo keeps its Tasks, its users' grants and therefore its running sync workers.
  const emu = await createEmulator({ port: 0, dataset: "small", dataFile });
  return {
    org: { loginUrl: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret },
    // As the emulator's own ready line lists them: id, username, password, name.
    users: emu.users.map((u) => ({ id: u.id, username: u.username, password: u.password, name: u.name })),
    demoUsers: emu.users.map((u) => ({ username: u.username, name: u.name })),
    userIdOf: (username) => emu.users.find((u) => u.username === username)?.id,
    close: () => emu.close(),
  };
}

/** The fields the demo syncs beyond the shapes: the emulator's standard and custom ones, one of them read-only for its reps. */
const DEMO_EXTRA_FIELDS = parseFieldList(
  "Opportunity.NextStep,Opportunity.Type,Opportunity.LeadSource,Opportunity.Competitor__c,Opportunity.Budget_Confirmed__c,Opportunity.Next_Step_Date__c,Contact.LeadSource,Contact.Preferred_Channel__c",
);

/** Push (`--cdc-user`): the integration user's id and the replay id's file in the data directory. */
function pushOptions(
  args: CliArgs,
  embedded: EmbeddedOrg | undefined,
  dataDir: string | undefined,
): PushOptions | undefined {
  const user = args.cdcUser;
  if (user === undefined) return undefined;
  const userId = /^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/.test(user) ? user : embedded?.userIdOf(user);
  if (userId === undefined) throw new CliError("--cdc-user takes the integration user's Salesforce id (005…)");
  return {
    userId,
    replay: dataDir ? createFileReplayStore(join(dataDir, "cdc-replay.json")) : createMemoryReplayStore(),
    safetyNetMs: args.cdcSafetyNetMin * 60_000,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return;
  }
  const args = parseCliArgs(argv, process.env);
  const logger = createJsonLogger((line) => process.stderr.write(line));
  let embedded: EmbeddedOrg | undefined;
  let org: OrgConfig;
  const dataDir = args.memory ? undefined : resolve(args.dataDir ?? ".tandem/data");
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (args.salesforce === "emulator") {
    embedded = await embeddedEmulator(dataDir ? join(dataDir, "emulated-org.json") : undefined);
    org = embedded.org;
  } else {
    const clientId = process.env.SF_CLIENT_ID;
    const clientSecret = process.env.SF_CLIENT_SECRET;
    if (!clientId || !clientSecret)
      throw new CliError("--salesforce <url> needs SF_CLIENT_ID and SF_CLIENT_SECRET in the environment");
    org = { loginUrl: args.salesforce, clientId, clientSecret };
  }
  // The key lives beside the data directory, never inside it (see docs/adr/0001-embedded-store.md).
  // The URL is never logged: it may carry a password.
  const shared = args.storeUrl ? await openPostgresStore({ url: args.storeUrl }) : undefined;
  const store = shared ?? (dataDir ? await openFileStore({ dir: dataDir }) : createMemoryStore());
  const keyFile = args.keyFile ?? (dataDir ? join(dirname(dataDir), `${basename(dataDir)}.key`) : undefined);
  const tokenKey = keyFile ? loadOrCreateKeyFile(resolve(keyFile)) : randomBytes(32);
  // One id per process: the lease owner and the sender on the bus.
  const instanceId = process.env.TANDEM_INSTANCE_ID || `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const busMetrics = new BusMetrics();
  const bus = args.redisUrl
    ? await openRedisBus({ url: args.redisUrl, instanceId, logger, metrics: busMetrics })
    : undefined;
  const readiness: ReadinessCheck[] = [];
  const extraMetrics: (() => string)[] = [];
  if (shared) {
    readiness.push({ name: "postgres", check: () => shared.ping() });
    extraMetrics.push(() => postgresPoolMetrics(shared.poolUse()));
  }
  if (bus) {
    readiness.push({ name: "redis", check: () => bus.ping() });
    extraMetrics.push(() => busMetrics.render());
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const staticDir = args.staticDir ?? resolve(here, "../../demo-web/dist");
  const push = pushOptions(args, embedded, dataDir);
  const server = await startTandemServer({
    store,
    org,
    tokenKey,
    logger,
    port: args.port,
    host: args.host,
    publicUrl: args.publicUrl,
    staticDir,
    demoUsers: embedded?.demoUsers,
    readiness,
    extraMetrics,
    peers: bus ? { bus, metrics: busMetrics } : undefined,
    // The embedded demo org shows the configurable fields unless told otherwise.
    sync: { extraFields: args.extraFields ?? (embedded ? DEMO_EXTRA_FIELDS : undefined), push },
    leases: shared
      ? {
          owner: instanceId,
          ttlMs: LEASE_TTL_MS,
          acquire: (book, owner, ttlMs) => shared.leases.acquire(book, owner, ttlMs),
          release: (book, fence) => shared.leases.release(book, fence),
        }
      : undefined,
  });
  const ready: Record<string, unknown> = { url: server.url, salesforceUrl: org.loginUrl };
  if (embedded) {
    ready.users = embedded.users;
    // The emulated org's own OAuth client, so a user can query the org to check what Tandem wrote.
    ready.salesforceClient = { clientId: embedded.org.clientId, clientSecret: embedded.org.clientSecret };
  }
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  logger.log("info", "server.ready", {
    url: server.url,
    store: shared ? "postgres" : dataDir ? "file" : "memory",
    bus: bus ? "redis" : "none",
    instance: instanceId,
    // glibc's arenas (docs in the README): read at process start, so only the environment sets it.
    mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "server.stopping", { signal });
    void (async () => {
      await server.close();
      await bus?.close();
      await store.close();
      await embedded?.close();
      process.exit(0);
    })();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: "error", event: "server.start_failed", error: err instanceof Error ? err.message : String(err) })}\n`,
  );
  process.exit(1);
});
