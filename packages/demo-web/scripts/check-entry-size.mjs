#!/usr/bin/env node
// The entry chunk's size budget, checked after `vite build` (`pnpm --filter @tandem/demo-web build`):
// the JavaScript the first paint needs — the entry chunk and every chunk it imports statically,
// found through Vite's manifest — must stay within ENTRY_BUDGET, raw and gzip. Exits 1 when it
// does not (naming the chunks), so the build fails.
//
// Why these numbers (KiB, gzip level 9): the entry is React + ReactDOM (most of it) plus the
// snapshot paint (ui/start.tsx, snapshot/, the pure pipeline query and formats: a few KiB), measured
// at 233.2 KiB raw / 72.3 KiB gzip with Vite 8.3.8 — against 530 kB for the single chunk before
// the split. The budget leaves ~10 % for growth and is well below what Yjs (~90 kB raw) or the
// engine with effect/Schema (~130 kB) would add: a static import of either on the start path
// fails the build, which is the point.
//
// Usage: node scripts/check-entry-size.mjs [outDir]   (default: dist)
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

/** The budget of the first paint's JavaScript, in bytes. */
export const ENTRY_BUDGET = { raw: 256 * 1024, gzip: 80 * 1024 };

/** The manifest keys of the entry chunk and of every chunk it imports statically (transitively). */
export function entryChunks(manifest) {
  const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry === true);
  if (entries.length !== 1) throw new Error(`expected one entry chunk in the manifest, found ${entries.length}`);
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const next of manifest[key]?.imports ?? []) visit(next);
  };
  visit(entries[0]);
  return [...seen];
}

/** Raw and gzip sizes of the entry chunks of the build in `outDir`. */
export function measureEntry(outDir) {
  const manifest = JSON.parse(readFileSync(join(outDir, ".vite", "manifest.json"), "utf8"));
  const chunks = entryChunks(manifest).map((key) => {
    const body = readFileSync(join(outDir, manifest[key].file));
    return { file: manifest[key].file, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  return {
    chunks,
    raw: chunks.reduce((sum, c) => sum + c.raw, 0),
    gzip: chunks.reduce((sum, c) => sum + c.gzip, 0),
  };
}

const kB = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = resolve(process.argv[2] ?? "dist");
  const size = measureEntry(outDir);
  const files = size.chunks.map((c) => c.file).join(", ");
  const over = size.raw > ENTRY_BUDGET.raw || size.gzip > ENTRY_BUDGET.gzip;
  const line = `entry chunk ${files}: ${kB(size.raw)} raw (budget ${kB(ENTRY_BUDGET.raw)}), ${kB(size.gzip)} gzip (budget ${kB(ENTRY_BUDGET.gzip)})`;
  if (over) {
    console.error(`check-entry-size: over budget: ${line}`);
    console.error(
      "Something heavy (Yjs, the engine, a dialog) is imported statically on the start path; import it dynamically.",
    );
    process.exit(1);
  }
  console.log(`check-entry-size: ${line}`);
}
