/**
 * The relay benchmark: Tandem (file store, fsync'd group commit, auth, limits) side by side
 * with `@y/websocket-server@0.1.1` (no persistence) and `@hocuspocus/server@4.7.0`, each in
 * its own server process, driven by its own client process with the same harness. All of them
 * run for the whole bench, and each scenario's repetitions are interleaved across the peers.
 *
 * Scenarios: fan-out in one room (100 and 500 clients), 1,000 idle connections, 500 rooms × 2
 * clients (paced for latency, then unpaced for throughput), and memory after every client left. Prints `BENCH {…}` lines. Sizes can be scaled
 * down with TANDEM_BENCH_SCALE (default 1); TANDEM_BENCH_PEERS=tandem,… runs only some peers;
 * TANDEM_BENCH_SCENARIOS=fan-out-100,fan-out-500,idle,rooms runs only some scenarios;
 * TANDEM_BENCH_REPEAT (default 3) and TANDEM_BENCH_SHORT_REPEAT (default 3 × REPEAT) set the
 * repetitions each figure is the median of;
 * TANDEM_BENCH_NODE_FLAGS adds Node flags to every server (e.g. `--max-semi-space-size=1`,
 * which keeps V8's young generation from growing during the connection ramp and so makes the
 * RSS-per-connection figure less noisy).
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** `tandem-unchecked` is Tandem without the relay's write check (what the check costs). */
const PEERS = ["tandem", "tandem-unchecked", "y-websocket-server", "hocuspocus"] as const;
type Peer = (typeof PEERS)[number];
const scale = Number(process.env.TANDEM_BENCH_SCALE ?? "1");
const n = (x: number): number => Math.max(2, Math.round(x * scale));
const ORG = "00DBENCH000000001A";
const execArgv = ["--conditions=@tandem/source", "--import", "tsx"];

function bench(
  suite: string,
  name: string,
  value: number,
  unit: string,
  peer: Peer,
  note?: string,
  repetitions?: readonly number[],
): void {
  const row: Record<string, unknown> = { suite, name, value: Number(value.toPrecision(4)), unit, peer };
  const each = repetitions?.map((v) => Number(v.toPrecision(4))).join(" / ");
  if (note || each) row.note = [note, each && `repetitions in run order: ${each}`].filter(Boolean).join("; ");
  process.stdout.write(`BENCH ${JSON.stringify(row)}\n`);
}

class Ipc {
  private next = 1;
  private readonly waiting = new Map<number, (v: Record<string, unknown>) => void>();
  constructor(readonly child: ChildProcess) {
    child.on("message", (m: Record<string, unknown>) => {
      const id = m.id as number | undefined;
      if (id === undefined) return;
      this.waiting.get(id)?.(m);
      this.waiting.delete(id);
    });
  }
  call(cmd: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (m) => (m.error ? reject(new Error(String(m.error))) : resolve(m)));
      this.child.send({ id, cmd, ...args });
    });
  }
}

/**
 * Fork options that pin a child to one CPU with `taskset` (server on CPU 0, clients on CPU 1)
 * when the machine has two or more and `taskset` exists, so that server and clients do not
 * trade cores from run to run. `TANDEM_BENCH_PIN=0` turns it off.
 */
function pinnedTo(cpu: number, argv: string[]): { execPath?: string; execArgv: string[] } {
  const taskset = "/usr/bin/taskset";
  if (process.env.TANDEM_BENCH_PIN === "0" || availableParallelism() < 2 || !existsSync(taskset)) {
    return { execArgv: argv };
  }
  return { execPath: taskset, execArgv: ["-c", String(cpu), process.execPath, ...argv] };
}

