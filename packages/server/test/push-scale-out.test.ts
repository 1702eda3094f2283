/**
 * Push scaled out (issue 23): two instances of the real CLI with `--cdc-user` on one private
 * PostgreSQL and one private Redis, one emulated org with its Streaming API, and a rep's stock
 * y-websocket device. Exactly one instance runs the org's change subscriber (the push lease);
 * a colleague's change to the rep's book, whose worker lease is on the OTHER instance, reaches
 * the device through the cluster channel; SIGKILL of the subscriber's instance hands push to
 * the other within the lease's bound, and a change made while nobody subscribed is replayed
 * from the replay id in the shared store (the workers' schedule is an hour, and the taker does
 * no catch-up of every book when it finds a stored replay id).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bookMaps } from "@tandem/engine";
import { createEmulator, type Emulator, type EmulatorUser } from "@tandem/salesforce-emulator";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBackends, type PostgresCluster, type RedisServer, startPostgres, startRedis } from "./backends.js";
import { type ChildServer, startChildServer } from "./child-server.js";
import { type Device, type OrgSession, openDevice, orgSession, signIn, until } from "./sync-helpers.js";

/** The CLI's lease TTL (15 s) plus one renewal period (5 s), with margin (docs/architecture.md). */
const TAKEOVER_BOUND_MS = 30_000;

let pgCluster: PostgresCluster | undefined;
let redis: RedisServer | undefined;
let emu: Emulator;
let db: pg.Client;
let root: string;
let storeUrl: string;
const instances = new Map<string, ChildServer>();
let rep: EmulatorUser;
let admin: EmulatorUser;
let asAdmin: OrgSession;
let device: Device | undefined;
let repCookie = "";

async function leaseOf(book: string): Promise<string | undefined> {
  const r = await db.query<{ owner: string }>(
    "SELECT owner FROM tandem_book_leases WHERE book = $1 AND expires_at > now()",
    [book],
  );
  return r.rows[0]?.owner;
}

async function storedReplayId(): Promise<number | undefined> {
  const r = await db.query<{ replay_id: string }>("SELECT replay_id FROM tandem_push_replay");
  return r.rows[0] ? Number(r.rows[0].replay_id) : undefined;
}

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)`, "m").exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

async function pushStatus(url: string): Promise<{ role: string; live: boolean | null } | null> {
  const res = await fetch(`${url}/api/status`, { headers: { cookie: repCookie } });
  return ((await res.json()) as { push: { role: string; live: boolean | null } | null }).push;
}

async function start(id: string): Promise<ChildServer> {
  if (!redis) throw new Error("no redis");
  const s = await startChildServer(
    join(root, id),
    emu,
    ["--store", storeUrl, "--redis", redis.url, "--key-file", join(root, "shared.key"), "--cdc-user", admin.id],
    { TANDEM_INSTANCE_ID: id },
  );
  instances.set(id, s);
  return s;
}

describeWithBackends("push on two instances", () => {
  beforeAll(async () => {
    [pgCluster, redis] = await Promise.all([startPostgres(), startRedis()]);
    emu = await createEmulator({
      port: 0,
      dataset: "small",
      sharing: { Opportunity: "ReadWrite" },
      streaming: { connectTimeoutMs: 300, clientTimeoutMs: 5000 },
    });
    const second = emu.users[1];
    const last = emu.users.at(-1);
    if (!second || !last) throw new Error("the small dataset has reps and an administrator");
    [rep, admin] = [second, last];
    asAdmin = await orgSession(emu, admin.username, admin.password);
    storeUrl = await pgCluster.createDatabase();
    db = new pg.Client({ connectionString: storeUrl });
    db.on("error", () => undefined);
    root = mkdtempSync(join(tmpdir(), "tandem-push-scale-"));
  }, 120_000);

  afterAll(async () => {
    device?.destroy();
    for (const s of instances.values()) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill();
    await db?.end().catch(() => undefined);
    await emu?.close();
    await Promise.all([pgCluster?.stop(), redis?.stop()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("runs the subscriber on one instance and reaches a book whose lease is on the other", async () => {
    // i1 alone sees the integration user sign in: it takes the push lease.
    const i1 = await start("i1");
    await db.connect();
    await signIn(i1.url, admin.username);
    await until(async () => (await metric(i1.url, "tandem_push_live")) === 1, "push on i1", 30_000);
    const orgId = (await db.query<{ org_id: string }>("SELECT org_id FROM tandem_tokens")).rows[0]?.org_id;
    expect(await leaseOf(`push:${orgId}`)).toBe("i1");

    // The rep signs in through i2, whose worker takes the book's lease at once.
    const i2 = await start("i2");
    repCookie = await signIn(i2.url, rep.username);
    const room = `book:${orgId}:${rep.id}`;
    await until(async () => (await leaseOf(room)) === "i2", "the rep's book lease on i2", 30_000);
    await until(async () => (await metric(i2.url, "tandem_push_holder")) === 0, "push standby on i2", 30_000);
    expect(await metric(i1.url, "tandem_push_holder")).toBe(1);
    expect(await metric(i2.url, "tandem_push_live")).toBeUndefined();
    expect(await pushStatus(i1.url)).toMatchObject({ role: "holder", live: true });
    expect(await pushStatus(i2.url)).toMatchObject({ role: "standby", live: null });

    device = await openDevice(i2.url, repCookie);
    const opportunities = bookMaps(device.doc).opportunities;
    await until(() => opportunities.size > 0, "the rep's book", 60_000);
    const [id] = [...opportunities.keys()];
    if (id === undefined) throw new Error("the book has an opportunity");
    await asAdmin.patch("Opportunity", id, { Name: "Pushed across instances" });
    await until(() => opportunities.get(id)?.Name === "Pushed across instances", "the change on the device");
    expect(await leaseOf(room)).toBe("i2");
    expect(await leaseOf(`push:${orgId}`)).toBe("i1");
  }, 180_000);

  it("a SIGKILL of the subscriber's instance hands push over, and a change made meanwhile is replayed", async () => {
    const i1 = instances.get("i1") as ChildServer;
    const i2 = instances.get("i2") as ChildServer;
    const d = device;
    if (!d) throw new Error("the first test opened the device");
    const opportunities = bookMaps(d.doc).opportunities;
    const handledBefore = await storedReplayId();
    expect(handledBefore).toBeGreaterThan(0);
    i1.child.kill("SIGKILL");
    await new Promise((r) => i1.child.once("exit", r));
    const [, id] = [...opportunities.keys()];
    if (id === undefined) throw new Error("the book has two opportunities");
    // Nobody subscribes now: the event waits in the org's retention for the taker.
    await asAdmin.patch("Opportunity", id, { Name: "Changed during the takeover" });
    await until(
      async () => (await metric(i2.url, "tandem_push_holder")) === 1,
      "i2 to take push over",
      TAKEOVER_BOUND_MS,
    );
    await until(() => opportunities.get(id)?.Name === "Changed during the takeover", "the replayed change", 30_000);
    expect(await storedReplayId()).toBeGreaterThan(handledBefore ?? 0);
    expect(await pushStatus(i2.url)).toMatchObject({ role: "holder", live: true });
    // Resumed from the stored replay id: no catch-up of every book.
    expect(i2.log()).toMatch(/push\.subscribed.*"replayId":[1-9]/);
  }, 120_000);
});
