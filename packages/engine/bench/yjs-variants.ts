/**
 * Runs a benchmark once with the workspace's patched yjs and once with the unpatched copy
 * (unpatched-yjs.ts), one child process each, one after the other, and prints both runs'
 * figures side by side (issue 21: "the engine figures with and without the yjs patch, in the
 * same run").
 *
 * Invariants:
 * - each child runs with this process's own Node flags (`process.execArgv`: the package's
 *   `bench` script is the one place they are written); the unpatched child adds
 *   `--import use-unpatched-yjs.ts`, which redirects every yjs import before anything loads;
 * - each child reports which yjs it really ran (a `YJS {…}` line from `describeRunningYjs`),
 *   and a run that ran another build than asked for fails the whole benchmark;
 * - `BENCH` lines are passed on for scripts/bench.mjs: the patched run's unchanged, the
 *   unpatched run's with " (yjs unpatched)" added to each name.
 */
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { RunningYjs } from "./unpatched-yjs.js";

/** The environment variable a child reads to know it is one build's run, and which. */
export const YJS_BUILD_ENV = "TANDEM_BENCH_YJS_BUILD";

/** A yjs build a benchmark child runs against. */
export type YjsBuild = "patched" | "unpatched";

/** One `BENCH {…}` result line of a benchmark (scripts/bench.mjs' format). */
export interface BenchRow {
  readonly suite?: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly peer?: string;
  readonly note?: string;
}

/** What one child printed: its results in order, and the yjs it reported running. */
interface ChildRun {
  readonly build: YjsBuild;
  readonly rows: BenchRow[];
  readonly yjs: RunningYjs | null;
  readonly code: number | null;
  readonly loadBefore: number;
  readonly loadAfter: number;
}

const UNPATCHED_SUFFIX = " (yjs unpatched)";

/** Prints the `YJS {…}` line a child's driver checks; call it first thing in a child. */
export function reportRunningYjs(yjs: RunningYjs): void {
  console.log(`YJS ${JSON.stringify(yjs)}`);
}

function runChild(entry: string, build: YjsBuild): Promise<ChildRun> {
  const hook = new URL("./use-unpatched-yjs.ts", import.meta.url).href;
  const args = [...process.execArgv, ...(build === "unpatched" ? ["--import", hook] : []), entry];
  const rows: BenchRow[] = [];
  let yjs: RunningYjs | null = null;
  const loadBefore = loadavg()[0] ?? 0;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, [YJS_BUILD_ENV]: build },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    const onLine = (line: string): void => {
      const bench = /^BENCH (\{.*\})\s*$/.exec(line);
      const running = /^YJS (\{.*\})\s*$/.exec(line);
      if (bench?.[1]) {
        const row = JSON.parse(bench[1]) as BenchRow;
        rows.push(row);
        const shown = build === "unpatched" ? { ...row, name: row.name + UNPATCHED_SUFFIX } : row;
        console.log(`BENCH ${JSON.stringify(shown)}`);
      } else {
        if (running?.[1]) yjs = JSON.parse(running[1]) as RunningYjs;
        console.log(`[${build}] ${line}`);
      }
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
    child.on("error", fail);
    child.on("close", (code) => {
      if (buffered) onLine(buffered);
      done({ build, rows, yjs, code, loadBefore, loadAfter: loadavg()[0] ?? 0 });
    });
  });
}

const fmt = (r: BenchRow | undefined): string => {
  if (!r) return "";
  const v = Math.abs(r.value) >= 100 ? Math.round(r.value).toLocaleString("en-US") : String(r.value);
  return r.unit === "ratio" ? `${v}×` : `${v} ${r.unit}`;
};

/** The side-by-side table of two runs, one row per measure of the patched run. */
export function sideBySide(patched: readonly BenchRow[], unpatched: readonly BenchRow[]): string {
  const byName = new Map(unpatched.map((r) => [r.name, r]));
  const header = ["measure", "patched", "unpatched", "unpatched / patched"];
  const table = patched.map((p) => {
    const u = byName.get(p.name);
    const ratio = u && p.value !== 0 ? `${(u.value / p.value).toFixed(2)}` : "";
    return [p.name, fmt(p), fmt(u), ratio];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...table.map(line)].join("\n");
}

/**
 * Runs `entry` (a benchmark file) as a patched and an unpatched child, checks each ran the yjs
 * build it was given, and prints the comparison. Resolves to the exit code for the process.
 *
 * @remarks `BENCH_YJS` lists the builds to run, in order (default `patched,unpatched`;
 * `unpatched,patched` swaps the order, `patched` runs one).
 * @example
 * if (process.env[YJS_BUILD_ENV] === undefined) process.exitCode = await runWithBothYjsBuilds(import.meta.url);
 */
export async function runWithBothYjsBuilds(entry: string): Promise<number> {
  const asked = (process.env.BENCH_YJS ?? "patched,unpatched").split(",").map((b) => b.trim());
  const builds = asked.filter((b): b is YjsBuild => b === "patched" || b === "unpatched");
  if (builds.length === 0 || builds.length !== asked.length) {
    console.error(`bench: BENCH_YJS=${process.env.BENCH_YJS}: give patched, unpatched, or both in the order to run`);
    return 1;
  }
  const started = new Date().toISOString();
  const runs: ChildRun[] = [];
  for (const build of builds) runs.push(await runChild(fileURLToPath(entry), build));
  let failed = 0;
  for (const run of runs) {
    if (run.code !== 0) {
      failed++;
      console.error(`bench: the ${run.build} yjs run exited with ${run.code}`);
    } else if (run.yjs?.build !== run.build) {
      failed++;
      console.error(`bench: the ${run.build} run ran yjs ${JSON.stringify(run.yjs)}, not the ${run.build} build`);
    }
  }
  const cpu = cpus();
  console.log(
    `\nyjs patched vs unpatched, one run (${started}; node ${process.versions.node}; ${cpu.length} × ${cpu[0]?.model ?? "cpu"})`,
  );
  for (const run of runs) {
    console.log(
      `- ${run.build}: ${run.yjs?.dir ?? "?"}; load average ${run.loadBefore.toFixed(2)} → ${run.loadAfter.toFixed(2)}`,
    );
  }
  const patched = runs.find((r) => r.build === "patched")?.rows ?? [];
  const unpatched = runs.find((r) => r.build === "unpatched")?.rows ?? [];
  if (patched.length > 0 && unpatched.length > 0) {
    console.log(`\n${sideBySide(patched, unpatched)}\n`);
    console.log(
      "The patch changes only how yjs decodes an update (Y.applyUpdate): the load and heap rows. Other rows decode nothing; their differences are mostly noise (and a larger heap to collect).\n",
    );
  }
  return failed > 0 ? 1 : 0;
}
