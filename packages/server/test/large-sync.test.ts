/**
 * A device joining a large room: its initial sync (sync step 2, larger than the slow-consumer
 * limit) must reach it whole even while the room is busy and the device's link is slow, and
 * the slow-consumer limit must still close a device that falls behind beyond that answer.
 */
import * as decoding from "lib0/decoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import * as Y from "yjs";
import { connectProvider, startTestServer, type TestServer, waitFor } from "./helpers.js";

const ORG = "00D000000000001AAA";
const USER = "005000000000000LRG";
const ROOM = `book:${ORG}:${USER}`;
/** The relay's slow-consumer limit in this test (bytes buffered for one socket). */
const LIMIT = 4 * 1024 * 1024;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ limits: { maxBufferedBytes: LIMIT } });
  // A room document three times the limit, written server-side (as a first sync does).
  const lease = await t.server.rooms.lease(ROOM);
  lease.doc.getText("t").insert(0, "x".repeat(3 * LIMIT));
  await t.server.rooms.flush();
  lease.release();
});
afterAll(async () => {
  await t.close();
});

/** A raw client that holds its reads while `paused`, and counts the server's update messages. */
async function join(): Promise<{ ws: WebSocket; doc: Y.Doc; closed: () => number | undefined; updates: () => number }> {
  const ticket = await t.ticket(ORG, USER);
  const ws = new WebSocket(`${t.server.url.replace(/^http/, "ws")}/sync/${ROOM}?ticket=${ticket}`);
  const doc = new Y.Doc();
  let code: number | undefined;
  let updates = 0;
  ws.on("close", (c) => {
    code = c;
  });
  ws.on("message", (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(d) !== 0) return;
    const sub = decoding.readVarUint(d);
    if (sub === 0) return;
    Y.applyUpdate(doc, decoding.readVarUint8Array(d));
    if (sub === 2) updates++;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, doc, closed: () => code, updates: () => updates };
}

describe("a device joining a large room", () => {
  it("gets the whole initial sync over a slow link while the room is busy", async () => {
    const device = await join();
    // A slow link: the device reads nothing for a while.
    device.ws.pause();
    // Its sync step 1 (an empty state vector) asks for everything.
    device.ws.send(new Uint8Array([0, 0, 1, 0]));
    await new Promise((r) => setTimeout(r, 300));
    // The room is busy meanwhile: a server-side write is broadcast to the device too.
    const lease = await t.server.rooms.lease(ROOM);
    lease.doc.getMap("m").set("busy", true);
    await t.server.rooms.flush();
    lease.release();
    await new Promise((r) => setTimeout(r, 100));
    device.ws.resume();
    await waitFor(() => device.doc.getMap("m").get("busy") === true || device.closed() !== undefined, "sync");
    expect(device.closed()).toBeUndefined();
    expect(device.doc.getText("t").length).toBe(3 * LIMIT);
    device.ws.close();
  });

  it("gets a large room's stored log as its answer, not an encode of the live document", async () => {
    const user = "005000000000000LOG";
    const room = `book:${ORG}:${user}`;
    // Four records: a 9 MiB first write (over the 8 MiB off-thread threshold), three edits.
    const lease = await t.server.rooms.lease(room);
    lease.doc.getText("t").insert(0, "z".repeat(9 * 1024 * 1024));
    await t.server.rooms.flush();
    for (const k of ["a", "b", "c"]) {
      lease.doc.getMap("m").set(k, k);
      await t.server.rooms.flush();
    }
    const stored = (await t.store.loadRoom(room)).updates;
    expect(stored).toHaveLength(4);
    // A raw device: it gets step 2 with the first record, then the others as updates.
    const ticket = await t.ticket(ORG, user);
    const ws = new WebSocket(`${t.server.url.replace(/^http/, "ws")}/sync/${room}?ticket=${ticket}`);
    const got: { sub: number; update: number[] }[] = [];
    ws.on("message", (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(d) !== 0) return;
      const sub = decoding.readVarUint(d);
      if (sub !== 0) got.push({ sub, update: [...decoding.readVarUint8Array(d)] });
    });
    await new Promise<void>((resolve) => ws.once("open", () => resolve()));
    ws.send(new Uint8Array([0, 0, 1, 0]));
    await waitFor(() => got.length === 4, "the stored log");
    expect(got.map((g) => g.sub)).toEqual([1, 2, 2, 2]);
    expect(got.map((g) => g.update)).toEqual(stored.map((u) => [...u]));
    ws.close();
    // A stock provider with nothing syncs the whole room that way too.
    const doc = new Y.Doc();
    const provider = connectProvider(t.server.url, room, doc, await t.ticket(ORG, user));
    await waitFor(() => doc.getMap("m").get("c") === "c", "provider synced");
    expect(doc.getText("t").length).toBe(9 * 1024 * 1024);
    expect(provider.synced).toBe(true);
    provider.destroy();
    lease.release();
  });

  it("still closes a device that falls behind by more than the limit beyond its answer", async () => {
    const device = await join();
    device.ws.send(new Uint8Array([0, 0, 1, 0]));
    await waitFor(() => device.doc.getText("t").length === 3 * LIMIT, "initial sync");
    device.ws.pause();
    // Updates of 512 KiB each, 40 of them: 20 MiB, far more than the limit and what the
    // loopback socket buffers hold, while it reads nothing.
    const lease = await t.server.rooms.lease(ROOM);
    for (let i = 0; i < 40; i++) {
      lease.doc.getMap("big").set(`k${i}`, "y".repeat(512 * 1024));
      await t.server.rooms.flush();
    }
    lease.release();
    device.ws.resume();
    await waitFor(() => device.closed() !== undefined, "slow consumer closed");
    expect(device.closed()).toBe(4008);
  });
});
