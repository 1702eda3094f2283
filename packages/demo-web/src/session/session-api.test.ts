/**
 * `fetchStatus` against a real HTTP server on port 0 answering `GET /api/status` as the Tandem
 * server does (`push: null` without a change subscriber, the subscriber's state with one), and
 * `readPushState` on what it accepts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchStatus, readPushState } from "./session-api.js";

/** What the test server answers next: a status code and a body. */
let answer: { status: number; body: string } = { status: 200, body: "{}" };
let seenPath = "";
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((request, response) => {
    seenPath = request.url ?? "";
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(answer.body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

const live = { live: true, eventsHandled: 12, lastCommitAt: 1_765_000_000_000, lagMs: 900, lastError: null };

describe("fetchStatus", () => {
  it("returns the push state of /api/status, ignoring the other fields", async () => {
    answer = { status: 200, body: JSON.stringify({ room: "r", worker: {}, push: { ...live, role: "leader" } }) };
    expect(await fetchStatus(base)).toEqual({ kind: "ok", push: live });
    expect(seenPath).toBe("/api/status");
  });

  it("returns push null when the server has no change subscriber", async () => {
    answer = { status: 200, body: JSON.stringify({ room: "r", push: null }) };
    expect(await fetchStatus(base)).toEqual({ kind: "ok", push: null });
  });

  it("says signed-out on a 401, offline on another error or an unreadable answer", async () => {
    answer = { status: 401, body: JSON.stringify({ error: "unauthenticated" }) };
    expect(await fetchStatus(base)).toEqual({ kind: "signed-out" });
    answer = { status: 503, body: "{}" };
    expect(await fetchStatus(base)).toMatchObject({ kind: "offline", reason: "server answered 503" });
    answer = { status: 200, body: "not json" };
    expect(await fetchStatus(base)).toMatchObject({ kind: "offline" });
    answer = { status: 200, body: JSON.stringify({ room: "r" }) };
    expect(await fetchStatus(base)).toMatchObject({ kind: "offline", reason: "unexpected /api/status answer" });
  });

  it("says offline, without throwing, when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    expect(await fetchStatus(`http://127.0.0.1:${port}`)).toMatchObject({ kind: "offline" });
  });
});

describe("readPushState", () => {
  it("accepts null and a well-formed state with nulls before the first event", () => {
    expect(readPushState(null)).toBeNull();
    const fresh = { live: false, eventsHandled: 0, lastCommitAt: null, lagMs: null, lastError: "handshake failed" };
    expect(readPushState(fresh)).toEqual(fresh);
  });

  it("rejects a missing or malformed state", () => {
    expect(readPushState(undefined)).toBeUndefined();
    expect(readPushState("live")).toBeUndefined();
    expect(readPushState({ ...live, live: "yes" })).toBeUndefined();
    expect(readPushState({ ...live, lagMs: "900" })).toBeUndefined();
    expect(readPushState({ ...live, eventsHandled: Number.NaN })).toBeUndefined();
    expect(readPushState({ ...live, lastError: 3 })).toBeUndefined();
  });
});
