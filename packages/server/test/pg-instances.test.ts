/**
 * `tandem-server --store postgres://…`: two instances of the real CLI on one private PostgreSQL
 * and one org share sessions (a user signed in through one is signed in on the other), migrate
 * the schema once, and report the database in `/readyz` (503 once it is gone) and `/metrics`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { MIGRATIONS } from "../src/store/pg-migrations.js";
import { describeWithBackends, type PostgresCluster, startPostgres } from "./backends.js";
import { type ChildServer, startChildServer } from "./child-server.js";

const children: ChildServer[] = [];
let cluster: PostgresCluster | undefined;
let emu: Emulator | undefined;
const dirs: string[] = [];
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  await cluster?.stop();
  await emu?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Signs `username` in through the server at `url` (the emulator approves at once); resolves to the session cookie. */
async function signIn(url: string, username: string): Promise<string> {
  const start = await fetch(`${url}/auth/login?login_hint=${encodeURIComponent(username)}`, { redirect: "manual" });
  const loginCookie = (start.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  const atOrg = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
  const cb = await fetch(atOrg.headers.get("location") ?? "", { redirect: "manual", headers: { cookie: loginCookie } });
  return (cb.headers.getSetCookie().find((c) => c.startsWith("tandem_session=")) ?? "").split(";")[0] ?? "";
}

describeWithBackends("instances on one PostgreSQL", () => {
  it("share sessions, migrate once, and report the database in /readyz and /metrics", async () => {
    cluster = await startPostgres();
    emu = await createEmulator({ port: 0 });
    const url = await cluster.createDatabase();
    const root = mkdtempSync(join(tmpdir(), "tandem-pg-cli-"));
    dirs.push(root);
    const key = join(root, "shared.key");
    const org = { url: emu.url, clientId: emu.clientId, clientSecret: emu.clientSecret };
    const [a, b] = await Promise.all(
      ["a", "b"].map((n) => startChildServer(join(root, n), org, ["--store", url, "--key-file", key])),
    );
    if (!a || !b) throw new Error("instances did not start");
    children.push(a, b);

    const user = emu.users[0];
    if (!user) throw new Error("no user");
    const cookie = await signIn(a.url, user.username);
    const me = await fetch(`${b.url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { name: string }).name).toBe(user.name);

    const check = new pg.Client({ connectionString: url });
    check.on("error", () => undefined);
    await check.connect();
    const versions = await check.query("SELECT version FROM tandem_schema_migrations");
    expect(versions.rowCount).toBe(MIGRATIONS.length);
    await check.end();

    for (const s of [a, b]) {
      const ready = await fetch(`${s.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ok: true, backends: { postgres: "ok" } });
      expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/tandem_pg_pool_connections\{state="open"\} \d+/);
    }

    await cluster.stop();
    cluster = undefined;
    const down = await fetch(`${a.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, backends: { postgres: "unreachable" } });
    // Liveness stays up: the process is fine, its database is not.
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
  });
});