/** `--cpu-prof` into TANDEM_BENCH_PROFILE, for the servers and the client process alike. */
function profileFlags(): string[] {
  const dir = process.env.TANDEM_BENCH_PROFILE;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

async function startServer(peer: Peer): Promise<{ ipc: Ipc; url: string }> {
  const flags = process.env.TANDEM_BENCH_NODE_FLAGS?.split(" ").filter((f) => f.length > 0) ?? [];
  const serverArgv = [...execArgv, ...flags, ...profileFlags()];
  // Same allocator setting for every peer (glibc: two malloc arenas, see README).
  const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" };
  const child = fork(fileURLToPath(new URL("./peer-server.ts", import.meta.url)), [peer], {
    env,
    ...pinnedTo(0, serverArgv),
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve) => {
    let buf = "";
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes("\n")) resolve((JSON.parse(buf.split("\n")[0] ?? "{}") as { url: string }).url);
    });
  });
  return { ipc: new Ipc(child), url };
}

async function startClients(): Promise<Ipc> {
  const child = fork(fileURLToPath(new URL("./bench-clients.ts", import.meta.url)), [], {
    ...pinnedTo(1, [...execArgv, ...profileFlags()]),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve) => child.once("message", () => resolve()));
  return new Ipc(child);
}

interface Stats {
  cpuMicros: number;
  rss: number;
  heap: number;
  rooms: number;
}

async function urlsFor(
  peer: Peer,
  server: { ipc: Ipc; url: string },
  users: string[],
): Promise<{ urls: string[]; rooms: string[] }> {
  const ws = server.url.replace(/^http/, "ws");
  const rooms = users.map((u) => `book:${ORG}:${u}`);
  if (peer !== "tandem" && peer !== "tandem-unchecked") return { urls: rooms.map((r) => `${ws}/${r}`), rooms };
  const { tickets } = (await server.ipc.call("tickets", { org: ORG, users })) as { tickets: string[] };
  return { urls: rooms.map((r, i) => `${ws}/sync/${r}?ticket=${tickets[i]}`), rooms };
}

/**
 * Updates each fan-out writer keeps in flight in the unpaced runs, one run per window. A small
 * window leaves server and client idle part of the time, and the rate is then the loop's round
 * trip (with 8 in flight, released by the first reader, both processes idled about 45 % of the
 * time in CPU profiles); each peer is credited with its best window.
 */
const FAN_OUT_WINDOWS = (process.env.TANDEM_BENCH_WINDOWS ?? "8,32,64").split(",").map(Number);
/**
 * Each unpaced fan-out run: 0.5 s to reach its steady state, then 1.5 s measured. A run of a
 * fixed number of updates was mostly filling and draining its window once windows grew (300
 * updates per writer and 64 in flight), so the runs are timed instead. Each writer has 6,000
 * updates encoded up front, more than the fastest peer sends in 2 s (the bench flags it if not).
 */
const FAN_OUT_WARM_MS = 500;
const FAN_OUT_MEASURE_MS = 1500;
const FAN_OUT_PER_WRITER = 6000;

/**
 * Repetitions of each fan-out and 500-room measurement; each figure is their median. One more
 * repetition runs first and is discarded: it warms up the JIT of every peer alike.
 */
const REPEAT = Math.max(1, Number(process.env.TANDEM_BENCH_REPEAT ?? "3"));
/**
 * Repetitions of each measurement that lasts about a second (the paced fan-out runs, the
 * 500-room runs): three times REPEAT by default (TANDEM_BENCH_SHORT_REPEAT). Fan-out 100 paced
 * latency moved by more between runs of the same peer (3.3–6.0 ms) than it differed between
 * peers, and a slow spell of a few seconds decided a 500-room figure: the median of three
 * samples that short could not tell the peers apart.
 */
const SHORT_REPEAT = Math.max(1, Number(process.env.TANDEM_BENCH_SHORT_REPEAT ?? String(3 * REPEAT)));

const num = (v: unknown, fallback = 0): number => (typeof v === "number" ? v : fallback);

/** One peer's server process and its own client process, both kept for the whole run. */
interface Rig {
  readonly peer: Peer;
  readonly server: { ipc: Ipc; url: string };
  readonly clients: Ipc;
  readonly baseline: Stats;
  stats(): Promise<Stats>;
}

async function startRig(peer: Peer): Promise<Rig> {
  const server = await startServer(peer);
  const clients = await startClients();
  const stats = async (): Promise<Stats> => (await server.ipc.call("stats")) as unknown as Stats;
  return { peer, server, clients, stats, baseline: await stats() };
}

