#!/usr/bin/env node
// Enforces the package hierarchy of docs/architecture.md ("Packages and the direction of dependencies"). Fails (exit 1) when a package imports, or
// declares a dependency on, a workspace package it may not use; when a relative import
// escapes its package; when jsforce is imported outside the adapter (the emulator's tests
// may drive it as a client); or when the pure engine imports Node built-ins. Also checks the
// structure inside each package: no two folders of a package's src/ import each other, however
// indirectly (every import runs one way), and no source file is longer than MAX_FILE_LINES.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Which workspace packages each package may import (docs/architecture.md). */
export const ALLOWED = {
  engine: [],
  "salesforce-adapter": ["engine"],
  "salesforce-emulator": [],
  server: ["engine", "salesforce-adapter", "salesforce-emulator"],
  "demo-web": ["engine"],
};

/**
 * Packages a package may use in its tests, benchmarks and devDependencies only: tests run
 * against real parts (the adapter against the emulator; the web client end to end against
 * the server and the emulator).
 */
export const TEST_ONLY = {
  "salesforce-adapter": ["salesforce-emulator"],
  "demo-web": ["server", "salesforce-emulator"],
};

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (SOURCE.test(name)) yield path;
  }
}

function isTestFile(path) {
  return /\.(test|spec)\.[a-z]+$/.test(path) || path.includes(`${sep}test${sep}`) || path.includes(`${sep}bench${sep}`);
}

/**
 * Lists every violation of the hierarchy under `root` as `{ file, message }`.
 * @param {string} root the workspace root
 */
export function checkDependencies(root) {
  const violations = [];
  const packagesDir = join(root, "packages");
  for (const pkg of readdirSync(packagesDir)) {
    const pkgDir = join(packagesDir, pkg);
    if (!statSync(pkgDir).isDirectory()) continue;
    const allowed = ALLOWED[pkg];
    if (allowed === undefined) {
      violations.push({
        file: relative(root, pkgDir),
        message: `package "${pkg}" is not in the hierarchy of docs/architecture.md`,
      });
      continue;
    }
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        const m = /^@tandem\/(.+)$/.exec(dep);
        const testOnly = field === "devDependencies" && (TEST_ONLY[pkg] ?? []).includes(m?.[1]);
        if (m && !allowed.includes(m[1]) && !testOnly) {
          violations.push({
            file: relative(root, join(pkgDir, "package.json")),
            message: `${field} names ${dep}; ${pkg} may use only [${allowed.join(", ")}]`,
          });
        }
      }
    }
    for (const file of walk(pkgDir)) {
      const text = readFileSync(file, "utf8");
      const rel = relative(root, file);
      for (const match of text.matchAll(SPECIFIER)) {
        const spec = match[1];
        const tandem = /^@tandem\/([^/]+)/.exec(spec);
        const testOnly = isTestFile(file) && (TEST_ONLY[pkg] ?? []).includes(tandem?.[1]);
        if (tandem && tandem[1] !== pkg && !allowed.includes(tandem[1]) && !testOnly) {
          violations.push({
            file: rel,
            message: `imports ${spec}; ${pkg} may import only [${allowed.join(", ")}] (docs/architecture.md)`,
          });
        }
        if (spec.startsWith(".")) {
          const target = resolve(file, "..", spec);
          if (!target.startsWith(pkgDir + sep)) {
            violations.push({
              file: rel,
              message: `relative import ${spec} leaves the package; import through the package name`,
            });
          }
        }
        if ((spec === "jsforce" || spec.startsWith("jsforce/")) && pkg !== "salesforce-adapter") {
          if (!(pkg === "salesforce-emulator" && isTestFile(file))) {
            violations.push({
              file: rel,
              message: "imports jsforce; only @tandem/salesforce-adapter may (docs/architecture.md)",
            });
          }
        }
        if (
          pkg === "engine" &&
          !isTestFile(file) &&
          (spec.startsWith("node:") || ["fs", "net", "http", "https", "child_process"].includes(spec))
        ) {
          violations.push({ file: rel, message: `imports ${spec}; the engine does no IO` });
        }
      }
    }
  }
  return violations;
}

