/**
 * Client process of the scale-out benchmark: raw y-websocket protocol clients over `ws`, as in
 * `bench-clients.ts` (Hocuspocus framing adds the document name and an auth message), each
 * tagged with the instance it is connected to. Writers hold a real Y.Doc and set one entry of
 * the `interactions` map per update, `{ id, ts, seq, w, pad }` (about 100 bytes of JSON; `id`
 * is the key, so Tandem's write check admits it). Readers decode what they receive without
 * applying it; identical bytes received by many readers are decoded once.
 *
 * A delivery is one new entry at one reader. Latency is recorded only for deliveries to a
 * reader on another instance than the entry's writer (with one instance: every reader), and
 * is the reader's clock minus the writer's (one process: one clock).
 *
 * IPC: `connect` {peer, urls, rooms, instances} → opens sockets, waits for the initial sync;
 * `paced` {writers, rounds, intervalMs} → every writer sets an entry every `intervalMs`,
 * resolves once every reader has every entry (or after 30 s); `saturateFor` {writers, window,
 * warmMs, measureMs, perWriter} → closed loop: `window` updates per writer in flight, each
 * until every reader has it, deliveries, messages and this process's CPU counted over
 * `measureMs` after `warmMs`; `close`;
 * `cpu` → this process's CPU time.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { WebSocket } from "ws";
import * as Y from "yjs";

interface Client {
  readonly ws: WebSocket;
  readonly prefix: Uint8Array | undefined;
  readonly instance: number;
  synced: boolean;
  /** This run's writer index, or -1 for a reader. */
  writer: number;
  /** Seqs of this run the client has counted. */
  readonly seen: Set<number>;
}

let clients: Client[] = [];
let instances = 1;
let dropped = 0;
let closing = false;
/** The instance of each writer of this run, by writer index. */
let writerInstance: number[] = [];
/** Seqs are unique across runs: every entry's key is new to the room (Tandem's check, no conflicts). */
let nextSeq = 0;
let runBase = 0;
let deliveries = 0;
/** Update messages readers received (one may carry several entries). */
let frames = 0;
const latencies = new Float64Array(2_000_000);
let latencyCount = 0;
/** Send time by seq in closed-loop runs (their updates are encoded before the clock starts). */
let sentAt: Map<number, number> | undefined;
let onDelivery: ((seq: number) => void) | undefined;
const now = (): number => performance.now();
/** Padding that brings an entry's JSON to about 100 bytes. */
const PAD = "x".repeat(48);

interface Entry {
  readonly ts: number;
  readonly seq: number;
  readonly w: number;
}
let decoded = new Map<number, { bytes: Buffer; entries: Entry[] }>();

function entriesOf(update: Uint8Array): Entry[] {
  const bytes = Buffer.from(update.buffer, update.byteOffset, update.byteLength);
  const hit = decoded.get(bytes.length);
  if (hit?.bytes.equals(bytes)) return hit.entries;
  const entries: Entry[] = [];
  for (const s of Y.decodeUpdate(update).structs) {
    const v = (s as { content?: { arr?: unknown[] } }).content?.arr?.[0] as Partial<Entry> | undefined;
    if (v?.ts !== undefined && v.seq !== undefined && v.w !== undefined) entries.push({ ts: v.ts, seq: v.seq, w: v.w });
  }
  decoded.set(bytes.length, { bytes: Buffer.from(bytes), entries });
  return entries;
}

function frame(c: Client, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  if (c.prefix) encoding.writeUint8Array(e, c.prefix);
  write(e);
  return encoding.toUint8Array(e);
}

function syncFrame(c: Client, sub: number, payload: Uint8Array): Uint8Array {
  return frame(c, (e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, sub);
    encoding.writeVarUint8Array(e, payload);
  });
}