/**
 * Waits until no server and no client process of any peer works (under 5 % of a core over
 * 250 ms, at most 30 s): a peer that fell behind in its run goes on sending and receiving
 * after the run is over (Hocuspocus did, for seconds, in the 500-room scenario), and on the
 * shared cores that work would be measured against whichever peer runs next.
 */
async function quiet(rigs: readonly Rig[]): Promise<void> {
  const sample = async (): Promise<number[]> =>
    Promise.all(
      rigs.flatMap((r) => [r.server.ipc, r.clients]).map(async (ipc) => num((await ipc.call("cpu")).cpuMicros)),
    );
  const started = Date.now();
  let before = await sample();
  while (Date.now() - started < 30_000) {
    await new Promise((r) => setTimeout(r, 250));
    const after = await sample();
    const busy = after.some((v, i) => v - (before[i] ?? 0) > 12_500);
    before = after;
    if (!busy) return;
  }
  process.stderr.write("bench: a peer was still busy after 30 s; measuring anyway\n");
}

/**
 * Runs `once` for every peer, interleaved: `repeat` rounds in which every peer runs twice in a
 * row, a discarded warm-up and a measured run (in an order of peers that rotates from round
 * to round), and returns each peer's median of each figure. A slow spell of this VM (minutes long) then falls
 * on all peers alike, not on whichever peer happened to run at the time. Each run starts once
 * every process is idle (`quiet`).
 */
async function interleaved<K extends string>(
  rigs: readonly Rig[],
  once: (rig: Rig) => Promise<Record<K, number>>,
  repeat = REPEAT,
): Promise<{ medians: Map<Peer, Record<K, number>>; runs: Map<Peer, Record<K, number>[]> }> {
  const runs = new Map<Peer, Record<K, number>[]>(rigs.map((r) => [r.peer, []]));
  for (let round = 0; round < repeat; round++) {
    for (let i = 0; i < rigs.length; i++) {
      const rig = rigs[(round + i) % rigs.length] as Rig;
      await quiet(rigs);
      // Warms the peer up again after the others' runs: an idle server's heap shrinks (V8's
      // memory reducer), and a saturated run right after that measured its regrowth (500-room
      // p99 387–459 ms against 46–160 ms back to back, for Tandem and the stock server alike).
      await once(rig);
      runs.get(rig.peer)?.push(await once(rig));
    }
  }
  const medians = new Map<Peer, Record<K, number>>();
  for (const [peer, list] of runs) {
    const out = {} as Record<K, number>;
    for (const key of Object.keys(list[0] ?? {}) as K[]) {
      const xs = list.map((r) => r[key]).sort((a, b) => a - b);
      out[key] = xs[Math.floor(xs.length / 2)] ?? Number.NaN;
    }
    medians.set(peer, out);
  }
  return { medians, runs };
}

/** The repetitions of figure `key` of `peer`, in run order. */
function each<K extends string>(of: { runs: Map<Peer, Record<K, number>[]> }, peer: Peer, key: K): number[] {
  return (of.runs.get(peer) ?? []).map((r) => r[key]);
}

