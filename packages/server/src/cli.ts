/**
 * `tandem-server [--port N] [--host H] [--data-dir DIR] [--key-file FILE] [--memory]
 *  [--store postgres://…] [--salesforce emulator|<login URL>] [--static-dir DIR] [--public-url URL]`
 *
 * The process-level composition root: reads the environment (SF_CLIENT_ID/SF_CLIENT_SECRET
 * for a non-embedded org, TANDEM_STORE) here and nowhere else, opens the store and the key file, starts
 * the server and prints ONE ready line on stdout: `{"url","salesforceUrl"}` (+ `"users"` with
 * the embedded emulator). Logs go to stderr as JSON lines.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createEmulator } from "@tandem/salesforce-emulator";
import { loadOrCreateKeyFile } from "./auth/key-file.js";
import type { OrgConfig } from "./auth/org-config.js";
import { CliError, parseCliArgs } from "./cli-args.js";
import { createJsonLogger } from "./obs/logger.js";
import { startTandemServer } from "./server.js";
import { openFileStore } from "./store/file-store.js";
import { createMemoryStore } from "./store/memory-store.js";
import { openPostgresStore, postgresPoolMetrics } from "./store/pg-store.js";

interface EmbeddedOrg {
  readonly org: OrgConfig;
  readonly users: unknown;
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
    close: () => emu.close(),
  };
}

async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2), process.env);
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
  const here = dirname(fileURLToPath(import.meta.url));
  const staticDir = args.staticDir ?? resolve(here, "../../demo-web/dist");
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
    readiness: shared ? [{ name: "postgres", check: () => shared.ping() }] : [],
    extraMetrics: shared ? [() => postgresPoolMetrics(shared.poolUse())] : [],
  });
  const ready: Record<string, unknown> = { url: server.url, salesforceUrl: org.loginUrl };
  if (embedded) ready.users = embedded.users;
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  logger.log("info", "server.ready", { url: server.url, store: shared ? "postgres" : dataDir ? "file" : "memory" });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "server.stopping", { signal });
    void (async () => {
      await server.close();
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
