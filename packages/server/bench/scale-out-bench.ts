/**
 * The scale-out fan-out benchmark (issue 22), in one run on one private PostgreSQL and one
 * private Redis (`test/backends.ts`):
 * - `tandem-2`: two Tandem instances, each in its own process with its own pool and Redis bus,
 *   on the same database; the room's clients alternate between them;
 * - `hocuspocus-redis`: two `@hocuspocus/server@3.4.4` instances with
 *   `@hocuspocus/extension-redis@3.4.4` on the same Redis (no persistence), clients alternating;
 * - `tandem-1`: one Tandem instance on its own database, no bus, every client on it.
 * Each instance is a `scale-out-peer.ts` process; each peer's clients are one
 * `scale-out-clients.ts` process. Every process runs for the whole bench.
 *
 * One room of CLIENTS clients (one user's devices), WRITERS of them writing (alternating
 * instances too, so each instance has writers). Figures: latency p50/p90/p99 of deliveries to a
 * client on the other instance (tandem-1: any other client) in a paced run; deliveries/s in
 * an unpaced closed loop over a fixed window (each peer credited with its best of WINDOWS
 * updates in flight per writer), with the entries per update message readers got and how busy
 * the clients' process was; CPU per delivery of the instances' processes (summed) and, apart,
 * of Redis and PostgreSQL (every process of theirs, from /proc). Each figure is the median of
 * REPEAT turns, interleaved across peers after a discarded warm-up turn each; each turn starts
 * once every process is idle. Every paced turn runs before the unpaced ones, which grow the
 * document by tens of thousands of entries. Prints `BENCH {…}` lines, then a table.
 *
 * Env: TANDEM_BENCH_REPEAT (default 3), TANDEM_BENCH_SCALE_OUT_PEERS=tandem-2,… (some peers
 * only), TANDEM_BENCH_SCALE_OUT_CLIENTS (default 40), TANDEM_BENCH_WINDOWS (default 16,64),
 * TANDEM_BENCH_PIN=0 (no CPU pinning; by default every instance on CPU 0, clients on CPU 1).
 *
 * Invariant: every child process and both private servers are stopped when the bench ends,
 * whether it finished, failed or was interrupted.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  backendsMissing,
  type PostgresCluster,
  type RedisServer,
  startPostgres,
  startRedis,
} from "../test/backends.js";
import { Ipc, num, REPEAT } from "./relay-rig.js";
import { backendPids, pinnedTo, processTreeCpuMicros } from "./scale-out-procs.js";

const ORG = "00DBENCH000000001A";
const USER = "005SCALEOUT0000001";
const ROOM = `book:${ORG}:${USER}`;
const CLIENTS = Math.max(4, Number(process.env.TANDEM_BENCH_SCALE_OUT_CLIENTS ?? "40"));
const WRITERS = 4;
/** Paced run: every writer sets an entry every INTERVAL_MS, ROUNDS times. */
const ROUNDS = 100;
const INTERVAL_MS = 20;
/**
 * Closed loop: a window of updates per writer in flight, 0.5 s to settle, then 2 s measured;
 * each peer is credited with its best window (as in `run.ts`). With 4 in flight every peer
 * idled between round trips (12–59 k/s in a trial); Hocuspocus's best was 16 or 64 from run to
 * run, while Tandem on two instances gained 2–3× from 16 to 64.
 */
const WINDOWS = (process.env.TANDEM_BENCH_WINDOWS ?? "16,64").split(",").map(Number);
const WARM_MS = 500;
const MEASURE_MS = 2000;
const PER_WRITER = 12_000;
const execArgv = ["--conditions=@tandem/source", "--import", "tsx"];

const PEERS = ["tandem-2", "hocuspocus-redis", "tandem-1"] as const;
type PeerName = (typeof PEERS)[number];

interface Instance {
  readonly ipc: Ipc;
  readonly url: string;
}
interface Peer {
  readonly name: PeerName;
  readonly instances: readonly Instance[];
  readonly clients: Ipc;
}

const children: ChildProcess[] = [];
/** Called when a child exits before the bench stops it: its IPC calls would never be answered. */
let onChildDied: (what: string) => void = () => undefined;
let stopping = false;

function track(child: ChildProcess, what: string): ChildProcess {
  children.push(child);
  child.once("exit", (code, signal) => {
    if (!stopping) onChildDied(`${what} exited mid-run (${signal ?? code})`);
  });
  return child;
}