/** Fan-out in one room of `size` clients, every peer's server at once, runs interleaved. */
async function fanOut(rigs: readonly Rig[], size: number): Promise<void> {
  const users = Array.from({ length: size }, () => `005FAN${String(size).padStart(12, "0")}`);
  for (const rig of rigs) {
    const { urls, rooms } = await urlsFor(rig.peer, rig.server, users);
    await rig.clients.call("connect", { peer: rig.peer, urls, rooms });
  }
  // Ten writers edit every 10 ms, so several updates reach the server in the same tick (the
  // paced runs: latency and CPU under a fixed load; their rate is partly the schedule). Then
  // unpaced closed loops keep a window of updates per writer in flight (the next is sent as
  // soon as every reader has an earlier one): the rate server and client process reach
  // together. Every paced repetition runs first: the unpaced runs write tens of thousands of
  // updates, and a larger document would change what the paced latency measures.
  const rounds = 100;
  const writers = Array.from({ length: 10 }, (_, i) => i);
  const readers = size - writers.length;
  const pacedBy = await interleaved(
    rigs,
    async (rig) => {
      const before = await rig.stats();
      const r = await rig.clients.call("run", {
        writers,
        updates: rounds,
        intervalMs: 10,
        expected: rounds * 10 * readers,
      });
      const after = await rig.stats();
      const paced = num(r.deliveries);
      return {
        pacedRate: paced / num(r.seconds, 1),
        p50: num(r.p50, Number.NaN),
        p99: num(r.p99, Number.NaN),
        pacedCpu: (after.cpuMicros - before.cpuMicros) / Math.max(1, paced),
        pacedLost: rounds * 10 * readers - paced,
        pacedPerMessage: paced / Math.max(1, num(r.frames)),
      };
    },
    SHORT_REPEAT,
  );
  const unpacedBy = await interleaved(rigs, async (rig) => {
    const out: Record<string, number> = {};
    let last = await rig.stats();
    for (const window of FAN_OUT_WINDOWS) {
      const l = await rig.clients.call("saturateFor", {
        writers,
        window,
        warmMs: FAN_OUT_WARM_MS,
        measureMs: FAN_OUT_MEASURE_MS,
        perWriter: FAN_OUT_PER_WRITER,
      });
      const after = await rig.stats();
      const measured = num(l.measured);
      out[`rate${window}`] = measured / num(l.seconds, 1);
      // CPU over the whole run (warm-up, measured part and drain) per delivery in it.
      out[`cpu${window}`] = (after.cpuMicros - last.cpuMicros) / Math.max(1, num(l.deliveries));
      out[`lost${window}`] = num(l.expected) - num(l.deliveries);
      out[`perMessage${window}`] = measured / Math.max(1, num(l.measuredFrames));
      out[`exhausted${window}`] = l.exhausted ? 1 : 0;
      last = after;
    }
    return out;
  });
  for (const rig of rigs) {
    const peer = rig.peer;
    const m = unpacedBy.medians.get(peer) ?? {};
    const best = FAN_OUT_WINDOWS.reduce((a, b) => ((m[`rate${b}`] ?? 0) > (m[`rate${a}`] ?? 0) ? b : a));
    const all: Record<string, number> = { ...pacedBy.medians.get(peer), ...m };
    const f = (key: string): number => all[key] ?? Number.NaN;
    const at = (key: string): number => f(`${key}${best}`);
    const byWindow = FAN_OUT_WINDOWS.map((w) => `${w}: ${Math.round(m[`rate${w}`] ?? 0)}/s`).join(", ");
    const suite = `relay fan-out ${size} clients`;
    const paced = `paced: 10 writers, ${rounds} rounds 10 ms apart; median of ${SHORT_REPEAT}, interleaved with the other peers`;
    const unpaced = `unpaced: 10 writers, ${best} in flight each (the best of windows ${FAN_OUT_WINDOWS.join("/")}), ${FAN_OUT_MEASURE_MS / 1000} s measured after ${FAN_OUT_WARM_MS / 1000} s; median of ${REPEAT}, interleaved`;
    // The paced run's rate is its schedule for a server that keeps up, so it is reported as
    // the load the latency was measured at, not as a throughput figure.
    const offered = 10 * (1000 / 10) * readers;
    bench(
      suite,
      "latency p50",
      f("p50"),
      "ms",
      peer,
      `${paced}; delivered ${Math.round(f("pacedRate"))}/s of ${offered}/s offered; ${f("pacedPerMessage").toFixed(1)} updates per message; undelivered ${f("pacedLost")}`,
      each(pacedBy, peer, "p50"),
    );
    bench(suite, "latency p99", f("p99"), "ms", peer, paced, each(pacedBy, peer, "p99"));
    bench(suite, "server CPU per delivery (paced)", f("pacedCpu"), "µs", peer, paced, each(pacedBy, peer, "pacedCpu"));
    bench(
      suite,
      "deliveries/s (unpaced)",
      at("rate"),
      "1/s",
      peer,
      `${unpaced}; by window ${byWindow}; ${at("perMessage").toFixed(1)} updates per message; undelivered ${at("lost")}${at("exhausted") > 0 ? "; WRITERS RAN OUT OF UPDATES: a lower bound" : ""}`,
      each(unpacedBy, peer, `rate${best}`),
    );
    bench(
      suite,
      "server CPU per delivery (unpaced)",
      at("cpu"),
      "µs",
      peer,
      unpaced,
      each(unpacedBy, peer, `cpu${best}`),
    );
  }
  for (const rig of rigs) await rig.clients.call("close");
}