/** Longest source file (lines), tests and benchmarks included (CONVENTIONS: split by responsibility). */
export const MAX_FILE_LINES = 500;

/**
 * Files allowed past MAX_FILE_LINES, each with the reason (an ADR where it is a design choice).
 * Keep it empty: split the file instead.
 */
export const SIZE_EXCEPTIONS = {};

/**
 * Lists every source file of `root`'s packages longer than MAX_FILE_LINES as `{ file, message }`.
 * @param {string} root the workspace root
 */
export function checkFileSizes(root) {
  const violations = [];
  const packagesDir = join(root, "packages");
  for (const pkg of readdirSync(packagesDir)) {
    const pkgDir = join(packagesDir, pkg);
    if (!statSync(pkgDir).isDirectory()) continue;
    for (const file of walk(pkgDir)) {
      const rel = relative(root, file).split(sep).join("/");
      const text = readFileSync(file, "utf8");
      const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      if (lines > MAX_FILE_LINES && !(rel in SIZE_EXCEPTIONS)) {
        violations.push({ file: rel, message: `${lines} lines; split it below ${MAX_FILE_LINES} (CONVENTIONS.md)` });
      }
    }
  }
  return violations;
}

/**
 * Lists every pair of places in a package's `src/` that import each other, however indirectly,
 * as `{ file, message }`. A place is a top-level folder of `src/`, or a file directly in it (the
 * composition root, shared leaves such as a clock). Tests and benchmarks are left out: they may
 * reach anywhere.
 * @param {string} root the workspace root
 */
export function checkFolderCycles(root) {
  const violations = [];
  const packagesDir = join(root, "packages");
  for (const pkg of readdirSync(packagesDir)) {
    const srcDir = join(packagesDir, pkg, "src");
    let isDir = false;
    try {
      isDir = statSync(srcDir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) continue;
    /** place → place → an example import `from → spec` */
    const edges = new Map();
    const placeOf = (path) =>
      relative(srcDir, path)
        .split(sep)[0]
        .replace(/\.(m?[jt]sx?)$/, "");
    for (const file of walk(srcDir)) {
      if (isTestFile(file)) continue;
      const from = placeOf(file);
      for (const match of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
        const spec = match[1];
        if (!spec.startsWith(".")) continue;
        const target = resolve(file, "..", spec);
        if (!target.startsWith(srcDir + sep)) continue;
        const to = placeOf(target);
        if (to === from) continue;
        if (!edges.has(from)) edges.set(from, new Map());
        if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative(srcDir, file)} → ${spec}`);
      }
    }
    for (const cycle of cyclesOf(edges)) {
      const path = cycle.map((p, i) => `${p} (${edges.get(p).get(cycle[(i + 1) % cycle.length])})`).join(", ");
      violations.push({
        file: relative(root, srcDir),
        message: `folders import each other: ${path}; make the imports run one way`,
      });
    }
  }
  return violations;
}

/** One cycle through each strongly connected group of `edges` (Tarjan), as a list of places. */
function cyclesOf(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(new Set(group));
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  // A cycle inside each group: walk from its first place along edges that stay in the group.
  return groups.map((group) => {
    const start = [...group].sort()[0];
    const path = [start];
    const seen = new Set([start]);
    for (let at = start; ; ) {
      const nextPlace = [...(edges.get(at)?.keys() ?? [])].filter((w) => group.has(w)).sort()[0];
      if (nextPlace === undefined || seen.has(nextPlace)) {
        if (nextPlace !== undefined) return path.slice(path.indexOf(nextPlace));
        return path;
      }
      path.push(nextPlace);
      seen.add(nextPlace);
      at = nextPlace;
    }
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), "..", "..");
  const violations = [...checkDependencies(root), ...checkFolderCycles(root), ...checkFileSizes(root)];
  for (const v of violations) console.error(`dependency rule: ${v.file}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} dependency rule violation(s).`);
    process.exit(1);
  }
  console.log("dependency rules, folder structure and file sizes: ok");
}
