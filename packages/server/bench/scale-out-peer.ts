/**
 * One server instance of the scale-out benchmark, in its own process: `tandem` (the PostgreSQL
 * store at `--pg`, and with `--redis` the Redis bus to the other instances) or `hocuspocus3`
 * (`@hocuspocus/server@3.4.4` with `@hocuspocus/extension-redis@3.4.4` on `--redis`, no
 * persistence). Listens on 127.0.0.1:0, prints `{"url"}` on stdout and answers IPC requests:
 * `cpu` (this process's CPU time) and, for Tandem, `tickets` (issued through the server's own
 * auth service, as `peer-server.ts` does).
 *
 * Invariant: SIGTERM closes the server, its bus and its pool before the process exits, so the
 * private PostgreSQL and Redis are left with no client when the bench stops them.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { openRedisBus } from "../src/cluster/redis-bus.js";
import { BusMetrics } from "../src/obs/bus-metrics.js";
import { createJsonLogger } from "../src/obs/logger.js";
import { startTandemServer } from "../src/server.js";
import { openPostgresStore } from "../src/store/pg-store.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { pg: { type: "string" }, redis: { type: "string" } },
});
const kind = positionals[0] ?? "tandem";

type Request = { id: number; cmd: "cpu" } | { id: number; cmd: "tickets"; users: string[]; org: string };

interface Running {
  readonly url: string;
  tickets(org: string, users: string[]): Promise<string[]>;
  close(): Promise<void>;
}

async function startTandem(pgUrl: string, redisUrl: string | undefined): Promise<Running> {
  // Logs go nowhere: a log line per connection would be measured as server CPU.
  const logger = createJsonLogger(() => undefined);
  const store = await openPostgresStore({ url: pgUrl });
  const metrics = new BusMetrics();
  const bus = redisUrl ? await openRedisBus({ url: redisUrl, logger, metrics }) : undefined;
  const server = await startTandemServer({
    store,
    org: { loginUrl: "http://127.0.0.1:9", clientId: "bench", clientSecret: "bench" },
    tokenKey: randomBytes(32),
    logger,
    sync: false,
    // One user's devices fill the room: the per-user connection and ticket caps are lifted,
    // and the message rate limit is the relay bench's.
    limits: { messagesPerSecond: 10_000, messageBurst: 10_000, maxConnectionsPerUser: 1_000_000 },
    maxLiveTicketsPerUser: 1_000_000,
    peers: bus ? { bus, metrics } : undefined,
  });
  return {
    url: server.url,
    tickets: (org, users) =>
      Promise.all(users.map(async (userId) => (await server.auth.issueTicket({ orgId: org, userId })).ticket)),
    async close() {
      await server.close();
      await bus?.close();
      await store.close();
    },
  };
}

async function startHocuspocus(redisUrl: string): Promise<Running> {
  const { Server } = await import("hocuspocus3");
  const { Redis } = await import("hocuspocus3-redis");
  const redis = new URL(redisUrl);
  const extension = new Redis({ host: redis.hostname, port: Number(redis.port) });
  // The timeout is lifted as in `peer-server.ts`: clients sit silent while other peers run.
  const server = new Server({
    port: 0,
    address: "127.0.0.1",
    quiet: true,
    timeout: 24 * 3600 * 1000,
    extensions: [extension],
  });
  await server.listen(0);
  return {
    url: `http://127.0.0.1:${server.address.port}`,
    tickets: async () => [],
    async close() {
      await server.destroy();
      extension.pub.disconnect();
      extension.sub.disconnect();
    },
  };
}

async function main(): Promise<void> {
  let running: Running;
  if (kind === "tandem") {
    if (!values.pg) throw new Error("tandem needs --pg");
    running = await startTandem(values.pg, values.redis);
  } else if (kind === "hocuspocus3") {
    if (!values.redis) throw new Error("hocuspocus3 needs --redis");
    running = await startHocuspocus(values.redis);
  } else {
    throw new Error(`unknown instance kind ${kind}`);
  }
  process.on("message", (m: Request) => {
    void (async () => {
      if (m.cmd === "cpu") {
        const cpu = process.cpuUsage();
        process.send?.({ id: m.id, cpuMicros: cpu.user + cpu.system });
      } else if (m.cmd === "tickets") {
        process.send?.({ id: m.id, tickets: await running.tickets(m.org, m.users) });
      }
    })();
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Exits even if closing hangs (a socket that never closes), so the bench never waits on it.
    setTimeout(() => process.exit(0), 3000).unref();
    void running.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  // The bench's IPC channel closes when the bench dies: an orphan must not outlive it.
  process.on("disconnect", stop);
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`scale-out-peer ${kind}: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
