/**
 * The `tandem-server` CLI, one process from its sources, with its zero-config default
 * (embedded emulator): one JSON ready line with url, salesforceUrl and users; a listed user can
 * sign in; SIGTERM stops it. `--help` lists every flag.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const fromSources = ["--conditions=@tandem/source", "--import", "tsx", cli];
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

describe("tandem-server CLI", () => {
  it("prints one ready line and serves sign-in against the embedded emulator", async () => {
    child = spawn(process.execPath, [...fromSources, "--port", "0", "--memory"], { stdio: ["ignore", "pipe", "pipe"] });
    const out = child.stdout;
    if (!out) throw new Error("no stdout");
    const line = await new Promise<string>((resolve, reject) => {
      let buf = "";
      out.on("data", (d: Buffer) => {
        buf += d.toString();
        const i = buf.indexOf("\n");
        if (i >= 0) resolve(buf.slice(0, i));
      });
      child?.on("exit", (code) => reject(new Error(`exited with ${code}`)));
    });
    const ready = JSON.parse(line) as {
      url: string;
      salesforceUrl: string;
      users: { username: string; name: string }[];
    };
    expect(Object.keys(ready).sort()).toEqual(["salesforceClient", "salesforceUrl", "url", "users"]);
    const first = ready.users[0];
    expect(first?.username).toBeTruthy();
    // The embedded org's users are offered for one-click sign-in: names only, no passwords.
    const demo = (await (await fetch(`${ready.url}/api/demo-users`)).json()) as { users: unknown[] };
    expect(demo.users).toEqual(ready.users.map((u) => ({ username: u.username, name: u.name })));

    const start = await fetch(`${ready.url}/auth/login?login_hint=${encodeURIComponent(first?.username ?? "")}`, {
      redirect: "manual",
    });
    expect(start.headers.get("location")?.startsWith(`${ready.salesforceUrl}/services/oauth2/authorize`)).toBe(true);
    const loginCookie = (start.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    const atOrg = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
    const cb = await fetch(atOrg.headers.get("location") ?? "", {
      redirect: "manual",
      headers: { cookie: loginCookie },
    });
    const cookie = (cb.headers.getSetCookie().find((c) => c.startsWith("tandem_session=")) ?? "").split(";")[0] ?? "";
    const me = (await (await fetch(`${ready.url}/api/me`, { headers: { cookie } })).json()) as { name: string };
    expect(me.name).toBe(first?.name);

    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("--help prints every flag, and that push scaled out needs --redis", () => {
    const r = spawnSync(process.execPath, [...fromSources, "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    for (const flag of ["--port", "--data-dir", "--store", "--redis", "--fields", "--cdc-user", "--cdc-safety-net-min"])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/--cdc-user[\s\S]*Scaled out \(--store\) push also needs --redis/);
  });
});
