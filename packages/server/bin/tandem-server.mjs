#!/usr/bin/env node
// Launcher: runs src/cli.ts with tsx and the workspace source condition, forwarding
// arguments, stdio, signals and the exit code.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const cliPath = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
// Two glibc malloc arenas: the store's fsyncs run on libuv's thread pool, whose per-thread
// arenas otherwise keep freed memory resident (measured: 17 vs 3.5 KB RSS per idle socket).
// Other allocators ignore it; an explicit setting wins.
const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" };
const child = spawn(
  process.execPath,
  ["--conditions=@tandem/source", "--import", "tsx", cliPath, ...process.argv.slice(2)],
  { stdio: "inherit", env },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
