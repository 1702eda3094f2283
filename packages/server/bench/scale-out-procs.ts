/**
 * Processes of the scale-out benchmark: CPU pinning of its children (as `relay-rig.ts` pins the
 * relay bench's), and the CPU time of the private Redis and PostgreSQL, read from /proc (they
 * are not Node processes and cannot answer over IPC).
 *
 * PostgreSQL is a postmaster with a backend process per connection: its CPU is the postmaster's
 * own, its live children's, and the children it has reaped (`cutime`, `cstime`), so a pool
 * connection that closes mid-run still counts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/**
 * Fork options that pin a child to one CPU with `taskset` (instances on CPU 0, clients on
 * CPU 1) when the machine has two or more CPUs and `taskset` exists; `TANDEM_BENCH_PIN=0` turns
 * it off.
 */
export function pinnedTo(cpu: number, argv: string[]): { execPath?: string; execArgv: string[] } {
  const taskset = "/usr/bin/taskset";
  if (process.env.TANDEM_BENCH_PIN === "0" || availableParallelism() < 2 || !existsSync(taskset)) {
    return { execArgv: argv };
  }
  return { execPath: taskset, execArgv: ["-c", String(cpu), process.execPath, ...argv] };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces), or undefined. */
function statOf(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The CPU time of `pids` and of the children they have reaped, in µs (0 for a process gone). */
export function processTreeCpuMicros(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statOf(pid);
    // utime, stime, cutime, cstime: fields 14–17 of stat(5), 11–14 after the name.
    if (f) for (const i of [11, 12, 13, 14]) ticks += Number(f[i] ?? 0);
  }
  return (ticks / TICKS_PER_SECOND) * 1e6;
}

/** The pids of the `redis-server` on `redis` and of the postmaster on `pg` and its children. */
export function backendPids(ports: { pg: number; redis: number }): number[] {
  const pids = allPids();
  const out: number[] = [];
  let postmaster: number | undefined;
  for (const pid of pids) {
    const argv = cmdlineOf(pid);
    const bin = argv[0] ?? "";
    // redis-server retitles itself "redis-server 127.0.0.1:<port>".
    if (bin.includes("redis-server") && argv.join(" ").includes(`:${ports.redis}`)) out.push(pid);
    if (bin.endsWith("/postgres") && argv.some((a, i) => a === "-p" && argv[i + 1] === String(ports.pg))) {
      postmaster = pid;
      out.push(pid);
    }
  }
  if (postmaster !== undefined) {
    for (const pid of pids) if (statOf(pid)?.[1] === String(postmaster)) out.push(pid);
  }
  return out;
}