/** Forks one server instance and resolves once it listens. */
async function startInstance(kind: "tandem" | "hocuspocus3", args: string[]): Promise<Instance> {
  const script = fileURLToPath(new URL("./scale-out-peer.ts", import.meta.url));
  const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" };
  const child = track(
    fork(script, [kind, ...args], { env, ...pinnedTo(0, execArgv), stdio: ["ignore", "pipe", "inherit", "ipc"] }),
    `a ${kind} instance`,
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.once("exit", (code) => reject(new Error(`${kind} instance exited (${code}) before it listened`)));
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes("\n")) resolve((JSON.parse(buf.split("\n")[0] ?? "{}") as { url: string }).url);
    });
  });
  return { ipc: new Ipc(child), url };
}

async function startClients(): Promise<Ipc> {
  const script = fileURLToPath(new URL("./scale-out-clients.ts", import.meta.url));
  const child = track(
    fork(script, [], { ...pinnedTo(1, execArgv), stdio: ["ignore", "inherit", "inherit", "ipc"] }),
    "a clients' process",
  );
  await new Promise<void>((resolve) => child.once("message", () => resolve()));
  return new Ipc(child);
}

/** Starts a peer's instances and client process, and connects its clients (alternating instances). */
async function startPeer(name: PeerName, pg: PostgresCluster, redis: RedisServer): Promise<Peer> {
  let instances: Instance[];
  if (name === "tandem-2") {
    const db = await pg.createDatabase();
    // One after the other: the first creates the new database's schema.
    instances = [];
    for (let i = 0; i < 2; i++) instances.push(await startInstance("tandem", ["--pg", db, "--redis", redis.url]));
  } else if (name === "tandem-1") {
    instances = [await startInstance("tandem", ["--pg", await pg.createDatabase()])];
  } else {
    instances = await Promise.all([0, 1].map(() => startInstance("hocuspocus3", ["--redis", redis.url])));
  }
  const clients = await startClients();
  const of = Array.from({ length: CLIENTS }, (_, i) => i % instances.length);
  const perInstance: string[][] = [];
  for (const [k, instance] of instances.entries()) {
    const count = of.filter((x) => x === k).length;
    const ws = instance.url.replace(/^http/, "ws");
    if (name === "hocuspocus-redis") {
      perInstance.push(Array.from({ length: count }, () => `${ws}/${ROOM}`));
      continue;
    }
    const { tickets } = (await instance.ipc.call("tickets", {
      org: ORG,
      users: Array.from({ length: count }, () => USER),
    })) as { tickets: string[] };
    perInstance.push(tickets.map((t) => `${ws}/sync/${ROOM}?ticket=${t}`));
  }
  const byIndex = of.map((k) => perInstance[k]?.shift() as string);
  await clients.call("connect", {
    peer: name === "hocuspocus-redis" ? "hocuspocus" : "tandem",
    urls: byIndex,
    rooms: of.map(() => ROOM),
    instances: of,
  });
  return { name, instances, clients };
}

const serverCpu = async (p: Peer): Promise<number> => {
  const each = await Promise.all(p.instances.map(async (i) => num((await i.ipc.call("cpu")).cpuMicros)));
  return each.reduce((a, b) => a + b, 0);
};

/** Waits until no instance and no client process works (under 5 % of a core over 250 ms, at most 30 s). */
async function quiet(peers: readonly Peer[]): Promise<void> {
  const ipcs = peers.flatMap((p) => [...p.instances.map((i) => i.ipc), p.clients]);
  const sample = (): Promise<number[]> => Promise.all(ipcs.map(async (ipc) => num((await ipc.call("cpu")).cpuMicros)));
  const started = Date.now();
  let before = await sample();
  while (Date.now() - started < 30_000) {
    await new Promise((r) => setTimeout(r, 250));
    const after = await sample();
    const busy = after.some((v, i) => v - (before[i] ?? 0) > 12_500);
    before = after;
    if (!busy) return;
  }
  process.stderr.write("scale-out bench: a process was still busy after 30 s; measuring anyway\n");
}

type Figures = Record<string, number>;

/** Runs `once` for every peer: a discarded warm-up turn each, then REPEAT rounds in rotating order; medians. */
async function interleaved(
  peers: readonly Peer[],
  once: (p: Peer) => Promise<Figures>,
): Promise<Map<PeerName, Figures[]>> {
  const runs = new Map<PeerName, Figures[]>(peers.map((p) => [p.name, []]));
  for (const p of peers) {
    await quiet(peers);
    await once(p);
  }
  for (let round = 0; round < REPEAT; round++) {
    for (let i = 0; i < peers.length; i++) {
      const p = peers[(round + i) % peers.length] as Peer;
      await quiet(peers);
      runs.get(p.name)?.push(await once(p));
    }
  }
  return runs;
}

function median(list: readonly Figures[], key: string): number {
  const xs = list.map((r) => r[key] ?? Number.NaN).sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)] ?? Number.NaN;
}

const writers = Array.from({ length: WRITERS }, (_, i) => i);

