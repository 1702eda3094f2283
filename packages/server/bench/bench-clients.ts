/**
 * Benchmark client process: raw y-websocket protocol clients over `ws`, one harness for every
 * peer (Hocuspocus framing adds a document-name prefix and an auth message). Clients decode
 * every update they receive with `Y.decodeUpdate` (without applying it) to count deliveries
 * and read the writer's send timestamp; only writers hold a real Y.Doc. Every reader of a
 * room receives the same bytes, so a decoded update is remembered by its bytes and readers
 * that receive identical bytes reuse it (compared in full): otherwise the one client process
 * spends its core decoding the same update hundreds of times and becomes the bottleneck.
 *
 * IPC: `connect` {peer, urls, rooms} → opens sockets and waits for initial sync;
 * `run` {writers, updates, intervalMs} → writers send on a fixed schedule, resolves with
 * deliveries and latencies; `saturate` {writers, updates, window} → unpaced closed loop: each
 * writer sends its next update (encoded before the clock starts) as soon as the reader of its
 * room has an earlier one, so the pace is set by how fast the server relays, not by a schedule
 * (the 500-room runs); `saturateFor` {writers, window, warmMs, measureMs, perWriter} → the same
 * in one room for a fixed time, an update in flight until every reader has it (fan-out);
 * `close` → closes every socket; `cpu` → this process's CPU time.
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
  /** Updates of this run the client has counted, by seq − `runBase`. */
  seen: Bits;
  writer: boolean;
}

let clients: Client[] = [];
/** Sockets the server closed (not `close`): a run on them would only wait for its deadline. */
let dropped = 0;
let closing = false;

