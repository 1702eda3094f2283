/**
 * Hostile input: a corpus of malformed frames built from real y-protocols messages
 * (truncated at every length, bogus varints, wrong types, trailing bytes, oversized, forged
 * counts in the spirit of yjs #687), an awareness flood and a slow-loris upgrade. Each bad
 * socket is closed alone with its reason; the process, the room and an honest client carry on
 * and the stored log still replays to the honest client's document.
 */
import { connect } from "node:net";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { CloseCode } from "../src/relay/close-codes.js";
import { connectProvider, startTestServer, type TestServer, waitFor } from "./helpers.js";

const ORG = "00D000000000001AAA";
const USER = "005000000000001AAA";
const ROOM = `book:${ORG}:${USER}`;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ authDeadlineMs: 400, limits: { maxAwarenessStateBytes: 1024 } });
});
afterAll(async () => {
  await t.close();
});

function msg(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

/** A book-valid interaction (docs/protocol.md §2.2) whose `id` is its key. */
function interaction(id: string, subject: string): Record<string, string> {
  return { id, email: "ada@example.com", kind: "email", at: "2025-01-02T03:04:05.000Z", source: "test", subject };
}

/**
 * Real messages a stock client sends, writing only what the relay accepts from a device (an
 * interaction, overwritten, and a new intent), so that each truncation below is refused for
 * being malformed, not for what it writes.
 */
function realMessages(): Record<string, Uint8Array> {
  const doc = new Y.Doc();
  doc.getMap("interactions").set("real-x", interaction("real-x", "hello"));
  doc.getMap("interactions").set("real-x", interaction("real-x", "hello world"));
  doc.getMap("intents").set("real-i", {
    id: "real-i",
    kind: "logActivity",
    at: "2025-01-02T03:04:05.000Z",
    hlc: "00000lx2abc0-0000-test",
    device: "test",
    opportunityId: null,
    contactId: "003000000000001AAA",
    activity: { type: "call", subject: "hello world", durationSeconds: 90, occurredAt: "2025-01-02T03:04:05.000Z" },
  });
  const update = Y.encodeStateAsUpdate(doc);
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState({ user: { name: "x", color: "#fff" } });
  return {
    step1: msg((e) => {
      encoding.writeVarUint(e, 0);
      syncProtocol.writeSyncStep1(e, doc);
    }),
    step2: msg((e) => {
      encoding.writeVarUint(e, 0);
      syncProtocol.writeSyncStep2(e, doc);
    }),
    update: msg((e) => {
      encoding.writeVarUint(e, 0);
      syncProtocol.writeUpdate(e, update);
    }),
    awareness: msg((e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
    }),
  };
}

/** Opens an authorized raw socket and waits for the server's first message. */
async function openRaw(): Promise<WebSocket> {
  const ticket = await t.ticket(ORG, USER);
  const ws = new WebSocket(`${t.server.url.replace(/^http/, "ws")}/sync/${ROOM}?ticket=${ticket}`);
  await new Promise<void>((resolve, reject) => {
    ws.once("message", () => resolve());
    ws.once("error", reject);
  });
  return ws;
}

async function sendAndClose(frame: Uint8Array | string): Promise<number> {
  const ws = await openRaw();
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  ws.on("error", () => undefined);
  ws.send(frame);
  return closed;
}

function corpus(): { name: string; frame: Uint8Array | string; code: number }[] {
  const real = realMessages();
  const out: { name: string; frame: Uint8Array | string; code: number }[] = [];
  for (const [name, bytes] of Object.entries(real)) {
    for (let len = 0; len < bytes.length; len += Math.max(1, Math.floor(bytes.length / 12))) {
      out.push({ name: `${name} truncated to ${len}`, frame: bytes.slice(0, len), code: CloseCode.malformedFrame });
    }
    out.push({ name: `${name} + trailing byte`, frame: new Uint8Array([...bytes, 0]), code: CloseCode.malformedFrame });
  }
  const updatePayload = (payload: number[]): Uint8Array =>
    msg((e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint8Array(e, new Uint8Array(payload));
    });
  out.push(
    {
      name: "bogus varint (10 continuation bytes)",
      frame: new Uint8Array(Array(10).fill(0xff)),
      code: CloseCode.malformedFrame,
    },
    { name: "unknown message type 7", frame: new Uint8Array([7]), code: CloseCode.unknownMessageType },
    { name: "auth message from a client", frame: new Uint8Array([2, 0]), code: CloseCode.unknownMessageType },
    { name: "unknown sync type 5", frame: new Uint8Array([0, 5, 0]), code: CloseCode.unknownMessageType },
    { name: "text frame", frame: "hello", code: CloseCode.malformedFrame },
    // A forged struct count far beyond the bytes that follow (yjs #687 class).
    {
      name: "update claiming 2^28 client groups",
      frame: updatePayload([0x80, 0x80, 0x80, 0x80, 0x01, 0, 0]),
      code: CloseCode.malformedFrame,
    },
    // One group, one item with ContentAny claiming 2^21 values, then nothing.
    {
      name: "ContentAny with forged length",
      frame: updatePayload([1, 1, 5, 0, 0x08, 1, 1, 0x6b, 0x80, 0x80, 0x01]),
      code: CloseCode.malformedFrame,
    },
    { name: "unknown content ref 17", frame: updatePayload([1, 1, 5, 0, 0x11, 0, 0]), code: CloseCode.malformedFrame },
    {
      name: "bad JSON in ContentJSON",
      frame: updatePayload([1, 1, 5, 0, 0x02, 1, 1, 0x6b, 1, 1, 0x7b, 0, 0]),
      code: CloseCode.malformedFrame,
    },
    { name: "oversized frame (1 MiB + 1)", frame: new Uint8Array(1024 * 1024 + 1), code: CloseCode.frameTooLarge },
  );
  const bigState = JSON.stringify({ blob: "x".repeat(2000) });
  out.push({
    name: "awareness state over the limit",
    frame: msg((e) => {
      encoding.writeVarUint(e, 1);
      const inner = encoding.createEncoder();
      encoding.writeVarUint(inner, 1);
      encoding.writeVarUint(inner, 42);
      encoding.writeVarUint(inner, 1);
      encoding.writeVarString(inner, bigState);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
    }),
    code: CloseCode.awarenessTooLarge,
  });
  return out;
}

describe("hostile input", () => {
  it("closes each malformed frame's socket with its reason while an honest client keeps working", async () => {
    const honestDoc = new Y.Doc();
    const honest = connectProvider(t.server.url, ROOM, honestDoc, await t.ticket(ORG, USER));
    await waitFor(() => honest.synced, "honest client synced");
    const honestMap = honestDoc.getMap("interactions");
    // The untruncated real messages are accepted: the corpus is cut from valid writes.
    const real = realMessages();
    const whole = await openRaw();
    whole.send(real.step2 as Uint8Array);
    whole.send(real.update as Uint8Array);
    await waitFor(() => honestDoc.getMap("intents").has("real-i") && honestMap.has("real-x"), "real messages relayed");
    expect(whole.readyState).toBe(WebSocket.OPEN);
    whole.close();
    const cases = corpus();
    let edits = 0;
    for (const c of cases) {
      const id = `honest-${edits++}`;
      honestMap.set(id, interaction(id, c.name));
      const logged = t.logger.entries.length;
      const code = await sendAndClose(c.frame);
      // Refused as a bad frame, never by the write check (which would mean it decoded).
      const refused = t.logger.entries.slice(logged).filter((e) => e.event === "relay.write_refused");
      expect({ name: c.name, code, refused }).toEqual({ name: c.name, code: c.code, refused: [] });
    }
    expect(honest.wsconnected).toBe(true);
    expect((await fetch(`${t.server.url}/healthz`)).status).toBe(200);
    // Nothing malformed was stored: the log replays to exactly the honest client's document.
    await waitFor(() => t.server.rooms.get(ROOM)?.doc.getMap("interactions").size === honestMap.size, "honest edits");
    await t.server.rooms.flush();
    const replay = new Y.Doc();
    for (const u of (await t.store.loadRoom(ROOM)).updates) Y.applyUpdate(replay, u);
    expect(replay.getMap("interactions").toJSON()).toEqual(honestMap.toJSON());
    expect(replay.getMap("intents").toJSON()).toEqual(honestDoc.getMap("intents").toJSON());
    expect(Y.encodeStateVector(replay)).toEqual(Y.encodeStateVector(honestDoc));
    expect(t.logger.entries.filter((e) => e.event === "relay.frame_rejected").length).toBeGreaterThan(cases.length / 2);
    honest.destroy();
  });

  it("closes an awareness flood with 4429 and bounds the awareness entries one socket may own", async () => {
    const watcherDoc = new Y.Doc();
    const watcher = connectProvider(t.server.url, ROOM, watcherDoc, await t.ticket(ORG, USER));
    await waitFor(() => watcher.synced, "watcher synced");
    const ws = await openRaw();
    ws.on("error", () => undefined);
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    for (let i = 0; i < 3000 && ws.readyState === WebSocket.OPEN; i++) {
      const inner = msg((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 100_000 + i); // a new client id each time
        encoding.writeVarUint(e, 1);
        encoding.writeVarString(e, JSON.stringify({ i }));
      });
      ws.send(
        msg((e) => {
          encoding.writeVarUint(e, 1);
          encoding.writeVarUint8Array(e, inner);
        }),
      );
    }
    expect(await closed).toBe(CloseCode.rateLimited);
    // The flooder owned at most 8 ids; they are removed when it is closed.
    const flooded = (): number[] =>
      [...watcher.awareness.getStates().keys()].filter((id) => id >= 100_000 && id < 103_000);
    await waitFor(() => flooded().length === 0, "flood states removed");
    expect(watcher.wsconnected).toBe(true);
    watcher.destroy();
  });

  it("survives a refused socket that breaks the websocket protocol before its close completes", async () => {
    const { port } = new URL(t.server.url);
    // An upgrade without a ticket (refused: closed by the server at once), followed in the same
    // write by an unmasked client frame, which `ws` reports as a protocol error on that socket.
    const raw = connect(Number(port), "127.0.0.1");
    raw.on("error", () => undefined);
    const received: Buffer[] = [];
    raw.on("data", (b: Buffer) => received.push(b));
    const ended = new Promise<void>((resolve) => raw.once("close", () => resolve()));
    raw.write(
      `GET /sync/${ROOM} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    raw.write(Buffer.from([0x82, 0x03, 1, 2, 3, 0x82, 0x03, 1, 2, 3]));
    await ended;
    expect(Buffer.concat(received).toString("latin1")).toContain("101 Switching Protocols");
    // The process is up and an honest client still syncs.
    const doc = new Y.Doc();
    const p = connectProvider(t.server.url, ROOM, doc, await t.ticket(ORG, USER));
    await waitFor(() => p.synced, "honest client connects after the refused socket");
    p.destroy();
  });

  it("drops slow-loris upgrades at the header deadline while others connect", async () => {
    const { port } = new URL(t.server.url);
    const sockets = Array.from({ length: 30 }, () => {
      const s = connect(Number(port), "127.0.0.1");
      s.on("error", () => undefined);
      s.write(`GET /sync/${ROOM} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`);
      return s;
    });
    const drip = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write("X-A: b\r\n");
    }, 50);
    const doc = new Y.Doc();
    const p = connectProvider(t.server.url, ROOM, doc, await t.ticket(ORG, USER));
    await waitFor(() => p.synced, "honest client connects during the attack");
    await waitFor(() => sockets.every((s) => s.destroyed || s.readableEnded), "slow-loris sockets dropped", 15_000);
    clearInterval(drip);
    for (const s of sockets) s.destroy();
    p.destroy();
  });
});