function onMessage(c: Client, data: Buffer): void {
  const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (c.prefix) decoding.readVarString(d);
  if (decoding.readVarUint(d) !== 0) return;
  const sub = decoding.readVarUint(d);
  // The server's step 1: an empty step 2 (the client holds nothing it must send).
  if (sub === 0) return void c.ws.send(syncFrame(c, 1, new Uint8Array([0, 0])));
  const update = decoding.readVarUint8Array(d);
  if (sub === 1) c.synced = true;
  if (c.writer >= 0) return;
  frames++;
  const t = now();
  for (const v of entriesOf(update)) {
    if (v.seq < runBase || c.seen.has(v.seq)) continue;
    c.seen.add(v.seq);
    deliveries++;
    if (instances === 1 || writerInstance[v.w] !== c.instance) {
      const sent = sentAt ? (sentAt.get(v.seq) ?? t) : v.ts;
      if (latencyCount < latencies.length) latencies[latencyCount++] = t - sent;
    }
    onDelivery?.(v.seq);
  }
}

async function connect(peer: string, urls: string[], rooms: string[], of: number[]): Promise<void> {
  instances = new Set(of).size;
  const open = (url: string, i: number): Promise<Client> =>
    new Promise((resolve, reject) => {
      const room = rooms[i] ?? "";
      const prefix = peer === "hocuspocus" ? encoding.encode((e) => encoding.writeVarString(e, room)) : undefined;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const c: Client = { ws, prefix, instance: of[i] ?? 0, synced: false, writer: -1, seen: new Set() };
      ws.on("message", (data: Buffer) => onMessage(c, data));
      ws.on("error", reject);
      ws.on("close", () => {
        if (!closing) dropped++;
      });
      ws.on("open", () => {
        // Hocuspocus: an (empty) auth message first.
        if (prefix) {
          ws.send(
            frame(c, (e) => {
              encoding.writeVarUint(e, 2);
              encoding.writeVarUint(e, 0);
              encoding.writeVarString(e, "");
            }),
          );
        }
        ws.send(syncFrame(c, 0, new Uint8Array([0])));
        resolve(c);
      });
    });
  const out = await Promise.all(urls.map(open));
  clients.push(...out);
  const deadline = Date.now() + 60_000;
  while (!out.every((c) => c.synced)) {
    if (Date.now() > deadline) throw new Error("clients did not sync");
    await sleep(10);
  }
}

function cpuMicros(): number {
  const cpu = process.cpuUsage();
  return cpu.user + cpu.system;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function reset(writers: number[]): { readers: number } {
  decoded = new Map();
  runBase = nextSeq;
  deliveries = 0;
  frames = 0;
  latencyCount = 0;
  sentAt = undefined;
  onDelivery = undefined;
  for (const c of clients) {
    c.seen.clear();
    c.writer = -1;
  }
  writerInstance = writers.map((i, w) => {
    const c = clients[i];
    if (!c) throw new Error(`no client ${i}`);
    c.writer = w;
    return c.instance;
  });
  return { readers: clients.length - writers.length };
}

/** One writer's Y.Doc; every update it makes is sent as a y-websocket update message. */
function writerDoc(w: number, send: (frame: Uint8Array) => void): Y.Doc {
  const c = clients.find((x) => x.writer === w) as Client;
  const doc = new Y.Doc();
  doc.on("update", (u: Uint8Array) => send(syncFrame(c, 2, u)));
  return doc;
}

function setEntry(doc: Y.Doc, w: number, ts: number): number {
  const seq = nextSeq++;
  doc.getMap("interactions").set(`k${seq}`, { id: `k${seq}`, ts, seq, w, pad: PAD });
  return seq;
}

function summary(): Record<string, number> {
  const sorted = latencies.subarray(0, latencyCount).sort();
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { deliveries, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) };
}

async function paced(writers: number[], rounds: number, intervalMs: number): Promise<unknown> {
  const { readers } = reset(writers);
  const docs = writers.map((i, w) => writerDoc(w, (f) => clients[i]?.ws.send(f)));
  const started = now();
  for (let r = 0; r < rounds; r++) {
    for (const [w, doc] of docs.entries()) setEntry(doc, w, now());
    await sleep(intervalMs);
  }
  const expected = rounds * writers.length * readers;
  const deadline = Date.now() + 30_000;
  while (deliveries < expected && Date.now() < deadline) await sleep(5);
  return { ...summary(), expected, seconds: (now() - started) / 1000 };
}

