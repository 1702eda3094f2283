/**
 * Isolation: a user can never join another user's room. Forged room, reused ticket, expired
 * ticket, unknown ticket, no ticket and a malformed room are each closed with their own code,
 * counted in /metrics, logged, and no document is loaded for them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { Clock } from "../src/clock.js";
import { CloseCode } from "../src/relay/close-codes.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { connectProvider, rawConnect, startTestServer, type TestServer, waitFor } from "./helpers.js";

const ORG = "00D000000000001AAA";
const ALICE = "005000000000001AAA";
const BOB = "005000000000002AAA";
const roomOf = (u: string): string => `book:${ORG}:${u}`;

let now = Date.now();
const clock: Clock = { now: () => now };
const loaded: string[] = [];
let t: TestServer;
let ws: string;

beforeAll(async () => {
  const inner = createMemoryStore();
  const store: Store = {
    ...inner,
    loadRoom: (room) => {
      loaded.push(room);
      return inner.loadRoom(room);
    },
  };
  t = await startTestServer({ store, clock });
  ws = `${t.server.url.replace(/^http/, "ws")}/sync`;
});
afterAll(async () => {
  await t.close();
});

describe("websocket admission", () => {
  it("closes a forged room (Alice's ticket, Bob's room) with 4403 and loads nothing", async () => {
    const ticket = await t.ticket(ORG, ALICE);
    const r = await rawConnect(`${ws}/${roomOf(BOB)}?ticket=${ticket}`);
    expect(r.code).toBe(CloseCode.forbiddenRoom);
    expect(r.messages).toBe(0);
    expect(loaded).not.toContain(roomOf(BOB));
    expect(t.server.rooms.get(roomOf(BOB))).toBeUndefined();
  });

  it("closes a room name that is not book:<org>:<user> of the ticket with 4403", async () => {
    const ticket = await t.ticket(ORG, ALICE);
    const r = await rawConnect(`${ws}/${encodeURIComponent(`${roomOf(ALICE)}:x`)}?ticket=${ticket}`);
    expect(r.code).toBe(CloseCode.forbiddenRoom);
  });

  it("closes a connection without a ticket with 4401", async () => {
    const r = await rawConnect(`${ws}/${roomOf(ALICE)}`);
    expect(r.code).toBe(CloseCode.noTicket);
  });

  it("closes an unknown (forged) ticket with 4404", async () => {
    const r = await rawConnect(`${ws}/${roomOf(ALICE)}?ticket=forged-ticket-value`);
    expect(r.code).toBe(CloseCode.unknownTicket);
  });

  it("admits a ticket once, then closes its reuse with 4409", async () => {
    const ticket = await t.ticket(ORG, ALICE);
    const doc = new Y.Doc();
    const provider = connectProvider(t.server.url, roomOf(ALICE), doc, ticket);
    await waitFor(() => provider.synced, "first use admitted");
    const r = await rawConnect(`${ws}/${roomOf(ALICE)}?ticket=${ticket}`);
    expect(r.code).toBe(CloseCode.ticketReused);
    provider.destroy();
  });

  it("closes an expired ticket with 4410", async () => {
    const ticket = await t.ticket(ORG, BOB);
    now += 31_000;
    const r = await rawConnect(`${ws}/${roomOf(BOB)}?ticket=${ticket}`);
    expect(r.code).toBe(CloseCode.ticketExpired);
    expect(loaded).not.toContain(roomOf(BOB));
  });

  it("closes a used ticket presented after its expiry with 4410, though the store forgot it", async () => {
    const ticket = await t.ticket(ORG, ALICE);
    const doc = new Y.Doc();
    const provider = connectProvider(t.server.url, roomOf(ALICE), doc, ticket);
    await waitFor(() => provider.synced, "first use admitted");
    provider.destroy();
    now += 31_000;
    expect((await rawConnect(`${ws}/${roomOf(ALICE)}?ticket=${ticket}`)).code).toBe(CloseCode.ticketExpired);
    // A forged value cannot claim a later expiry: its hash is unknown.
    const forged = `${(now + 60_000).toString(36)}${ticket.slice(ticket.indexOf("."))}`;
    expect((await rawConnect(`${ws}/${roomOf(ALICE)}?ticket=${forged}`)).code).toBe(CloseCode.unknownTicket);
  });

  it("closes a malformed room path with 4400", async () => {
    const r = await rawConnect(`${ws}/%E0%A4%A?ticket=x`);
    expect(r.code).toBe(CloseCode.badRequest);
  });

  it("counts and logs every refusal by reason, without the ticket value", async () => {
    const text = await (await fetch(`${t.server.url}/metrics`)).text();
    for (const reason of [
      "forbiddenRoom",
      "noTicket",
      "unknownTicket",
      "ticketReused",
      "ticketExpired",
      "badRequest",
    ]) {
      expect(text).toMatch(new RegExp(`tandem_rejected_connections_total\\{reason="${reason}"\\} [1-9]`));
    }
    const refusals = t.logger.entries.filter((e) => e.event === "relay.rejected");
    expect(refusals.length).toBeGreaterThanOrEqual(7);
    expect(JSON.stringify(refusals)).not.toContain("forged-ticket-value");
  });

  it("revokeUser closes that user's sockets with 4001 and leaves other users connected", async () => {
    const a = connectProvider(t.server.url, roomOf(ALICE), new Y.Doc(), await t.ticket(ORG, ALICE));
    const b = connectProvider(t.server.url, roomOf(BOB), new Y.Doc(), await t.ticket(ORG, BOB));
    const closes: number[] = [];
    a.on("connection-close", (e) => {
      if (e) closes.push(e.code);
    });
    await waitFor(() => a.synced && b.synced, "both synced");
    await t.server.revokeUser(ORG, ALICE);
    await waitFor(() => closes.includes(CloseCode.revoked), "alice closed");
    a.destroy();
    expect(b.wsconnected).toBe(true);
    b.destroy();
  });
});
