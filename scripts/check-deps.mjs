#!/usr/bin/env node
// Enforces the package hierarchy of docs/architecture.md ("Packages and the direction of dependencies"). Fails (exit 1) when a package imports, or
// declares a dependency on, a workspace package it may not use; when a relative import
// escapes its package; when jsforce is imported outside the adapter (the emulator's tests
// may drive it as a client); or when the pure engine imports Node built-ins.
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

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), "..", "..");
  const violations = checkDependencies(root);
  for (const v of violations) console.error(`dependency rule: ${v.file}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} dependency rule violation(s).`);
    process.exit(1);
  }
  console.log("dependency rules: ok");
}
