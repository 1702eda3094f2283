/**
 * Interop: stock y-websocket 3.1.0 providers (Node, `ws`, no BroadcastChannel) converge
 * through the relay under random edits, disconnects and reconnects; an offline client
 * catches up when it reconnects. Devices write only what the relay's write check lets them
 * (docs/protocol.md §7): interactions (set, overwritten and deleted concurrently) and new
 * intents (each key written once per room).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { connectProvider, startTestServer, type TestServer, waitFor } from "./helpers.js";

const ORG = "00D000000000001AAA";
const USER = "005000000000001AAA";
const ROOM = `book:${ORG}:${USER}`;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ idleGraceMs: 50 });
});
afterAll(async () => {
  await t.close();
});

interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

async function client(): Promise<Client> {
  const doc = new Y.Doc();
  const provider = connectProvider(t.server.url, ROOM, doc, await t.ticket(ORG, USER));
  return { doc, provider };
}

async function reconnect(c: Client): Promise<void> {
  c.provider.params = { ticket: await t.ticket(ORG, USER) };
  c.provider.connect();
}

/** A book-valid interaction (docs/protocol.md §2.2) whose `id` is its key. */
function interaction(id: string, subject: string): Record<string, string> {
  return { id, email: `${id}@example.com`, kind: "email", at: "2025-01-02T03:04:05.000Z", source: "test", subject };
}

/** A map's entries sorted by key, comparable across replicas. */
function sortedEntries(map: Y.Map<unknown>): [string, unknown][] {
  const json = map.toJSON();
  return Object.keys(json)
    .sort()
    .map((k) => [k, json[k]]);
}

/** A canonical rendering of the edited maps, comparable across replicas. */
function snapshot(doc: Y.Doc): string {
  return JSON.stringify({
    interactions: sortedEntries(doc.getMap("interactions")),
    intents: sortedEntries(doc.getMap("intents")),
  });
}

/**
 * One random edit: overwrite one of ten interactions (two in five), delete one (one in five),
 * or add an intent (two in five). `tag` is unique per edit within the room, so each intent
 * key is new, as the relay requires.
 */
function randomEdit(doc: Y.Doc, rnd: () => number, tag: string): void {
  const k = Math.floor(rnd() * 5);
  const interactions = doc.getMap("interactions");
  doc.transact(() => {
    const id = `x${Math.floor(rnd() * 10)}`;
    if (k <= 1) interactions.set(id, interaction(id, `${tag}-${Math.floor(rnd() * 1000)}`));
    else if (k === 2) interactions.delete(id);
    else doc.getMap("intents").set(`i-${tag}`, { id: `i-${tag}`, kind: "test", n: Math.floor(rnd() * 100) });
  });
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

async function converge(clients: Client[]): Promise<void> {
  await waitFor(() => {
    const first = snapshot(clients[0]?.doc ?? new Y.Doc());
    return clients.every((c) => c.provider.synced && snapshot(c.doc) === first);
  }, "convergence");
}

async function scenario(n: number, seed: number): Promise<void> {
  const rnd = mulberry32(seed);
  const clients: Client[] = [];
  for (let i = 0; i < n; i++) clients.push(await client());
  await waitFor(() => clients.every((c) => c.provider.synced), "initial sync");
  for (let round = 0; round < 6; round++) {
    for (let e = 0; e < 20; e++) {
      const c = clients[Math.floor(rnd() * n)];
      if (c) randomEdit(c.doc, rnd, `s${seed}-c${round}-${e}`);
    }
    // Drop one client, let it edit offline, then bring it back with a fresh ticket.
    const off = clients[Math.floor(rnd() * n)];
    if (off) {
      off.provider.disconnect();
      for (let e = 0; e < 5; e++) randomEdit(off.doc, rnd, `s${seed}-off${round}-${e}`);
      for (let e = 0; e < 5; e++) {
        const other = clients[Math.floor(rnd() * n)];
        if (other && other !== off) randomEdit(other.doc, rnd, `s${seed}-on${round}-${e}`);
      }
      await new Promise((r) => setTimeout(r, 20));
      await reconnect(off);
    }
    await converge(clients);
  }
  // Every edit was one the relay accepts: convergence here is not a refused writer's loss.
  expect(t.logger.entries.filter((e) => e.event === "relay.write_refused")).toEqual([]);
  const final = snapshot(clients[0]?.doc ?? new Y.Doc());
  for (const c of clients) {
    expect(snapshot(c.doc)).toEqual(final);
    c.provider.destroy();
  }
  // A newcomer loads everything from the relay.
  const late = await client();
  await waitFor(() => late.provider.synced, "late sync");
  await waitFor(() => snapshot(late.doc) === final, "late client catch-up");
  late.provider.destroy();
}

describe("stock y-websocket clients", () => {
  it("two clients converge under random edits, disconnects and reconnects", async () => {
    await scenario(2, 1);
  });

  it("five clients converge under random edits, disconnects and reconnects", async () => {
    await scenario(5, 2);
  });

  it("an offline client catches up on everything it missed when it reconnects", async () => {
    const a = await client();
    const b = await client();
    await waitFor(() => a.provider.synced && b.provider.synced, "sync");
    b.provider.disconnect();
    // Keys of their own: the room already holds the interactions of the scenarios above.
    const missed = (doc: Y.Doc): [string, unknown][] =>
      sortedEntries(doc.getMap("interactions")).filter(([k]) => k.startsWith("offline-"));
    for (let i = 0; i < 50; i++) a.doc.getMap("interactions").set(`offline-${i}`, interaction(`offline-${i}`, `${i}`));
    await waitFor(() => {
      const room = t.server.rooms.get(ROOM);
      return t.server.metrics.updatesCommitted > 0 && room !== undefined && missed(room.doc).length === 50;
    }, "relay has edits");
    await reconnect(b);
    await waitFor(() => missed(b.doc).length === 50, "offline client caught up");
    expect(missed(b.doc)).toEqual(missed(a.doc));
    a.provider.destroy();
    b.provider.destroy();
  });

  it("delivers server-side writes made through a room lease to connected clients, durably", async () => {
    const a = await client();
    await waitFor(() => a.provider.synced, "sync");
    const lease = await t.server.rooms.lease(ROOM);
    lease.doc.transact(() => lease.doc.getMap("meta").set("schemaVersion", 1), "salesforce");
    await waitFor(() => a.doc.getMap("meta").get("schemaVersion") === 1, "lease write delivered");
    lease.release();
    const replay = new Y.Doc();
    for (const u of (await t.store.loadRoom(ROOM)).updates) Y.applyUpdate(replay, u);
    expect(replay.getMap("meta").get("schemaVersion")).toBe(1);
    a.provider.destroy();
  });

  it("relays awareness between clients and removes a client's state when it leaves", async () => {
    const a = await client();
    const b = await client();
    a.provider.awareness.setLocalStateField("user", { color: "red" });
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID) !== undefined, "awareness relayed");
    expect(b.provider.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { color: "red" } });
    a.provider.destroy();
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), "awareness removed");
    b.provider.destroy();
  });
});
