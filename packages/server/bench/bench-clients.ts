/**
 * Benchmark client process: raw y-websocket protocol clients over `ws`, one harness for every
 * peer (Hocuspocus framing adds a document-name prefix and an auth message). Clients decode
 * every update they receive with `Y.decodeUpdate` (without applying it) to count deliveries
 * and read the writer's send timestamp; only writers hold a real Y.Doc.
 *
 * IPC: `connect` {peer, urls, rooms} → opens sockets and waits for initial sync;
 * `run` {writers, updates, intervalMs} → writers send, resolves with deliveries and latencies;
 * `close` → closes every socket.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { WebSocket } from "ws";
import * as Y from "yjs";

interface Client {
  ws: WebSocket;
  room: string;
  prefix: Uint8Array | undefined;
  synced: boolean;
  seen: Set<number>;
  writer: boolean;
}

let clients: Client[] = [];
let latencies: number[] = [];
let deliveries = 0;
let lastReceive = 0;
const now = (): number => performance.timeOrigin + performance.now();

function frame(c: Client, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  if (c.prefix) encoding.writeUint8Array(e, c.prefix);
  write(e);
  return encoding.toUint8Array(e);
}

function onMessage(c: Client, data: Buffer): void {
  const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (c.prefix) decoding.readVarString(d);
  const type = decoding.readVarUint(d);
  if (type !== 0) return;
  const sub = decoding.readVarUint(d);
  if (sub === 0) {
    // Server's step 1: answer with an empty step 2 (we hold nothing).
    c.ws.send(
      frame(c, (e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint8Array(e, new Uint8Array([0, 0]));
      }),
    );
    return;
  }
  const update = decoding.readVarUint8Array(d);
  if (sub === 1) c.synced = true;
  if (c.writer) return;
  const t = now();
  const { structs } = Y.decodeUpdate(update);
  for (const s of structs) {
    const content = (s as { content?: { arr?: unknown[] } }).content;
    const v = content?.arr?.[0] as { ts?: number; seq?: number } | undefined;
    if (v?.ts === undefined || v.seq === undefined || c.seen.has(v.seq)) continue;
    c.seen.add(v.seq);
    deliveries++;
    lastReceive = t;
    if (latencies.length < 2_000_000) latencies.push(t - v.ts);
  }
}

async function connect(peer: string, urls: string[], rooms: string[]): Promise<void> {
  const opened = urls.map(
    (url, i) =>
      new Promise<Client>((resolve, reject) => {
        const room = rooms[i] ?? "";
        const ws = new WebSocket(url, { perMessageDeflate: false });
        const prefix = peer === "hocuspocus" ? encoding.encode((e) => encoding.writeVarString(e, room)) : undefined;
        const c: Client = { ws, room, prefix, synced: false, seen: new Set(), writer: false };
        ws.on("message", (data: Buffer) => onMessage(c, data));
        ws.on("error", reject);
        ws.on("open", () => {
          if (prefix) {
            ws.send(
              frame(c, (e) => {
                encoding.writeVarUint(e, 2);
                encoding.writeVarUint(e, 0);
                encoding.writeVarString(e, "");
              }),
            );
          }
          ws.send(
            frame(c, (e) => {
              encoding.writeVarUint(e, 0);
              encoding.writeVarUint(e, 0);
              encoding.writeVarUint8Array(e, new Uint8Array([0]));
            }),
          );
          resolve(c);
        });
      }),
  );
  // Open in waves so the accept queue is not the thing measured.
  const out: Client[] = [];
  for (let i = 0; i < opened.length; i += 100) out.push(...(await Promise.all(opened.slice(i, i + 100))));
  clients.push(...out);
  const start = Date.now();
  while (!out.every((c) => c.synced)) {
    if (Date.now() - start > 60_000) throw new Error("clients did not sync");
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function run(writers: number[], updates: number, intervalMs: number, expected: number): Promise<unknown> {
  latencies = [];
  deliveries = 0;
  for (const c of clients) {
    c.seen.clear();
    c.writer = false;
  }
  for (const i of writers) {
    const c = clients[i];
    if (c) c.writer = true;
  }
  const docs = writers.map((i) => {
    const c = clients[i];
    if (!c) throw new Error("no such writer");
    const doc = new Y.Doc();
    doc.on("update", (u: Uint8Array) => {
      c.ws.send(
        frame(c, (e) => {
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, 2);
          encoding.writeVarUint8Array(e, u);
        }),
      );
    });
    return doc;
  });
  const started = now();
  let seq = 0;
  for (let u = 0; u < updates; u++) {
    for (const doc of docs) {
      const s = seq++;
      doc.getMap("m").set(`k${s}`, { ts: now(), seq: s });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const sendEnd = now();
  const deadline = Date.now() + 30_000;
  while (deliveries < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  latencies.sort((a, b) => a - b);
  const q = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return {
    deliveries,
    expected,
    seconds: (Math.max(lastReceive, sendEnd) - started) / 1000,
    p50: q(0.5),
    p99: q(0.99),
  };
}

process.on("message", (m: { id: number; cmd: string; [k: string]: unknown }) => {
  void (async () => {
    try {
      if (m.cmd === "connect") {
        await connect(m.peer as string, m.urls as string[], m.rooms as string[]);
        process.send?.({ id: m.id, ok: true });
      } else if (m.cmd === "run") {
        process.send?.({
          id: m.id,
          ...((await run(
            m.writers as number[],
            m.updates as number,
            m.intervalMs as number,
            m.expected as number,
          )) as object),
        });
      } else if (m.cmd === "close") {
        await Promise.all(
          clients.map(
            (c) =>
              new Promise<void>((resolve) => {
                if (c.ws.readyState === WebSocket.CLOSED) return resolve();
                c.ws.once("close", () => resolve());
                c.ws.close();
              }),
          ),
        );
        clients = [];
        process.send?.({ id: m.id, ok: true });
      }
    } catch (err) {
      process.send?.({ id: m.id, error: String(err) });
    }
  })();
});
process.send?.({ ready: true });
