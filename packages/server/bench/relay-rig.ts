/**
 * The relay benchmark's rig (used by `run.ts`): each peer's server process (`peer-server.ts`,
 * on CPU 0 where it can be pinned) and client process (`bench-clients.ts`, CPU 1) driven over
 * IPC, the wait until every process is idle, the interleaved repetitions whose medians are the figures, and
 * the `BENCH {…}` line each figure is printed as.
 *
 * Invariant: every peer is measured the same way: the same harness, the same allocator
 * setting, the same Node flags, its runs interleaved with the others' so that a slow spell of
 * the machine falls on all of them alike.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

/** `tandem-unchecked` is Tandem without the relay's write check (what the check costs). */
export const PEERS = ["tandem", "tandem-unchecked", "y-websocket-server", "hocuspocus"] as const;
export type Peer = (typeof PEERS)[number];
const ORG = "00DBENCH000000001A";
const execArgv = ["--conditions=@tandem/source", "--import", "tsx"];

/** Prints one figure as a `BENCH {…}` line (scripts/bench.mjs tabulates them), with its repetitions in run order. */
export function bench(
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

/** Request/response calls to a child process over its IPC channel (`{ id, cmd, … }`, answered with the same id). */
export class Ipc {
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

/** Forks a peer's server process and resolves with its URL once it listens. */
export async function startServer(peer: Peer): Promise<{ ipc: Ipc; url: string }> {
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

/** Forks a client process (`bench-clients.ts`) and resolves once it is ready. */
async function startClients(): Promise<Ipc> {
  const child = fork(fileURLToPath(new URL("./bench-clients.ts", import.meta.url)), [], {
    ...pinnedTo(1, [...execArgv, ...profileFlags()]),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve) => child.once("message", () => resolve()));
  return new Ipc(child);
}

/** What a server process reports of itself (`stats`). */
export interface Stats {
  cpuMicros: number;
  rss: number;
  heap: number;
  rooms: number;
}

/** Each user's room and the URL a client opens for it on `peer` (with a ticket on Tandem). */
export async function urlsFor(
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
 * Repetitions of each fan-out and 500-room measurement; each figure is their median. One more
 * repetition runs first and is discarded: it warms up the JIT of every peer alike.
 */
export const REPEAT = Math.max(1, Number(process.env.TANDEM_BENCH_REPEAT ?? "3"));
/**
 * Repetitions of each measurement that lasts about a second (the paced fan-out runs, the
 * 500-room runs): three times REPEAT by default (TANDEM_BENCH_SHORT_REPEAT). Fan-out 100 paced
 * latency moved by more between runs of the same peer (3.3–6.0 ms) than it differed between
 * peers, and a slow spell of a few seconds decided a 500-room figure: the median of three
 * samples that short could not tell the peers apart.
 */
export const SHORT_REPEAT = Math.max(1, Number(process.env.TANDEM_BENCH_SHORT_REPEAT ?? String(3 * REPEAT)));

export const num = (v: unknown, fallback = 0): number => (typeof v === "number" ? v : fallback);

/** One peer's server process and its own client process, both kept for the whole run. */
export interface Rig {
  readonly peer: Peer;
  readonly server: { ipc: Ipc; url: string };
  readonly clients: Ipc;
  readonly baseline: Stats;
  stats(): Promise<Stats>;
}

/** Starts a peer's server and client processes and takes the server's baseline stats. */
export async function startRig(peer: Peer): Promise<Rig> {
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
export async function interleaved<K extends string>(
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
export function each<K extends string>(of: { runs: Map<Peer, Record<K, number>[]> }, peer: Peer, key: K): number[] {
  return (of.runs.get(peer) ?? []).map((r) => r[key]);
}
