#!/usr/bin/env node
// `npm start` → the demo of the README's quick start: builds the web client, starts the server with its
// embedded emulated org (which serves the client on its own port) from its sources in one
// process (with MALLOC_ARENA_MAX=2 unless set), and prints
// "Tandem demo: <url>" with the demo users to sign in as. Whatever part does not exist yet is
// named plainly instead of being pretended. Ctrl-C stops everything.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const port = process.env.PORT ?? "8787";
const dataDir = join(root, ".tandem", "demo");
const webDir = join(root, "packages", "demo-web");
const serverCli = join(root, "packages", "server", "src", "cli.ts");
const missing = [];

if (existsSync(join(webDir, "index.html"))) {
  console.log("tandem: building the web client…");
  const build = spawnSync("npx", ["vite", "build", "--logLevel", "warn"], { cwd: webDir, stdio: "inherit" });
  if (build.status !== 0) {
    console.error("tandem: the web client failed to build; see the errors above.");
    process.exit(build.status ?? 1);
  }
} else {
  missing.push("the web client (packages/demo-web) is not built yet");
}

if (!existsSync(serverCli)) {
  console.log("Tandem demo: not available yet: the server (packages/server) has no CLI.");
  for (const m of missing) console.log(`Also missing: ${m}.`);
  process.exit(1);
}

const args = ["--conditions=@tandem/source", "--import", "tsx", serverCli, "--port", port, "--data-dir", dataDir];
if (existsSync(join(webDir, "dist", "index.html"))) args.push("--static-dir", join(webDir, "dist"));
// Two glibc malloc arenas: the store's fsyncs run on libuv's thread pool, whose per-thread
// arenas otherwise keep freed memory resident (measured: 17 vs 3.5 KB RSS per idle socket).
// glibc reads it at process start, so it goes in the server's environment (as operators set it,
// packages/server/README.md); other allocators ignore it; an explicit setting wins.
const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" };
const server = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

let ready = false;
createInterface({ input: server.stdout }).on("line", (line) => {
  if (ready) return void process.stdout.write(`${line}\n`);
  let info;
  try {
    info = JSON.parse(line);
  } catch {
    return void process.stdout.write(`${line}\n`);
  }
  ready = true;
  console.log(`\nTandem demo: ${info.url}`);
  console.log(`Salesforce (emulated org): ${info.salesforceUrl}`);
  if (Array.isArray(info.users)) {
    console.log("Sign in as one of the demo users:");
    for (const u of info.users) console.log(`  ${u.name.padEnd(22)} ${u.username}  (password ${u.password})`);
  }
  if (info.salesforceClient) {
    const { clientId, clientSecret } = info.salesforceClient;
    console.log(
      "To check what Tandem wrote, ask the emulated org's REST API as a demo user (README, \"The demo's org\"):",
    );
    console.log(`  client id     ${clientId}`);
    console.log(`  client secret ${clientSecret}`);
  }
  for (const m of missing) console.log(`Not there yet: ${m}.`);
  console.log("Ctrl-C stops the demo.\n");
});
