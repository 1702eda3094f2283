/**
 * Scale-out on real backends: instances of the server on one private PostgreSQL and one
 * private Redis, with stock y-websocket devices of one user spread over them. Covers live
 * sync and awareness across instances, a Redis restart mid-run, and a bus that loses every
 * message (what an instance commits still reaches the others, from the store, within a poll).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { openRedisBus } from "../src/cluster/redis-bus.js";
import { BusMetrics } from "../src/obs/bus-metrics.js";
import { createMemoryLogger } from "../src/obs/logger.js";
import type { RoomBus } from "../src/relay/room-bus.js";
import { startTandemServer, type TandemServer } from "../src/server.js";
import { openPostgresStore, type PostgresStore } from "../src/store/pg-store.js";
import { describeWithBackends, type PostgresCluster, type RedisServer, startPostgres, startRedis } from "./backends.js";
import { connectProvider, waitFor } from "./helpers.js";
import { validInteraction } from "./trust-fixtures.js";

const ORG = "00D000000000001AAA";
const USER = "005000000000001AAA";
const ROOM = `book:${ORG}:${USER}`;

interface Instance {
  readonly server: TandemServer;
  readonly store: PostgresStore;
  readonly bus: RoomBus;
  readonly metrics: BusMetrics;
  close(): Promise<void>;
}

let pg: PostgresCluster | undefined;
let redis: RedisServer | undefined;
const providers: WebsocketProvider[] = [];
const instances: Instance[] = [];

/** Starts an instance on the database `url`; `bus` wraps the Redis bus (e.g. to lose messages). */
async function startInstance(
  url: string,
  wrap: (bus: RoomBus) => RoomBus = (b) => b,
  sessionSweepMs?: number,
): Promise<Instance> {
  if (!redis) throw new Error("no redis");
  const logger = createMemoryLogger();
  const store = await openPostgresStore({ url });
  const metrics = new BusMetrics();
  const bus = wrap(await openRedisBus({ url: redis.url, logger, metrics }));
  const server = await startTandemServer({
    store,
    logger,
    org: { loginUrl: "http://127.0.0.1:9", clientId: "test", clientSecret: "test" },
    tokenKey: randomBytes(32),
    sync: false,
    peers: { bus, metrics, pollMs: 500 },
    sessionSweepMs,
  });
  const instance = {
    server,
    store,
    bus,
    metrics,
    close: async () => {
      await server.close();
      await bus.close();
      await store.close();
    },
  };
  instances.push(instance);
  return instance;
}

async function device(instance: Instance): Promise<{ doc: Y.Doc; provider: WebsocketProvider }> {
  const doc = new Y.Doc();
  const { ticket } = await instance.server.auth.issueTicket({ orgId: ORG, userId: USER });
  const provider = connectProvider(instance.server.url, ROOM, doc, ticket);
  providers.push(provider);
  await waitFor(() => provider.synced, "the device to sync");
  return { doc, provider };
}

function interactions(doc: Y.Doc): string[] {
  return [...doc.getMap("interactions").keys()].sort();
}

describeWithBackends("instances on one PostgreSQL and one Redis", () => {
  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  });
  afterAll(async () => {
    for (const p of providers) p.destroy();
    for (const i of instances) await i.close().catch(() => undefined);
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it("devices on different instances see each other's updates and awareness live", async () => {
    const url = await (pg as PostgresCluster).createDatabase();
    const [one, two] = [await startInstance(url), await startInstance(url)];
    const a = await device(one);
    const b = await device(two);
    a.doc.getMap("interactions").set("i-a", validInteraction("i-a"));
    await waitFor(() => interactions(b.doc).includes("i-a"), "instance 2's device to see instance 1's write");
    b.doc.getMap("interactions").set("i-b", validInteraction("i-b"));
    await waitFor(() => interactions(a.doc).includes("i-b"), "instance 1's device to see instance 2's write");
    expect(one.metrics.received + two.metrics.received).toBeGreaterThanOrEqual(2);

    a.provider.awareness.setLocalStateField("user", { name: "Ada on instance 1" });
    await waitFor(
      () => [...b.provider.awareness.getStates().values()].some((s) => s.user?.name === "Ada on instance 1"),
      "instance 2's device to see instance 1's awareness",
    );
  });

  it("a revocation on one instance closes the user's devices on the others", async () => {
    const url = await (pg as PostgresCluster).createDatabase();
    const [one, two] = [await startInstance(url), await startInstance(url)];
    await device(one);
    const b = await device(two);
    const closed = new Promise<number>((resolve) => {
      b.provider.on("connection-close", (event) => resolve(event?.code ?? 0));
    });
    await one.server.auth.revokeUser(ORG, USER, "logout");
    expect(await closed).toBe(4001);
  });

  it("closes a revoked user's devices on an instance that missed the revocation signal, at its next session check", async () => {
    const url = await (pg as PostgresCluster).createDatabase();
    const deaf = (bus: RoomBus): RoomBus => ({ ...bus, publish: () => undefined });
    const [one, two] = [await startInstance(url, deaf), await startInstance(url, (b) => b, 200)];
    const session = { id: "s-hash", orgId: ORG, userId: USER, name: "N", createdAt: 0, expiresAt: Date.now() + 60_000 };
    await one.store.putSession(session);
    const { ticket } = await two.server.auth.issueSessionTicket(session);
    const doc = new Y.Doc();
    const provider = connectProvider(two.server.url, ROOM, doc, ticket);
    providers.push(provider);
    await waitFor(() => provider.synced, "the device to sync");
    const closed = new Promise<number>((resolve) => {
      provider.on("connection-close", (event) => resolve(event?.code ?? 0));
    });
    await one.server.auth.revokeUser(ORG, USER, "logout");
    expect(await closed).toBe(4001);
  });

  it("loses nothing when Redis restarts mid-run", async () => {
    const url = await (pg as PostgresCluster).createDatabase();
    const [one, two] = [await startInstance(url), await startInstance(url)];
    const a = await device(one);
    const b = await device(two);
    a.doc.getMap("interactions").set("before", validInteraction("before"));
    await waitFor(() => interactions(b.doc).includes("before"), "the first write to cross");
    await (redis as RedisServer).restart();
    // Written while the instances' Redis connections are down or coming back: published into
    // nothing, or not at all. The store has them; the instances catch up.
    for (let i = 0; i < 5; i++) a.doc.getMap("interactions").set(`during-${i}`, validInteraction(`during-${i}`));
    await waitFor(
      () => interactions(b.doc).filter((k) => k.startsWith("during-")).length === 5,
      "every write made during the restart",
    );
    b.doc.getMap("interactions").set("after", validInteraction("after"));
    await waitFor(() => interactions(a.doc).includes("after"), "a write after the restart to cross");
    expect(interactions(a.doc)).toEqual(interactions(b.doc));
  });

  it("an instance whose every message is lost still reaches the others, from the store, within a poll", async () => {
    const url = await (pg as PostgresCluster).createDatabase();
    const deaf = (bus: RoomBus): RoomBus => ({ ...bus, publish: () => undefined });
    const [one, two] = [await startInstance(url, deaf), await startInstance(url)];
    const a = await device(one);
    const b = await device(two);
    a.doc.getMap("interactions").set("silent", validInteraction("silent"));
    await waitFor(() => interactions(b.doc).includes("silent"), "the write to arrive from the store", 5000);
    expect(two.metrics.catchUps.get("poll") ?? 0).toBeGreaterThanOrEqual(1);
  });
});
