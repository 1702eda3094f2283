#!/usr/bin/env node
/**
 * Writes the API reference of the library packages to `docs/api/` (see README.md here).
 *
 * `node tools/api-docs/generate.mjs` regenerates `docs/api/`. With `--check` it writes nothing and
 * exits 1 when an exported symbol has no doc comment (each listed with its file and line) or when
 * `docs/api/` differs from what would be generated (each differing file listed). Either mode exits
 * 1 on undocumented symbols and on TypeDoc errors; TypeDoc warnings (a `{@link}` to a symbol the
 * reference does not include) are printed and do not fail.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildApiDocs } from "./api-docs.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const check = process.argv.includes("--check");
const started = performance.now();
const result = await buildApiDocs({
  root,
  // The published library packages, in the order of the index page.
  packageDirs: ["engine", "salesforce-adapter", "salesforce-emulator", "server"],
  tsconfig: join(here, "tsconfig.json"),
  outDir: join(root, "docs/api"),
  readme: join(here, "index.md"),
  name: "Tandem API reference",
  check,
});

if (result.missing.length > 0) {
  console.error(`${result.missing.length} exported symbol(s) without a doc comment:`);
  for (const m of result.missing) console.error(`  ${m.module}: ${m.symbol} (${m.kind})  ${m.location}`);
}
if (result.diffs.length > 0) {
  console.error(`docs/api is out of date (${result.diffs.length} file(s)); run \`pnpm docs:api\`:`);
  for (const d of result.diffs) console.error(`  ${d.change.padEnd(8)}  docs/api/${d.file}`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `${check ? "checked" : "wrote"} docs/api: ${result.entries.length} entry points, ` +
    `${result.missing.length} undocumented, ${result.diffs.length} stale, ${result.warnings} warning(s), ${seconds}s`,
);
if (result.missing.length > 0 || result.diffs.length > 0 || result.errors > 0) process.exitCode = 1;
