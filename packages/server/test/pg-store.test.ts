/**
 * The store on a real PostgreSQL (a private cluster this file starts): the whole store
 * contract suite, unchanged, and the schema's migrations (applied once, also by instances
 * opening together; a newer schema refused).
 */
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import * as Y from "yjs";
import { MIGRATIONS, migrate } from "../src/store/pg-migrations.js";
import { openPostgresStore } from "../src/store/pg-store.js";
import { describeWithBackends, type PostgresCluster, startPostgres } from "./backends.js";
import { describeStoreContract } from "./store-contract.js";

let cluster: Promise<PostgresCluster> | undefined;
const pgCluster = (): Promise<PostgresCluster> => {
  cluster ??= startPostgres();
  return cluster;
};
afterAll(async () => {
  await (await cluster)?.stop();
});

describeWithBackends("PostgreSQL store", () => {
  describeStoreContract("postgres", {
    open: async () => {
      const url = await (await pgCluster()).createDatabase();
      return { store: await openPostgresStore({ url }), reopen: () => openPostgresStore({ url }) };
    },
  });

  it("two stores on one database share room logs and tickets, as two instances do", async () => {
    const url = await (await pgCluster()).createDatabase();
    const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    doc.getMap("m").set("a", 1);
    doc.getMap("m").set("b", 2);
    await a.appendUpdates(new Map([["r", [updates[0] ?? new Uint8Array()]]]));
    await b.appendUpdates(new Map([["r", [updates[1] ?? new Uint8Array()]]]));
    const replayed = new Y.Doc();
    for (const u of (await b.loadRoom("r")).updates) Y.applyUpdate(replayed, u);
    expect(replayed.getMap("m").toJSON()).toEqual({ a: 1, b: 2 });
    await a.putTicket({ id: "t", orgId: "o", userId: "u", room: "book:o:u", expiresAt: 100 });
    const takes = await Promise.all([a.takeTicket("t", 1), b.takeTicket("t", 1)]);
    expect(takes.map((t) => t.kind).sort()).toEqual(["ok", "used"]);
    // A compaction on one rebuilds from the shared log; an append of the other meanwhile stays.
    const rebuilt = a.rebuildRoom("r", async (stored) => {
      await b.appendUpdates(new Map([["r", [Y.encodeStateAsUpdate(lateDoc())]]]));
      const d = new Y.Doc();
      for (const u of stored) Y.applyUpdate(d, u);
      return [Y.encodeStateAsUpdate(d)];
    });
    expect(await rebuilt).toBe(true);
    const after = await a.loadRoom("r");
    expect(after.snapshot).toBe(1);
    const state = new Y.Doc();
    for (const u of after.updates) Y.applyUpdate(state, u);
    expect(state.getMap("m").toJSON()).toEqual({ a: 1, b: 2, late: true });
    await Promise.all([a.close(), b.close()]);
  });

  it("versions each room's commits in commit order and reads what came after a version", async () => {
    const url = await (await pgCluster()).createDatabase();
    const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 4; i++) doc.getMap("m").set(`k${i}`, i);
    const [u0, u1, u2, u3] = updates as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    expect([
      ...(await a.appendVersioned(
        new Map([
          ["r", [u0]],
          ["s", [u0]],
        ]),
      )),
    ]).toEqual([
      ["r", 1],
      ["s", 1],
    ]);
    expect(await b.appendVersioned(new Map([["r", [u1, u2]]]))).toEqual(new Map([["r", 2]]));
    expect(await a.appendVersioned(new Map([["r", [u3]]]))).toEqual(new Map([["r", 3]]));
    expect(await b.versions(["r", "s", "never"])).toEqual(
      new Map([
        ["r", 3],
        ["s", 1],
        ["never", 0],
      ]),
    );
    const since = await b.loadSince("r", 1);
    expect(since.version).toBe(3);
    expect(since.updates.map((u) => [...u])).toEqual([[...u1], [...u2], [...u3]]);
    expect((await b.loadVersioned("r")).version).toBe(3);
    expect(await b.loadSince("never", 0)).toEqual({ updates: [], version: 0 });
    // A compaction's snapshot stands for the versions it replaced: read after an older one.
    expect(await a.rebuildRoom("r", async (stored) => [Y.mergeUpdates(stored)])).toBe(true);
    expect((await b.loadSince("r", 3)).updates).toEqual([]);
    expect((await b.loadSince("r", 2)).updates).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });

  it("migrates an empty database once, also when instances open it together", async () => {
    const url = await (await pgCluster()).createDatabase();
    const pools = [quietPool(url), quietPool(url)];
    const applied = await Promise.all(pools.map((p) => migrate(p)));
    expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(pools[0] as pg.Pool)).toEqual([]);
    const versions = await (pools[0] as pg.Pool).query("SELECT version FROM tandem_schema_migrations ORDER BY 1");
    expect(versions.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await Promise.all(pools.map((p) => p.end()));
  });

  it("refuses a database whose schema is newer than this server, changing nothing", async () => {
    const url = await (await pgCluster()).createDatabase();
    const pool = quietPool(url);
    await migrate(pool);
    await pool.query("INSERT INTO tandem_schema_migrations (version, name) VALUES (999, 'from the future')");
    await expect(openPostgresStore({ url })).rejects.toThrow(/newer than this server/);
    const versions = await pool.query("SELECT count(*)::int AS n FROM tandem_schema_migrations");
    expect(versions.rows[0].n).toBe(MIGRATIONS.length + 1);
    await pool.end();
  });
});

/** A document whose one entry another instance appends while a compaction builds. */
function lateDoc(): Y.Doc {
  const d = new Y.Doc();
  d.getMap("m").set("late", true);
  return d;
}

/** A pool whose clients ignore errors: the cluster's shutdown notice may reach a client still ending. */
function quietPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url });
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}
