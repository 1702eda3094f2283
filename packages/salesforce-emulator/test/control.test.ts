/**
 * Conformance: the control API of this package's README — stats counted as the org counts API usage,
 * faults for the next N matching calls, clock advance, the daily limit — seen through jsforce
 * (reference §0.4, §2.7, §2.8, §5.1).
 */
import type { Connection } from "jsforce";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { caught, connectAs, loadJsforce, raw } from "./helpers.js";

let sf: Emulator;
let conn: Connection;
let jsforce: Awaited<ReturnType<typeof loadJsforce>>;

beforeAll(async () => {
  jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "control" });
  conn = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
});
afterEach(async () => {
  await raw(`${sf.url}/_emulator/faults`, { method: "DELETE" });
});
afterAll(async () => {
  await sf.close();
});

async function control(path: string, body?: unknown, method = "POST") {
  return raw(`${sf.url}/_emulator${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

describe("stats", () => {
  it("counts data API calls per route; OAuth, versions and control calls do not count", async () => {
    await control("/stats/reset");
    await conn.query("SELECT Id FROM Account LIMIT 1");
    await conn.sobject("Task").create({ Subject: "Counted" });
    await raw(`${sf.url}/services/data`);
    await raw(`${sf.url}/services/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=password&client_id=${sf.clientId}&client_secret=${sf.clientSecret}&username=${sf.users[0]?.username}&password=${sf.users[0]?.password}`,
    });
    const stats = await control("/stats", undefined, "GET");
    expect(stats.body).toMatchObject({
      apiCalls: { total: 2, byRoute: { "GET /query": 1, "POST /sobjects/Task": 1 } },
    });
  });
});

describe("faults (the package README)", () => {
  it("REQUEST_LIMIT_EXCEEDED answers 403 as Salesforce does, for exactly `count` matching calls", async () => {
    const added = await control("/faults", {
      match: { method: "POST", path: "/sobjects/Task$" },
      kind: "REQUEST_LIMIT_EXCEEDED",
      count: 2,
    });
    expect(added.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const error = await caught(conn.sobject("Task").create({ Subject: "limited" }));
      expect(error.errorCode).toBe("REQUEST_LIMIT_EXCEEDED");
    }
    // GETs did not match; the third POST passes
    await conn.query("SELECT Id FROM Task LIMIT 1");
    expect((await conn.sobject("Task").create({ Subject: "after" })).success).toBe(true);
  });

  it("UNABLE_TO_LOCK_ROW fails each collection item with statusCode and stores nothing; single PATCH answers 400", async () => {
    const before = (await conn.query("SELECT count() FROM Task")).totalSize;
    await control("/faults", { match: { path: "/composite/sobjects" }, kind: "UNABLE_TO_LOCK_ROW", count: 1 });
    const res = await conn.sobject("Task").create([{ Subject: "L1" }, { Subject: "L2" }]);
    expect(res.map((r) => (r.success ? "ok" : r.errors[0]))).toEqual([
      expect.objectContaining({ statusCode: "UNABLE_TO_LOCK_ROW" }),
      expect.objectContaining({ statusCode: "UNABLE_TO_LOCK_ROW" }),
    ]);
    expect((await conn.query("SELECT count() FROM Task")).totalSize).toBe(before);
    const id = String((await conn.sobject("Task").create({ Subject: "lock me" })).id);
    await control("/faults", { match: { method: "PATCH" }, kind: "UNABLE_TO_LOCK_ROW" });
    const error = await caught(conn.sobject("Task").update({ Id: id, Subject: "changed" }));
    expect(error.errorCode).toBe("UNABLE_TO_LOCK_ROW");
  });

  it("INVALID_SESSION_ID makes jsforce refresh its token and retry (§1.6)", async () => {
    let refreshed = 0;
    conn.on("refresh", () => {
      refreshed++;
    });
    await control("/faults", { match: { path: "/query" }, kind: "INVALID_SESSION_ID", count: 1 });
    const res = await conn.query("SELECT Id FROM Account LIMIT 1");
    expect(res.records).toHaveLength(1);
    expect(refreshed).toBe(1);
  });

  it("drop-after-commit commits the write, then drops the connection with no response", async () => {
    sf.control.addFault({ match: { method: "POST", path: "/sobjects/Task$" }, kind: "drop-after-commit" });
    const error = await caught(conn.sobject("Task").create({ Subject: "Committed but lost", CallObject: "drop-1" }));
    expect(error.message).toMatch(/socket hang up|ECONNRESET|closed/i);
    const found = await conn.query("SELECT Id FROM Task WHERE CallObject = 'drop-1'");
    expect(found.totalSize).toBe(1);
  });

  it("latency delays the matching call; SERVER_UNAVAILABLE answers 503 on a POST", async () => {
    sf.control.addFault({ match: { path: "/limits" }, kind: "latency", ms: 150 });
    const t0 = performance.now();
    await conn.limits();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    sf.control.addFault({ match: { method: "POST" }, kind: "SERVER_UNAVAILABLE" });
    const res = await raw(`${sf.url}/services/data/v60.0/sobjects/Task`, {
      method: "POST",
      token: conn.accessToken ?? "",
      body: JSON.stringify({ Subject: "x" }),
    });
    expect(res.status).toBe(503);
    expect(res.body).toEqual([
      { message: "Server unavailable, please try again later.", errorCode: "SERVER_UNAVAILABLE" },
    ]);
  });

  it("a bad fault spec is refused with 400", async () => {
    expect((await control("/faults", { kind: "nope" })).status).toBe(400);
    expect((await control("/faults", { kind: "latency", match: { path: "(" } })).status).toBe(400);
  });
});

describe("clock and daily limit", () => {
  it("advancing the clock moves record timestamps and date literals", async () => {
    const before = sf.control.now().getTime();
    const res = await control("/clock", { advanceMs: 86_400_000 });
    expect(Date.parse((res.body as { now: string }).now)).toBeGreaterThanOrEqual(before + 86_400_000);
    const t = await conn.sobject("Task").create({ Subject: "tomorrow" });
    const rec = await conn.sobject("Task").retrieve(String(t.id));
    expect(Date.parse(String(rec.CreatedDate).replace("+0000", "Z"))).toBeGreaterThanOrEqual(before + 86_400_000);
  });

  it("exceeding the daily API limit answers 403 REQUEST_LIMIT_EXCEEDED until the window rolls", async () => {
    const used = sf.control.stats().apiUsage.used;
    await control("/api-limit", { max: used + 1 });
    await conn.query("SELECT Id FROM Account LIMIT 1");
    const error = await caught(conn.query("SELECT Id FROM Account LIMIT 1"));
    expect(error.errorCode).toBe("REQUEST_LIMIT_EXCEEDED");
    sf.control.advanceClock(86_400_001);
    await conn.query("SELECT Id FROM Account LIMIT 1");
    expect(conn.limitInfo.apiUsage?.used).toBe(1);
    sf.control.setApiLimit(100_000);
  });
});

describe("control API off", () => {
  it("--no-control serves no /_emulator routes", async () => {
    const off = await createEmulator({ control: false });
    try {
      expect((await raw(`${off.url}/_emulator/stats`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
