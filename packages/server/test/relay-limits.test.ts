/**
 * Per-user and per-connection limits of the relay, against the real server: a user holds at
 * most `maxConnectionsPerUser` sockets (one more is closed with 4430 while the others carry
 * on), and an admitted socket that sends nothing within `silentMs` is closed with 4408, while
 * a stock client (which sends its sync step 1 at once) is never.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import * as Y from "yjs";
import { CloseCode } from "../src/relay/close-codes.js";
import { connectProvider, startTestServer, type TestServer, waitFor } from "./helpers.js";

const ORG = "00D000000000001AAA";
const USER = "005000000000009AAA";
const ROOM = `book:${ORG}:${USER}`;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ limits: { maxConnectionsPerUser: 2, silentMs: 300 } });
});
afterAll(async () => {
  await t.close();
});

/** Opens a raw socket to the user's room; resolves with its close code. */
async function rawSocket(): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ticket = await t.ticket(ORG, USER);
  const ws = new WebSocket(`${t.server.url.replace(/^http/, "ws")}/sync/${ROOM}?ticket=${ticket}`);
  ws.on("error", () => undefined);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  return { ws, closed };
}

describe("relay limits", () => {
  it("closes a user's connection beyond the cap with 4430 and keeps the others", async () => {
    const docs = [new Y.Doc(), new Y.Doc()];
    const providers = await Promise.all(
      docs.map(async (d) => connectProvider(t.server.url, ROOM, d, await t.ticket(ORG, USER))),
    );
    await waitFor(() => providers.every((p) => p.synced), "two devices synced");
    const third = await rawSocket();
    expect(await third.closed).toBe(CloseCode.tooManyConnections);
    // The two devices still sync with each other.
    docs[0]?.getMap("interactions").set("x1", { id: "x1", email: "a@b.example" });
    await waitFor(() => docs[1]?.getMap("interactions").has("x1") === true, "edit reached the other device");
    for (const p of providers) p.destroy();
    await waitFor(() => t.server.relay.connectionCount === 0, "devices gone");
  });

  it("closes an admitted socket that sends nothing with 4408, not a stock client that stays idle", async () => {
    const doc = new Y.Doc();
    const idle = connectProvider(t.server.url, ROOM, doc, await t.ticket(ORG, USER));
    await waitFor(() => idle.synced, "stock client synced");
    const silent = await rawSocket();
    expect(await silent.closed).toBe(CloseCode.silent);
    await new Promise((r) => setTimeout(r, 400));
    expect(idle.wsconnected).toBe(true);
    idle.destroy();
  });
});
