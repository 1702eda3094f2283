/**
 * Per-device logout, scaled out (issue 25, bug 5): two instances on one PostgreSQL and one
 * Redis. A device's logout on one instance closes (4001) that session's socket on the other
 * instance at the other's periodic session check — no bus signal needed — while the same
 * user's other session, connected to the same instance, stays open.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { hashSecret } from "../src/auth/secret-hash.js";
import { openRedisBus } from "../src/cluster/redis-bus.js";
import { BusMetrics } from "../src/obs/bus-metrics.js";
import { createMemoryLogger } from "../src/obs/logger.js";
import { CloseCode } from "../src/relay/close-codes.js";
import { startTandemServer, type TandemServer } from "../src/server.js";
import { openPostgresStore, type PostgresStore } from "../src/store/pg-store.js";
import { describeWithBackends, type PostgresCluster, type RedisServer, startPostgres, startRedis } from "./backends.js";
import { connectProvider, waitFor } from "./helpers.js";

const ORG = "00D000000000001AAA";
const USER = "005000000000001AAA";
const ROOM = `book:${ORG}:${USER}`;

let pg: PostgresCluster | undefined;
let redis: RedisServer | undefined;
const closers: (() => Promise<void>)[] = [];
const providers: WebsocketProvider[] = [];

async function startInstance(
  url: string,
  sessionSweepMs?: number,
): Promise<{ server: TandemServer; store: PostgresStore }> {
  if (!redis) throw new Error("no redis");
  const logger = createMemoryLogger();
  const store = await openPostgresStore({ url });
  const metrics = new BusMetrics();
  const bus = await openRedisBus({ url: redis.url, logger, metrics });
  const server = await startTandemServer({
    store,
    logger,
    org: { loginUrl: "http://127.0.0.1:9", clientId: "test", clientSecret: "test" },
    tokenKey: randomBytes(32),
    sync: false,
    peers: { bus, metrics, pollMs: 500 },
    sessionSweepMs,
  });
  closers.push(async () => {
    await server.close();
    await bus.close();
    await store.close();
  });
  return { server, store };
}

/** A device of a session whose cookie value is `secret`, connected to `server`; `closes` collects its close codes. */
async function deviceOf(server: TandemServer, store: PostgresStore, secret: string) {
  const session = {
    id: hashSecret(secret),
    orgId: ORG,
    userId: USER,
    name: "N",
    createdAt: Date.now(),
    expiresAt: Date.now() + 60_000,
  };
  await store.putSession(session);
  const { ticket } = await server.auth.issueSessionTicket(session);
  const provider = connectProvider(server.url, ROOM, new Y.Doc(), ticket);
  providers.push(provider);
  const closes: number[] = [];
  provider.on("connection-close", (event) => {
    if (event) closes.push(event.code);
  });
  await waitFor(() => provider.synced, "the device to sync");
  return { closes };
}

describeWithBackends("per-device logout across instances", () => {
  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  });
  afterAll(async () => {
    for (const p of providers) p.destroy();
    for (const close of closers) await close().catch(() => undefined);
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it("a logout on one instance closes that session's socket on another at its session check, and only that one", async () => {
    const url = await (pg as PostgresCluster).createDatabase();
    const one = await startInstance(url);
    const two = await startInstance(url, 200);
    const [laptop, phone] = [randomBytes(32).toString("base64url"), randomBytes(32).toString("base64url")];
    const laptopDevice = await deviceOf(two.server, two.store, laptop);
    const phoneDevice = await deviceOf(two.server, two.store, phone);

    expect(await one.server.auth.logout(laptop)).toBe(true);
    await waitFor(() => laptopDevice.closes.includes(CloseCode.revoked), "the laptop's socket to close", 5_000);
    // Several session checks later, the phone is still connected and its session still live.
    await new Promise((r) => setTimeout(r, 800));
    expect(phoneDevice.closes).toEqual([]);
    expect(await two.server.auth.session(phone)).toBeDefined();
    expect(await two.server.auth.session(laptop)).toBeUndefined();
  });
});