/** Fails a command when the server has closed any socket since `connect`. */
function checkConnected(): void {
  if (dropped > 0) throw new Error(`${dropped} sockets were closed by the server`);
}
/** A growable bit set. */
class Bits {
  private bytes = new Uint8Array(256);
  has(i: number): boolean {
    return i >> 3 < this.bytes.length && ((this.bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  }
  add(i: number): void {
    const at = i >> 3;
    if (at >= this.bytes.length) {
      const grown = new Uint8Array(Math.max(at + 1, this.bytes.length * 2));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[at] = (this.bytes[at] ?? 0) | (1 << (i & 7));
  }
  clear(): void {
    this.bytes.fill(0);
  }
}

/** Send-to-receive latencies of the run (ms), in a preallocated array. */
const latencies = new Float64Array(2_000_000);
let latencyCount = 0;
/** The first seq of the run; updates of earlier runs that arrive late are not counted. */
let runBase = 0;
let deliveries = 0;
/** Update messages readers received (one may carry several updates). */
let frames = 0;
let lastReceive = 0;
/**
 * Next update seq. Unique across runs: each seq is also the map key the update writes, and a
 * key written again by another writer's document is a conflict that servers re-encoding
 * updates from their own document forward as deleted content, which no reader can count.
 */
let nextSeq = 0;
/** Send time by seq in `saturate` runs, whose updates are encoded before they are sent. */
let sentAt: Map<number, number> | undefined;
/** Called for every update a reader counts (closed-loop runs). */
let onDelivery: ((reader: Client, seq: number) => void) | undefined;
const now = (): number => performance.timeOrigin + performance.now();

/** What a reader counts in an update: the writer's timestamp and seq of each new entry. */
interface Entry {
  ts: number;
  seq: number;
}
/** The last update decoded per byte length, with its entries (see the file header). */
let decoded = new Map<number, { bytes: Buffer; entries: Entry[] }>();

function entriesOf(update: Uint8Array): Entry[] {
  const bytes = Buffer.from(update.buffer, update.byteOffset, update.byteLength);
  const hit = decoded.get(bytes.length);
  if (hit?.bytes.equals(bytes)) return hit.entries;
  const entries: Entry[] = [];
  for (const s of Y.decodeUpdate(update).structs) {
    const content = (s as { content?: { arr?: unknown[] } }).content;
    const v = content?.arr?.[0] as Partial<Entry> | undefined;
    if (v?.ts !== undefined && v.seq !== undefined) entries.push({ ts: v.ts, seq: v.seq });
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
  frames++;
  const t = now();
  for (const v of entriesOf(update)) {
    const i = v.seq - runBase;
    if (i < 0 || c.seen.has(i)) continue;
    c.seen.add(i);
    deliveries++;
    lastReceive = t;
    if (latencyCount < latencies.length) latencies[latencyCount++] = t - (sentAt ? (sentAt.get(v.seq) ?? t) : v.ts);
    onDelivery?.(c, v.seq);
  }
}

async function connect(peer: string, urls: string[], rooms: string[]): Promise<void> {
  const open = (url: string, i: number) =>
    new Promise<Client>((resolve, reject) => {
      const room = rooms[i] ?? "";
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const prefix = peer === "hocuspocus" ? encoding.encode((e) => encoding.writeVarString(e, room)) : undefined;
      const c: Client = { ws, room, prefix, synced: false, seen: new Bits(), writer: false };
      ws.on("message", (data: Buffer) => onMessage(c, data));
      ws.on("error", reject);
      ws.on("close", () => {
        if (!closing) dropped++;
      });
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
    });
  // Open in waves of 100, so the accept queue is not the thing measured.
  const out: Client[] = [];
  for (let i = 0; i < urls.length; i += 100) {
    out.push(...(await Promise.all(urls.slice(i, i + 100).map((url, j) => open(url, i + j)))));
  }
  clients.push(...out);
  const start = Date.now();
  while (!out.every((c) => c.synced)) {
    if (Date.now() - start > 60_000) throw new Error("clients did not sync");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function reset(writers: number[]): void {
  decoded = new Map();
  latencyCount = 0;
  runBase = nextSeq;
  deliveries = 0;
  frames = 0;
  sentAt = undefined;
  onDelivery = undefined;
  for (const c of clients) {
    c.seen.clear();
    c.writer = false;
  }
  for (const i of writers) {
    const c = clients[i];
    if (c) c.writer = true;
  }
}

function summary(expected: number, seconds: number): Record<string, number> {
  const sorted = latencies.subarray(0, latencyCount).sort();
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { deliveries, frames, expected, seconds, p50: q(0.5), p99: q(0.99) };
}

async function run(writers: number[], updates: number, intervalMs: number, expected: number): Promise<unknown> {
  reset(writers);
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
  for (let u = 0; u < updates; u++) {
    for (const doc of docs) {
      const s = nextSeq++;
      doc.getMap("interactions").set(`k${s}`, { id: `k${s}`, ts: now(), seq: s });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const sendEnd = now();

  const deadline = Date.now() + 30_000;
  while (deliveries < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return summary(expected, (Math.max(lastReceive, sendEnd) - started) / 1000);
}

/** A writer of a closed-loop run: its encoded updates and the next to send. */
interface LoopWriter {
  writer: Client;
  frames: Uint8Array[];
  seqs: number[];
  next: number;
}

/** Encodes `updates` updates per writer (before any clock starts) for a closed loop. */
function loopWriters(writers: number[], updates: number): LoopWriter[] {
  const loop: LoopWriter[] = [];
  for (const i of writers) {
    const c = clients[i];
    if (!c) throw new Error("no such writer");
    const frames: Uint8Array[] = [];
    const seqs: number[] = [];
    const doc = new Y.Doc();
    doc.on("update", (u: Uint8Array) => {
      frames.push(
        frame(c, (e) => {
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, 2);
          encoding.writeVarUint8Array(e, u);
        }),
      );
    });
    for (let u = 0; u < updates; u++) {
      const s = nextSeq++;
      seqs.push(s);
      doc.getMap("interactions").set(`k${s}`, { id: `k${s}`, ts: 0, seq: s });
    }
    loop.push({ writer: c, frames, seqs, next: 0 });
  }
  return loop;
}

/**
 * Starts a closed loop over `loop`: `window` updates per writer in flight, the next sent when
 * `gate` readers have an earlier one. Returns a function that stops sending.
 */
function startLoop(loop: LoopWriter[], window: number, gate = 1): () => void {
  /** The writer of each update in flight, by seq, and how many readers it still waits for. */
  const inFlight = new Map<number, LoopWriter>();
  const waiting = new Map<number, number>();
  let sending = true;
  const sent = new Map<number, number>();
  const sendNext = (w: LoopWriter): void => {
    if (!sending) return;
    const f = w.frames[w.next];
    const s = w.seqs[w.next];
    if (f === undefined || s === undefined) return;
    inFlight.set(s, w);
    waiting.set(s, gate);
    w.next++;
    sent.set(s, now());
    w.writer.ws.send(f);
  };
  sentAt = sent;
  onDelivery = (_reader, s) => {
    // The `gate`-th reader to get an update in flight releases its writer's next one.
    const left = (waiting.get(s) ?? 0) - 1;
    if (left > 0) {
      waiting.set(s, left);
      return;
    }
    const w = inFlight.get(s);
    if (w === undefined) return;
    inFlight.delete(s);
    waiting.delete(s);
    sendNext(w);
  };
  for (let k = 0; k < window; k++) for (const w of loop) sendNext(w);
  return () => {
    sending = false;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function drain(expected: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (deliveries < expected && Date.now() < deadline) await sleep(5);
}

/** The closed loop of the 500-room runs: `updates` updates per writer, `window` in flight per writer. */
async function saturate(writers: number[], updates: number, expected: number, window: number): Promise<unknown> {
  reset(writers);
  const loop = loopWriters(writers, updates);
  const started = now();
  startLoop(loop, window);
  await drain(expected, 60_000);
  const result = summary(expected, (lastReceive - started) / 1000);
  onDelivery = undefined;
  return result;
}

/**
 * The closed loop of the fan-out runs, for a fixed time: an update is in flight until every
 * reader has it (gating on the first reader only let the other readers fall behind without
 * bound once windows grew, and the rate then measured their backlog). After `warmMs`, the deliveries and
 * messages of the next `measureMs` give the steady rate; then sending stops and what is in
 * flight drains (counted in `deliveries`, against `expected` = updates sent × readers).
 * `exhausted` is true when a writer ran out of its `perWriter` updates before the end (the
 * rate is then a lower bound).
 */
async function saturateFor(
  writers: number[],
  window: number,
  warmMs: number,
  measureMs: number,
  perWriter: number,
): Promise<unknown> {
  reset(writers);
  const readers = clients.length - writers.length;
  const loop = loopWriters(writers, perWriter);
  const stop = startLoop(loop, window, readers);
  await sleep(warmMs);
  const [d1, f1, t1] = [deliveries, frames, now()];
  await sleep(measureMs);
  const [d2, f2, t2] = [deliveries, frames, now()];
  stop();
  const exhausted = loop.some((w) => w.next >= w.frames.length);
  const expected = loop.reduce((n, w) => n + w.next, 0) * readers;
  await drain(expected, 60_000);
  onDelivery = undefined;
  return {
    ...summary(expected, (t2 - t1) / 1000),
    measured: d2 - d1,
    measuredFrames: f2 - f1,
    exhausted,
  };
}

type Request = { id: number; cmd: string; [k: string]: unknown };

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

/** Runs `f`, failing it if the server closed a socket before or during it. */
async function connected<T>(f: () => Promise<T>): Promise<T> {
  checkConnected();
  const out = await f();
  checkConnected();
  return out;
}

/** The IPC commands (see the file header); each answers with an object. */
const commands: Record<string, (m: Request) => Promise<unknown>> = {
  connect: async (m) => {
    await connect(m.peer as string, m.urls as string[], m.rooms as string[]);
    return { ok: true };
  },
  run: (m) =>
    connected(() => run(m.writers as number[], m.updates as number, m.intervalMs as number, m.expected as number)),
  saturate: (m) =>
    connected(() =>
      saturate(m.writers as number[], m.updates as number, m.expected as number, (m.window as number | undefined) ?? 1),
    ),
  saturateFor: (m) =>
    connected(() =>
      saturateFor(
        m.writers as number[],
        m.window as number,
        m.warmMs as number,
        m.measureMs as number,
        m.perWriter as number,
      ),
    ),
  close: async () => {
    await closeAll();
    return { ok: true };
  },
  cpu: async () => {
    const cpu = process.cpuUsage();
    return { cpuMicros: cpu.user + cpu.system };
  },
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
// A plain exit on SIGTERM, so that `--cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
process.send?.({ ready: true });
