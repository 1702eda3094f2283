/**
 * Process-level: `--data FILE` keeps the org across restarts with atomic writes, and the
 * `tandem-emulator` CLI prints one ready line, rejects bad flags with exit 2 and stops cleanly
 * on SIGTERM (this package's README, issue 3 §1 and §9).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, DataFileError } from "../src/index.js";
import { connectAs, loadJsforce, raw } from "./helpers.js";

/** The `tandem-emulator` CLI from its sources, in one process (the bin is its compiled form). */
const cli = [
  "--conditions=@tandem/source",
  "--import",
  "tsx",
  fileURLToPath(new URL("../src/cli.ts", import.meta.url)),
];
let dir: string;
let jsforce: Awaited<ReturnType<typeof loadJsforce>>;

beforeAll(async () => {
  jsforce = await loadJsforce();
  dir = mkdtempSync(join(tmpdir(), "sf-emulator-"));
});
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

describe("persistence (--data FILE)", () => {
  it("keeps records, ids, deletions and refresh tokens across restarts; leaves no temp files", async () => {
    const file = join(dir, "org.json");
    const first = await createEmulator({ seed: "persist", dataFile: file });
    const conn = connectAs(jsforce, first, first.users[0]?.username ?? "");
    const created = await conn.sobject("Task").create({ Subject: "Survives restarts", CallObject: "persist-1" });
    const doomed = await conn.sobject("Account").create({ Name: "Doomed" });
    await conn.sobject("Account").destroy(String(doomed.id));
    const refreshToken = conn.refreshToken;
    // every acknowledged write is already in the journal, before close
    expect(readFileSync(`${file}.journal`, "utf8")).toContain("persist-1");
    await first.close();
    expect(readdirSync(dir).sort()).toEqual(["org.json", "org.json.journal"]);
    expect(readFileSync(`${file}.journal`, "utf8")).toBe("");

    const second = await createEmulator({ seed: "ignored-when-file-exists", dataFile: file });
    try {
      expect(second.orgId).toBe(first.orgId);
      expect(second.users).toEqual(first.users);
      expect(second.clientId).toBe(first.clientId);
      const conn2 = connectAs(jsforce, second, second.users[0]?.username ?? "");
      const found = await conn2.query<{ Id: string }>("SELECT Id FROM Task WHERE CallObject = 'persist-1'");
      expect(found.records.map((r) => r.Id)).toEqual([created.id]);
      const deleted = await conn2.query(`SELECT Id FROM Account WHERE Id = '${doomed.id}'`, { scanAll: true } as never);
      expect(deleted.totalSize).toBe(1);
      const next = await conn2.sobject("Task").create({ Subject: "new id" });
      expect(next.id).not.toBe(created.id);
      const refreshed = await raw(`${second.url}/services/oauth2/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          client_id: second.clientId,
          refresh_token: refreshToken ?? "",
        }).toString(),
      });
      expect(refreshed.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it("replays the journal after a crash (no close) and ignores a torn last line", async () => {
    const file = join(dir, "crash.json");
    const first = await createEmulator({ seed: "crash", dataFile: file });
    const conn = connectAs(jsforce, first, first.users[0]?.username ?? "");
    const a = await conn.sobject("Account").create({ Name: "Journaled Ltd." });
    await conn.sobject("Account").update({ Id: String(a.id), Phone: "(415) 555-0142" });
    // simulate a crash: copy the files as they are now, then append half a line
    const crashed = join(dir, "crashed.json");
    writeFileSync(crashed, readFileSync(file));
    writeFileSync(`${crashed}.journal`, `${readFileSync(`${file}.journal`, "utf8")}{"records":[{"o":"Acc`);
    await first.close();
    const second = await createEmulator({ dataFile: crashed });
    try {
      const conn2 = connectAs(jsforce, second, second.users[0]?.username ?? "");
      const rec = await conn2.sobject("Account").retrieve(String(a.id));
      expect([rec.Name, rec.Phone]).toEqual(["Journaled Ltd.", "(415) 555-0142"]);
    } finally {
      await second.close();
    }
  });

  it("refuses a file that is not an emulator data file, without touching it", async () => {
    const file = join(dir, "garbage.json");
    writeFileSync(file, "{ not json");
    await expect(createEmulator({ dataFile: file })).rejects.toBeInstanceOf(DataFileError);
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });
});

function startCli(args: string[]): {
  child: ChildProcess;
  firstLine: Promise<string>;
  exit: Promise<number | null>;
  stderr: () => string;
} {
  const child = spawn(process.execPath, [...cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on("exit", () => reject(new Error(`exited before ready: ${err}`)));
  });
  firstLine.catch(() => undefined);
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, firstLine, exit, stderr: () => err };
}

describe("CLI", () => {
  it("prints exactly one ready JSON line, serves the org, and exits 0 on SIGTERM", async () => {
    const cli = startCli(["--port", "0", "--seed", "cli", "--dataset", "small"]);
    const ready = JSON.parse(await cli.firstLine) as {
      url: string;
      clientId: string;
      clientSecret: string;
      users: { id: string; username: string; password: string; name: string }[];
    };
    expect(Object.keys(ready)).toEqual(["url", "clientId", "clientSecret", "users"]);
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.users).toHaveLength(4); // three sales reps and the administrator
    expect(Object.keys(ready.users[0] ?? {})).toEqual(["id", "username", "password", "name"]);
    const token = await raw(`${ready.url}/services/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: ready.clientId,
        client_secret: ready.clientSecret,
        username: ready.users[0]?.username ?? "",
        password: ready.users[0]?.password ?? "",
      }).toString(),
    });
    expect(token.status).toBe(200);
    cli.child.kill("SIGTERM");
    expect(await cli.exit).toBe(0);
  }, 90_000);

  it("a bad flag exits 2 with a message and the usage line", async () => {
    const cli = startCli(["--dataset", "huge"]);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toMatch(/tandem-emulator: .+\nusage: tandem-emulator/);
  }, 90_000);
});
