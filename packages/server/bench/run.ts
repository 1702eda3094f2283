/**
 * The relay benchmark: Tandem (file store, fsync'd group commit, auth, limits) side by side
 * with `@y/websocket-server@0.1.1` (no persistence) and `@hocuspocus/server@4.7.0`, each in
 * its own server process, driven by its own client process with the same harness. All of them
 * run for the whole bench, and each scenario's repetitions are interleaved across the peers
 * (the processes, the interleaving and the `BENCH` lines are `relay-rig.ts`; this file holds
 * the scenarios and runs them).
 *
 * Scenarios: fan-out in one room (100 and 500 clients), 1,000 idle connections, 500 rooms × 2
 * clients (paced for latency, then unpaced for throughput), and memory after every client left.
 * Prints `BENCH {…}` lines. Sizes can be scaled down with TANDEM_BENCH_SCALE (default 1);
 * TANDEM_BENCH_PEERS=tandem,… runs only some peers;
 * TANDEM_BENCH_SCENARIOS=fan-out-100,fan-out-500,idle,rooms runs only some scenarios;
 * TANDEM_BENCH_REPEAT (default 3) and TANDEM_BENCH_SHORT_REPEAT (default 3 × REPEAT) set the
 * repetitions each figure is the median of;
 * TANDEM_BENCH_NODE_FLAGS adds Node flags to every server (e.g. `--max-semi-space-size=1`,
 * which keeps V8's young generation from growing during the connection ramp and so makes the
 * RSS-per-connection figure less noisy).
 */
import { join } from "node:path";
import {
  bench,
  each,
  type Ipc,
  interleaved,
  num,
  PEERS,
  type Peer,
  REPEAT,
  type Rig,
  SHORT_REPEAT,
  type Stats,
  startRig,
  startServer,
  urlsFor,
} from "./relay-rig.js";

const scale = Number(process.env.TANDEM_BENCH_SCALE ?? "1");
const n = (x: number): number => Math.max(2, Math.round(x * scale));

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