/**
 * 1,000 idle connections, on a fresh server of each peer in turn. After the fan-out scenarios
 * the main server's heap and malloc arenas are already grown, new connections fit in memory it
 * holds anyway, and its RSS barely moves (it even shrank). 100 connections to 100 rooms are
 * opened and closed first, so that code is compiled and first-use allocations are made before
 * the baseline. Their rooms are not the measured ones: a server that never unloads a room (the
 * stock one) would find them loaded and not pay for them, while the others load them anew;
 * every peer must pay for the same 100 new rooms in the measured step.
 */
async function idle(rig: Rig, snapshot: (at: string, of: { ipc: Ipc }) => Promise<void>): Promise<void> {
  const { peer, clients } = rig;
  const fresh = await startServer(peer);
  const freshStats = async (): Promise<Stats> => (await fresh.ipc.call("stats")) as unknown as Stats;
  const count = n(1000);
  const idleUsers = (tag: string): string[] =>
    Array.from({ length: count }, (_, i) => `005${tag}${String(i % 100).padStart(11, "0")}`);
  const warm = await urlsFor(peer, fresh, idleUsers("WARM").slice(0, n(100)));
  await clients.call("connect", { peer, ...warm });
  await clients.call("close");
  // Tickets (Tandem only) are issued before the baseline: this measures connections, not
  // the bench's ticket round trip.
  const { urls, rooms } = await urlsFor(peer, fresh, idleUsers("IDLE"));
  // Servers that unload rooms get the time to unload the warm-up rooms and to finish what
  // unloading starts (a stock server never unloads: 3 s).
  for (let waited = 0; waited < 3_000 && (await freshStats()).rooms > 0; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1_000));
  const before = await freshStats();
  await snapshot("idle-before", fresh);
  await clients.call("connect", { peer, urls, rooms });
  await new Promise((r) => setTimeout(r, 500));
  const after = await freshStats();
  await snapshot("idle-after", fresh);
  const suite = `relay ${count} idle connections (100 rooms)`;
  const note = "fresh server, after 100 warm-up connections to 100 other rooms";
  bench(suite, "RSS per connection", (after.rss - before.rss) / count / 1024, "KB", peer, note);
  bench(suite, "heap per connection", (after.heap - before.heap) / count / 1024, "KB", peer, note);
  await clients.call("close");
  fresh.ipc.child.kill();
}

