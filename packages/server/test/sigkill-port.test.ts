/**
 * SIGKILL of the `tandem-server` PID frees its port at once (issue 21): the CLI runs as one
 * process (no launcher child that would keep the real server and its socket alive), so a
 * server started again on the SAME port right after the kill comes up, prints its ready line
 * and answers `/api/status` for a user who signs in. With the old launcher the restart failed
 * with EADDRINUSE, the orphaned child still holding the port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const dataDir = join(mkdtempSync(join(tmpdir(), "tandem-sigkill-")), "data");
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(join(dataDir, ".."), { recursive: true, force: true });
});

/** A port that was free a moment ago (the OS picks it; the listener is closed again). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

interface Ready {
  readonly url: string;
  readonly users: ReadonlyArray<{ readonly username: string; readonly name: string }>;
}

/** Starts the CLI (one process, from its sources) on `port` with the embedded org; resolves with its ready line. */
async function startServer(port: number): Promise<{ child: ChildProcess; ready: Ready }> {
  const args = ["--conditions=@tandem/source", "--import", "tsx", cli, "--port", String(port), "--data-dir", dataDir];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once("exit", (code, signal) =>
      reject(new Error(`server exited (${code ?? signal}) before ready:\n${stderr}`)),
    );
  });
  return { child, ready: JSON.parse(line) as Ready };
}

/** Signs the embedded org's user in through the OAuth redirects; answers the session cookie. */
async function signIn(url: string, username: string): Promise<string> {
  const start = await fetch(`${url}/auth/login?login_hint=${encodeURIComponent(username)}`, { redirect: "manual" });
  const loginCookie = (start.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
  const atOrg = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
  const callback = await fetch(atOrg.headers.get("location") ?? "", {
    redirect: "manual",
    headers: { cookie: loginCookie },
  });
  return (callback.headers.getSetCookie().find((c) => c.startsWith("tandem_session=")) ?? "").split(";")[0] ?? "";
}

/** `/api/status` as the signed-in user: its HTTP status. */
async function statusCode(url: string, cookie: string): Promise<number> {
  const res = await fetch(`${url}/api/status`, { headers: { cookie } });
  await res.arrayBuffer();
  return res.status;
}

describe("tandem-server and SIGKILL", () => {
  it("a SIGKILL of its PID frees the port: a restart on the same port at once comes up", async () => {
    const port = await freePort();
    const first = await startServer(port);
    expect(first.ready.url).toBe(`http://127.0.0.1:${port}`);
    const user = first.ready.users[0]?.username ?? "";
    expect(await statusCode(first.ready.url, await signIn(first.ready.url, user))).toBe(200);

    const killed = new Promise<NodeJS.Signals | null>((resolve) => first.child.once("exit", (_code, s) => resolve(s)));
    if (first.child.pid === undefined) throw new Error("no pid");
    process.kill(first.child.pid, "SIGKILL");
    expect(await killed).toBe("SIGKILL");

    const second = await startServer(port);
    expect(second.ready.url).toBe(`http://127.0.0.1:${port}`);
    expect(await statusCode(second.ready.url, await signIn(second.ready.url, user))).toBe(200);
    const stopped = new Promise<number | null>((resolve) => second.child.once("exit", (code) => resolve(code)));
    second.child.kill("SIGTERM");
    expect(await stopped).toBe(0);
  }, 120_000);
});
