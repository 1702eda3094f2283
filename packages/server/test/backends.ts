/**
 * Real PostgreSQL and Redis servers for tests: private instances in temporary directories on
 * free loopback ports, started and stopped by the test, never a system service or a fixed port.
 *
 * Binaries come from Debian's `postgresql` and `redis-server` packages (`.ci/run` installs
 * them through `scripts/ci-system-deps.sh`). Where they are missing, {@link backendsMissing}
 * says so; tests then skip with a loud message, except under CI (`CI=true`), where missing
 * binaries fail the run. PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` user the Debian package creates.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe } from "vitest";

/** The bin directory of the newest Debian PostgreSQL, or of one on PATH; undefined if none. */
function postgresBinDir(): string | undefined {
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, "bin", "postgres")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(debian, versions[0], "bin");
  }
  for (const dir of (process.env.PATH ?? "").split(":")) if (existsSync(join(dir, "initdb"))) return dir;
  return undefined;
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) if (existsSync(join(dir, binary))) return join(dir, binary);
  return undefined;
}

/**
 * What is missing to run the backend tests, or undefined when both servers can start. Throws
 * under CI, where they must run.
 */
export function backendsMissing(): string | undefined {
  const missing: string[] = [];
  if (postgresBinDir() === undefined) missing.push("PostgreSQL (Debian package postgresql)");
  if (onPath("redis-server") === undefined) missing.push("redis-server (Debian package redis-server)");
  if (process.getuid?.() === 0 && !userExists("postgres")) missing.push("a 'postgres' user to run PostgreSQL as");
  if (missing.length === 0) return undefined;
  const message = `backend tests SKIPPED: ${missing.join(", ")} not installed; run scripts/ci-system-deps.sh postgresql redis-server`;
  if (process.env.CI) throw new Error(message.replace("SKIPPED", "cannot run under CI"));
  console.warn(`\n*** ${message} ***\n`);
  return message;
}

function userExists(name: string): boolean {
  try {
    execFileSync("id", [name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A free loopback TCP port (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A private PostgreSQL cluster. */
export interface PostgresCluster {
  /** The connection string of the `postgres` database (superuser `tandem`, trust on loopback). */
  readonly url: string;
  readonly port: number;
  /** Creates an empty database and resolves to its connection string. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown) and deletes its directory. */
  stop(): Promise<void>;
}

/** Starts a private PostgreSQL cluster: `initdb` into a temporary directory, then `postgres` on a free port. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error("PostgreSQL is not installed");
  const root = mkdtempSync(join(tmpdir(), "tandem-pg-"));
  const data = join(root, "data");
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? Number(execFileSync("id", ["-u", "postgres"]).toString().trim()) : undefined;
  const gid = asRoot ? Number(execFileSync("id", ["-g", "postgres"]).toString().trim()) : undefined;
  if (uid !== undefined && gid !== undefined) chownSync(root, uid, gid);
  const run = (binary: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, binary), ...args]] : [join(bin, binary), args];
  const [initCmd, initArgs] = run("initdb", ["-D", data, "-U", "tandem", "-A", "trust", "-E", "UTF8", "--no-sync"]);
  execFileSync(initCmd, initArgs, { stdio: "ignore" });
  const port = await freePort();
  const [cmd, args] = run("postgres", [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    root,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "max_connections=200",
    // No fsync: these tests kill server processes, never the machine, so what a commit wrote is
    // in the page cache either way; with it, every CREATE DATABASE took seconds.
    "-c",
    "fsync=off",
  ]);
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `postgres://tandem@127.0.0.1:${port}/postgres`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${stderr}`);
    const c = new pg.Client({ connectionString: url });
    c.on("error", () => undefined);
    try {
      await c.connect();
      await c.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  }, "PostgreSQL to accept connections");
  let databases = 0;
  return {
    url,
    port,
    async createDatabase() {
      const name = `t${++databases}_${process.pid}`;
      const c = new pg.Client({ connectionString: url });
      c.on("error", () => undefined);
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://tandem@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      // The postmaster itself, not `runuser` (which does not pass signals on): fast shutdown.
      const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once("exit", () => resolve());
      });
      if (pid > 0) process.kill(pid, "SIGINT");
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A private Redis server. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL) and starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free port, without persistence. */
export async function startRedis(): Promise<RedisServer> {
  const binary = onPath("redis-server");
  if (binary === undefined) throw new Error("redis-server is not installed");
  const root = mkdtempSync(join(tmpdir(), "tandem-redis-"));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", root],
      { stdio: "ignore" },
    );
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          if (child.exitCode !== null) return resolve(false);
          redisAnswers(port).then(resolve, () => resolve(false));
        }),
      "redis-server to accept connections",
    );
    return child;
  };
  let child = await launch();
  return {
    url,
    port,
    async restart() {
      await stopChild(child, "SIGKILL");
      child = await launch();
    },
    async stop() {
      await stopChild(child, "SIGTERM");
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Whether a Redis server on `port` answers PING. */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("error", () => resolve(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      socket.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await exited;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * `describe` for tests that need the real PostgreSQL and Redis servers. Without their binaries
 * (a developer machine without Debian's packages) the suite is skipped, after the loud message
 * of {@link backendsMissing}; under CI a missing binary fails the run instead, so CI always
 * runs these tests. There is no other reason to skip them.
 */
export function describeWithBackends(name: string, suite: () => void): void {
  (backendsMissing() === undefined ? describe : describe.skip)(name, suite);
}