async function saturateFor(
  writers: number[],
  window: number,
  warmMs: number,
  measureMs: number,
  perWriter: number,
): Promise<unknown> {
  const { readers } = reset(writers);
  const loops = writers.map((i, w) => {
    const frames: Uint8Array[] = [];
    const doc = writerDoc(w, (f) => frames.push(f));
    const seqs = Array.from({ length: perWriter }, () => setEntry(doc, w, 0));
    return { ws: (clients[i] as Client).ws, frames, seqs, next: 0 };
  });
  type Loop = (typeof loops)[number];
  const owner = new Map<number, Loop>();
  const waiting = new Map<number, number>();
  const sent = new Map<number, number>();
  let sending = true;
  const sendNext = (l: Loop): void => {
    const f = l.frames[l.next];
    const s = l.seqs[l.next];
    if (!sending || f === undefined || s === undefined) return;
    l.next++;
    owner.set(s, l);
    waiting.set(s, readers);
    sent.set(s, now());
    l.ws.send(f);
  };
  sentAt = sent;
  onDelivery = (s) => {
    const left = (waiting.get(s) ?? 0) - 1;
    if (left > 0) return void waiting.set(s, left);
    const l = owner.get(s);
    owner.delete(s);
    waiting.delete(s);
    if (l) sendNext(l);
  };
  for (let k = 0; k < window; k++) for (const l of loops) sendNext(l);
  await sleep(warmMs);
  const [d1, f1, t1, c1] = [deliveries, frames, now(), cpuMicros()];
  await sleep(measureMs);
  const [d2, f2, t2, c2] = [deliveries, frames, now(), cpuMicros()];
  sending = false;
  const expected = loops.reduce((n, l) => n + l.next, 0) * readers;
  const deadline = Date.now() + 30_000;
  while (deliveries < expected && Date.now() < deadline) await sleep(5);
  onDelivery = undefined;
  const exhausted = loops.some((l) => l.next >= l.frames.length);
  return {
    ...summary(),
    expected,
    measured: d2 - d1,
    measuredFrames: f2 - f1,
    seconds: (t2 - t1) / 1000,
    // This process's share of a core while measured: near 100 % it, not the servers, set the pace.
    busy: (c2 - c1) / 10 / (t2 - t1),
    exhausted,
  };
}

async function closeAll(): Promise<void> {
  closing = true;
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
  closing = false;
  dropped = 0;
}

/** Runs `f`, failing it if a server closed a socket before or during it. */
async function connected<T>(f: () => Promise<T>): Promise<T> {
  const check = (): void => {
    if (dropped > 0) throw new Error(`${dropped} sockets were closed by the server`);
  };
  check();
  const out = await f();
  check();
  return out;
}

type Request = { id: number; cmd: string; [k: string]: unknown };
const n = (v: unknown): number => v as number;
const commands: Record<string, (m: Request) => Promise<unknown>> = {
  connect: async (m) => {
    await connect(m.peer as string, m.urls as string[], m.rooms as string[], m.instances as number[]);
    return { ok: true };
  },
  paced: (m) => connected(() => paced(m.writers as number[], n(m.rounds), n(m.intervalMs))),
  saturateFor: (m) =>
    connected(() => saturateFor(m.writers as number[], n(m.window), n(m.warmMs), n(m.measureMs), n(m.perWriter))),
  close: async () => {
    await closeAll();
    return { ok: true };
  },
  cpu: async () => ({ cpuMicros: cpuMicros() }),
};

process.on("message", (m: Request) => {
  void (async () => {
    try {
      const command = commands[m.cmd];
      if (!command) throw new Error(`unknown command ${m.cmd}`);
      process.send?.({ id: m.id, ...((await command(m)) as object) });
    } catch (err) {
      process.send?.({ id: m.id, error: String(err) });
    }
  })();
});
process.on("SIGTERM", () => process.exit(0));
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