/** A measured section: CPU per delivery of the instances and of the backends across `f`. */
async function measured(p: Peer, pids: () => number[], f: () => Promise<Record<string, unknown>>) {
  const [s0, b0] = [await serverCpu(p), processTreeCpuMicros(pids())];
  const r = await f();
  const [s1, b1] = [await serverCpu(p), processTreeCpuMicros(pids())];
  const delivered = Math.max(1, num(r.deliveries));
  return { r, cpu: (s1 - s0) / delivered, backendCpu: (b1 - b0) / delivered };
}

interface Row {
  readonly name: string;
  readonly unit: string;
  readonly key: string;
  readonly note: string | ((peer: PeerName) => string);
}

function printRows(peers: readonly Peer[], runs: Map<PeerName, Figures[]>, rows: readonly Row[]): void {
  const suite = `scale-out fan-out, 1 room x ${CLIENTS} clients, ${WRITERS} writers`;
  for (const p of peers) {
    const list = runs.get(p.name) ?? [];
    for (const row of rows) {
      const each = list.map((r) => Number((r[row.key] ?? Number.NaN).toPrecision(4))).join(" / ");
      const value = Number(median(list, row.key).toPrecision(4));
      const note = `${typeof row.note === "string" ? row.note : row.note(p.name)}; median of ${REPEAT}, interleaved; repetitions in run order: ${each}`;
      process.stdout.write(
        `BENCH ${JSON.stringify({ suite, name: row.name, value, unit: row.unit, peer: p.name, note })}\n`,
      );
    }
  }
}

