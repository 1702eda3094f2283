#!/usr/bin/env node
// The README's two commands start here. On a fresh machine with only Node and npm it
// bootstraps pnpm through npx, installs the workspace when node_modules is missing or older
// than the lockfile, then runs the named root script ("test" → check, "demo" → the demo).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PNPM = ["-y", "pnpm@12.4.2"];
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const task = process.argv[2];
const script = { test: "check", demo: "demo" }[task ?? ""];
if (script === undefined) {
  console.error(`usage: node scripts/bootstrap.mjs test|demo (got ${JSON.stringify(task)})`);
  process.exit(2);
}

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Tandem needs Node.js >= 20.19; this is ${process.versions.node}.`);
  process.exit(1);
}

function pnpm(args) {
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  const result = spawnSync(npx, [...PNPM, ...args], { cwd: root, stdio: "inherit", env: process.env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

// The browser tests drive Debian's Chromium (a test tool's own browser download cannot work
// here); the scale-out tests start private PostgreSQL and Redis servers from Debian's packages.
// Install what is missing when we may (root with apt-get); otherwise say what is needed (those
// tests then skip, loudly).
if (task === "test") {
  const onPath = (bin) => (process.env.PATH ?? "").split(":").some((d) => existsSync(join(d, bin)));
  const postgres = () =>
    existsSync("/usr/lib/postgresql") &&
    readdirSync("/usr/lib/postgresql").some((v) => existsSync(join("/usr/lib/postgresql", v, "bin", "postgres")));
  const wanted = [
    ["chromium", () => existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"), "the browser tests"],
    ["postgresql", postgres, "the scale-out tests"],
    ["redis-server", () => onPath("redis-server"), "the scale-out tests"],
  ].filter(([, present]) => !present());
  if (wanted.length > 0) {
    const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
    const names = wanted.map(([pkg]) => pkg);
    if (canApt) {
      console.log(`tandem: installing Debian's ${names.join(", ")} for the tests…`);
      const apt = spawnSync("bash", [join(root, "scripts", "ci-system-deps.sh"), ...names], { stdio: "inherit" });
      if (apt.status !== 0) process.exit(apt.status ?? 1);
    } else {
      for (const [pkg, , what] of wanted) console.warn(`tandem: ${what} need Debian's ${pkg}; install it first.`);
    }
  }
}

const marker = join(root, "node_modules", ".modules.yaml");
const lock = join(root, "pnpm-lock.yaml");
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.log("tandem: installing dependencies (pnpm install --frozen-lockfile)…");
  const status = pnpm(["install", "--frozen-lockfile"]);
  if (status !== 0) process.exit(status);
}
process.exit(pnpm(["run", script, ...process.argv.slice(3)]));