/** 500 rooms of 2 clients each, every peer's server at once, runs interleaved. */
async function manyRooms(rigs: readonly Rig[]): Promise<void> {
  const roomsN = n(500);
  const users: string[] = [];
  for (let i = 0; i < roomsN; i++)
    users.push(`005ROOM${String(i).padStart(11, "0")}`, `005ROOM${String(i).padStart(11, "0")}`);
  for (const rig of rigs) {
    const { urls, rooms } = await urlsFor(rig.peer, rig.server, users);
    await rig.clients.call("connect", { peer: rig.peer, urls, rooms });
  }
  const updates = 20;
  const intervalMs = 50;
  const loopUpdates = 40;
  const writers = Array.from({ length: roomsN }, (_, i) => i * 2);
  // Paced: its rate is mostly its schedule, 500 × 20 updates / (20 × 50 ms + the clients' own
  // send work), whatever the server. Unpaced, on the same sockets: each writer sends its next
  // update as soon as its room's reader has the previous one, so the rate is what the server
  // relays.
  const by = await interleaved(
    rigs,
    async (rig) => {
      const before = await rig.stats();
      const r = await rig.clients.call("run", { writers, updates, intervalMs, expected: updates * roomsN });
      const mid = await rig.stats();
      const l = await rig.clients.call("saturate", { writers, updates: loopUpdates, expected: loopUpdates * roomsN });
      const after = await rig.stats();
      const paced = num(r.deliveries);
      const loop = num(l.deliveries);
      return {
        pacedRate: paced / num(r.seconds, 1),
        pacedCpu: (mid.cpuMicros - before.cpuMicros) / Math.max(1, paced),
        p99: num(r.p99, Number.NaN),
        pacedLost: updates * roomsN - paced,
        loopRate: loop / num(l.seconds, 1),
        loopCpu: (after.cpuMicros - mid.cpuMicros) / Math.max(1, loop),
        loopLost: loopUpdates * roomsN - loop,
      };
    },
    SHORT_REPEAT,
  );
  for (const rig of rigs) {
    const peer = rig.peer;
    const m = by.medians.get(peer);
    if (!m) continue;
    const suite = `relay ${roomsN} rooms x 2 clients`;
    const paced = `paced: ${updates} updates per writer, one every ${intervalMs} ms; median of ${SHORT_REPEAT}, interleaved`;
    const unpaced = `unpaced: ${loopUpdates} updates per writer, one in flight; median of ${SHORT_REPEAT}, interleaved`;
    const offered = roomsN * (1000 / intervalMs);
    bench(suite, "server CPU per update (paced)", m.pacedCpu, "µs", peer, paced, each(by, peer, "pacedCpu"));
    bench(
      suite,
      "latency p99",
      m.p99,
      "ms",
      peer,
      `${paced}; delivered ${Math.round(m.pacedRate)}/s of ${offered}/s offered; undelivered ${m.pacedLost}`,
      each(by, peer, "p99"),
    );
    bench(
      suite,
      "updates/s (unpaced)",
      m.loopRate,
      "1/s",
      peer,
      `${unpaced}; undelivered ${m.loopLost}`,
      each(by, peer, "loopRate"),
    );
    bench(suite, "server CPU per update (unpaced)", m.loopCpu, "µs", peer, unpaced, each(by, peer, "loopCpu"));
  }
  for (const rig of rigs) await rig.clients.call("close");
}

const only = process.env.TANDEM_BENCH_PEERS?.split(",");
const scenarios = process.env.TANDEM_BENCH_SCENARIOS?.split(",");
const wanted = (name: string): boolean => !scenarios || scenarios.includes(name);
const t0 = Date.now();
const rigs: Rig[] = [];
// Every peer's server and client process run for the whole bench; a scenario connects each
// peer's clients to its own server, and all but the peer being measured sit idle.
for (const peer of PEERS.filter((p) => !only || only.includes(p))) rigs.push(await startRig(peer));
// TANDEM_BENCH_HEAPSNAPSHOT=<dir>: heap snapshots of each main server at start and at the end.
const snapshots = process.env.TANDEM_BENCH_HEAPSNAPSHOT;
const snapshotOf =
  (peer: Peer) =>
  async (at: string, of: { ipc: Ipc }): Promise<void> => {
    if (snapshots) await of.ipc.call("snapshot", { file: join(snapshots, `${peer}-${at}.heapsnapshot`) });
  };
for (const rig of rigs) await snapshotOf(rig.peer)("start", rig.server);
for (const size of [n(100), n(500)].filter((s) => wanted(`fan-out-${s}`))) {
  await fanOut(rigs, size);
  process.stderr.write(`bench: fan-out ${size} done at ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
if (wanted("idle")) for (const rig of rigs) await idle(rig, snapshotOf(rig.peer));
if (wanted("rooms")) {
  await manyRooms(rigs);
  process.stderr.write(`bench: 500 rooms done at ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
await new Promise((r) => setTimeout(r, 1500));
for (const rig of rigs) {
  const end = await rig.stats();
  await snapshotOf(rig.peer)("end", rig.server);
  const suite = "relay memory after every client left";
  bench(suite, "heap growth over start", (end.heap - rig.baseline.heap) / 1024 / 1024, "MB", rig.peer);
  bench(suite, "rooms still loaded", end.rooms, "rooms", rig.peer);
  rig.clients.child.kill();
  rig.server.ipc.child.kill();
}
process.stderr.write(`bench: done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