async function main(pg: PostgresCluster, redis: RedisServer, pids: () => number[]): Promise<void> {
  const only = process.env.TANDEM_BENCH_SCALE_OUT_PEERS?.split(",");
  const peers: Peer[] = [];
  for (const name of PEERS.filter((n) => !only || only.includes(n))) {
    try {
      peers.push(await startPeer(name, pg, redis));
    } catch (err) {
      // The Tandem rows still run when Hocuspocus cannot; its reason is printed.
      if (name !== "hocuspocus-redis") throw err;
      process.stderr.write(`scale-out bench: hocuspocus-redis did not start, left out: ${String(err)}\n`);
    }
  }
  const t0 = Date.now();
  const paced = await interleaved(peers, async (p) => {
    const m = await measured(p, pids, () =>
      p.clients.call("paced", { writers, rounds: ROUNDS, intervalMs: INTERVAL_MS }),
    );
    return {
      p50: num(m.r.p50, Number.NaN),
      p99: num(m.r.p99, Number.NaN),
      p90: num(m.r.p90, Number.NaN),
      cpu: m.cpu,
      backendCpu: m.backendCpu,
      lost: num(m.r.expected) - num(m.r.deliveries),
    };
  });
  process.stderr.write(`scale-out bench: paced runs done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const byWindow = await interleaved(peers, async (p) => {
    const out: Figures = {};
    for (const window of WINDOWS) {
      const m = await measured(p, pids, () =>
        p.clients.call("saturateFor", {
          writers,
          window,
          warmMs: WARM_MS,
          measureMs: MEASURE_MS,
          perWriter: PER_WRITER,
        }),
      );
      out[`rate${window}`] = num(m.r.measured) / num(m.r.seconds, 1);
      // CPU over the whole run (settling, measured part, drain) per delivery in it.
      out[`cpu${window}`] = m.cpu;
      out[`backendCpu${window}`] = m.backendCpu;
      out[`clientBusy${window}`] = num(m.r.busy, Number.NaN);
      out[`perMessage${window}`] = num(m.r.measured) / Math.max(1, num(m.r.measuredFrames));
      out[`lost${window}`] = num(m.r.expected) - num(m.r.deliveries);
      out[`exhausted${window}`] = m.r.exhausted ? 1 : 0;
    }
    return out;
  });
  const best = new Map<PeerName, number>();
  const unpaced = new Map<PeerName, Figures[]>();
  for (const [peer, list] of byWindow) {
    const w = WINDOWS.reduce((a, b) => (median(list, `rate${b}`) > median(list, `rate${a}`) ? b : a));
    best.set(peer, w);
    const keys = ["rate", "cpu", "backendCpu", "clientBusy", "perMessage", "lost", "exhausted"];
    unpaced.set(
      peer,
      list.map((r) => Object.fromEntries(keys.map((k) => [k, r[`${k}${w}`] ?? Number.NaN]))),
    );
  }
  process.stderr.write(`scale-out bench: unpaced runs done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const readers = CLIENTS - WRITERS;
  const pacedNote = `paced: ${WRITERS} writers, one ~100-byte Y.Map entry each every ${INTERVAL_MS} ms, ${ROUNDS} rounds (${(WRITERS * 1000 * readers) / INTERVAL_MS} deliveries/s offered)`;
  const unpacedNote = (peer: PeerName): string => {
    const rates = WINDOWS.map((w) => `${w}: ${Math.round(median(byWindow.get(peer) ?? [], `rate${w}`))}/s`);
    return `unpaced: ${best.get(peer)} updates per writer in flight (the best of windows ${WINDOWS.join("/")}; ${rates.join(", ")}) until every reader has them, ${MEASURE_MS / 1000} s measured after ${WARM_MS / 1000} s`;
  };
  printRows(peers, paced, [
    { name: "latency p50 (other instance)", unit: "ms", key: "p50", note: pacedNote },
    { name: "latency p99 (other instance)", unit: "ms", key: "p99", note: pacedNote },
    { name: "latency p90 (other instance)", unit: "ms", key: "p90", note: pacedNote },
    { name: "instances' CPU per delivery (paced)", unit: "µs", key: "cpu", note: pacedNote },
    { name: "Redis + PostgreSQL CPU per delivery (paced)", unit: "µs", key: "backendCpu", note: pacedNote },
    { name: "undelivered (paced)", unit: "deliveries", key: "lost", note: pacedNote },
  ]);
  printRows(peers, unpaced, [
    { name: "deliveries/s (unpaced)", unit: "1/s", key: "rate", note: unpacedNote },
    { name: "instances' CPU per delivery (unpaced)", unit: "µs", key: "cpu", note: unpacedNote },
    { name: "Redis + PostgreSQL CPU per delivery (unpaced)", unit: "µs", key: "backendCpu", note: unpacedNote },
    { name: "entries per update message (unpaced)", unit: "entries", key: "perMessage", note: unpacedNote },
    { name: "clients' process busy (unpaced)", unit: "% of a core", key: "clientBusy", note: unpacedNote },
    { name: "undelivered (unpaced)", unit: "deliveries", key: "lost", note: unpacedNote },
    { name: "writers ran out of updates (unpaced)", unit: "runs", key: "exhausted", note: unpacedNote },
  ]);
  printTable(peers, paced, unpaced, best);
  for (const p of peers) await p.clients.call("close");
}

function printTable(
  peers: readonly Peer[],
  paced: Map<PeerName, Figures[]>,
  unpaced: Map<PeerName, Figures[]>,
  best: Map<PeerName, number>,
): void {
  const f = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  const lines = [
    `Scale-out fan-out, 1 room x ${CLIENTS} clients (${WRITERS} writers), median of ${REPEAT}:`,
    "| peer | latency p50 / p99, other instance (ms, paced) | deliveries/s (unpaced, window) | instances' CPU per delivery, paced / unpaced (µs) | Redis + PostgreSQL CPU per delivery, paced / unpaced (µs) | entries per message, clients' process busy (unpaced) |",
    "|---|---|---|---|---|---|",
  ];
  for (const p of peers) {
    const a = paced.get(p.name) ?? [];
    const b = unpaced.get(p.name) ?? [];
    lines.push(
      `| ${p.name} | ${f(median(a, "p50"), 2)} / ${f(median(a, "p99"), 2)} | ${f(median(b, "rate"), 0)} (${best.get(p.name)}) | ${f(median(a, "cpu"))} / ${f(median(b, "cpu"))} | ${f(median(a, "backendCpu"))} / ${f(median(b, "backendCpu"))} | ${f(median(b, "perMessage"))}, ${f(median(b, "clientBusy"), 0)} % |`,
    );
  }
  process.stdout.write(`\n${lines.join("\n")}\n\n`);
}

/** Stops every child (SIGTERM, then SIGKILL after 5 s) and both private servers. */
async function cleanUp(pg: PostgresCluster | undefined, redis: RedisServer | undefined): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const kill = setTimeout(() => c.kill("SIGKILL"), 5000);
          c.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          c.kill("SIGTERM");
        }),
    ),
  );
  await Promise.all([pg?.stop(), redis?.stop()]);
}

const missing = backendsMissing();
if (missing !== undefined) {
  process.stderr.write(`scale-out bench: ${missing}\n`);
} else {
  let pg: PostgresCluster | undefined;
  let redis: RedisServer | undefined;
  let cleaning: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping = true;
    cleaning ??= cleanUp(pg, redis);
    return cleaning;
  };
  onChildDied = (what) => {
    process.stderr.write(`scale-out bench failed: ${what}\n`);
    void stop().finally(() => process.exit(1));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      void stop().finally(() => process.exit(130));
    });
  }
  const started = Date.now();
  try {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const backends = { pg: pg.port, redis: redis.port };
    await main(pg, redis, () => backendPids(backends));
  } catch (err) {
    process.exitCode = 1;
    process.stderr.write(`scale-out bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  } finally {
    await stop();
  }
  process.stderr.write(`scale-out bench: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
