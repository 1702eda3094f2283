#!/usr/bin/env node
// Launches the emulator CLI from its TypeScript sources through tsx, resolving workspace
// packages by the @tandem/source condition. Signals are forwarded; the exit code is passed on.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "src", "cli.ts");
const require = createRequire(import.meta.url);
let tsx = "tsx";
try {
  tsx = pathToFileURL(require.resolve("tsx")).href;
} catch {
  // fall back to bare "tsx" resolution by node
}
const child = spawn(process.execPath, ["--conditions=@tandem/source", "--import", tsx, cli, ...process.argv.slice(2)], {
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
