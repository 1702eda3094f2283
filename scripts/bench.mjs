#!/usr/bin/env node
// `pnpm bench`: runs the `bench` script of every package that has one, one after another (the
// machine has two cores; parallel benchmarks would measure each other), and prints one table
// of every result. A benchmark reports a result by printing a line
//   BENCH {"suite":"…","name":"…","value":n,"unit":"…","peer"?:"…","note"?:"…"}
// Everything else it prints is passed through.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const only = process.argv.slice(2);
const rows = [];
let failed = 0;

function run(pkg) {
  return new Promise((done) => {
    const child = spawn("npx", ["-y", "pnpm@12.4.2", "--filter", `@tandem/${pkg}`, "run", "bench"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /BENCH (\{.*\})\s*$/.exec(line);
        if (m) rows.push({ pkg, ...JSON.parse(m[1]) });
        else process.stdout.write(`${line}\n`);
        nl = buffered.indexOf("\n");
      }
    });
    child.on("close", (code) => {
      if (code !== 0) {
        failed++;
        console.error(`bench: @tandem/${pkg} exited with ${code}`);
      }
      done();
    });
  });
}

for (const pkg of readdirSync(join(root, "packages")).sort()) {
  if (only.length > 0 && !only.includes(pkg)) continue;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8"));
  } catch {
    continue;
  }
  if (!manifest.scripts?.bench) continue;
  console.log(`\n== @tandem/${pkg} ==`);
  await run(pkg);
}

const fmt = (v) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v ?? ""));
const header = ["suite", "benchmark", "subject", "value", "unit", "note"];
const table = rows.map((r) => [r.suite ?? r.pkg, r.name, r.peer ?? "tandem", fmt(r.value), r.unit ?? "", r.note ?? ""]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(`\nResults (${new Date().toISOString()}, node ${process.versions.node})\n`);
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of table) console.log(line(row));
if (rows.length === 0) console.log("(no package has a benchmark yet)");
process.exit(failed > 0 ? 1 : 0);
