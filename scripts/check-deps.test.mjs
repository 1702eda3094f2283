import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkDependencies, checkFileSizes, checkFolderCycles, MAX_FILE_LINES } from "./check-deps.mjs";

let dirs = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function workspace(files) {
  const root = mkdtempSync(join(tmpdir(), "tandem-deps-"));
  dirs.push(root);
  for (const pkg of ["engine", "salesforce-adapter", "salesforce-emulator", "server", "demo-web"]) {
    mkdirSync(join(root, "packages", pkg, "src"), { recursive: true });
    writeFileSync(join(root, "packages", pkg, "package.json"), JSON.stringify({ name: `@tandem/${pkg}` }));
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("dependency direction (docs/architecture.md)", () => {
  it("accepts the allowed direction", () => {
    const root = workspace({
      "packages/server/src/a.ts": 'import { x } from "@tandem/engine";\nimport "@tandem/salesforce-adapter";',
      "packages/salesforce-adapter/src/b.ts": 'import jsforce from "jsforce";\nimport { y } from "@tandem/engine";',
      "packages/salesforce-emulator/test/c.test.ts": 'import jsforce from "jsforce";',
    });
    expect(checkDependencies(root)).toEqual([]);
  });

  it("rejects the engine importing the server", () => {
    const root = workspace({ "packages/engine/src/a.ts": 'export { x } from "@tandem/server";' });
    expect(checkDependencies(root).map((v) => v.message)).toEqual([expect.stringContaining("imports @tandem/server")]);
  });

  it("rejects a dynamic import, a relative escape, jsforce outside the adapter and IO in the engine", () => {
    const root = workspace({
      "packages/demo-web/src/a.ts": 'const m = await import("@tandem/salesforce-adapter");',
      "packages/server/src/b.ts": 'import { z } from "../../engine/src/index.js";',
      "packages/server/src/c.ts": 'import { Connection } from "jsforce";',
      "packages/engine/src/d.ts": 'import { readFileSync } from "node:fs";',
    });
    expect(checkDependencies(root)).toHaveLength(4);
  });

  it("lets tests, but not sources, use the real parts they run against", () => {
    const root = workspace({
      "packages/salesforce-adapter/test/a.test.ts": 'import { createEmulator } from "@tandem/salesforce-emulator";',
      "packages/demo-web/test/e2e.test.ts": 'import "@tandem/server";',
      "packages/salesforce-adapter/src/b.ts": 'import { createEmulator } from "@tandem/salesforce-emulator";',
    });
    expect(checkDependencies(root).map((v) => v.file)).toEqual(["packages/salesforce-adapter/src/b.ts"]);
  });

  it("rejects a manifest dependency against the direction", () => {
    const root = workspace({});
    writeFileSync(
      join(root, "packages/engine/package.json"),
      JSON.stringify({ name: "@tandem/engine", dependencies: { "@tandem/salesforce-adapter": "workspace:*" } }),
    );
    expect(checkDependencies(root)[0]?.message).toMatch(/dependencies names @tandem\/salesforce-adapter/);
  });
});

describe("structure inside a package", () => {
  it("accepts folders that import one way, and the composition root importing every folder", () => {
    const root = workspace({
      "packages/server/src/relay/relay.ts": 'import { x } from "../store/store.js";\nimport { c } from "../clock.js";',
      "packages/server/src/store/store.ts": 'import { c } from "../clock.js";',
      "packages/server/src/clock.ts": "export const c = 1;",
      "packages/server/src/server.ts": 'import "./relay/relay.js";\nimport "./store/store.js";',
    });
    expect(checkFolderCycles(root)).toEqual([]);
  });

  it("rejects two folders that import each other through a third, and names the imports", () => {
    const root = workspace({
      "packages/engine/src/a/one.ts": 'import "../b/two.js";',
      "packages/engine/src/b/two.ts": 'import "../c/three.js";',
      "packages/engine/src/c/three.ts": 'import "../a/one.js";',
      "packages/engine/src/d/four.ts": 'import "../a/one.js";',
    });
    const found = checkFolderCycles(root);
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain(
      "a (a/one.ts → ../b/two.js), b (b/two.ts → ../c/three.js), c (c/three.ts → ../a/one.js)",
    );
  });

  it("lets tests reach across folders", () => {
    const root = workspace({
      "packages/engine/src/a/one.ts": 'import "../b/two.js";',
      "packages/engine/src/b/two.test.ts": 'import "../a/one.js";',
    });
    expect(checkFolderCycles(root)).toEqual([]);
  });

  it("rejects a source file, a test included, over the line limit", () => {
    const long = `${"x;\n".repeat(MAX_FILE_LINES + 1)}`;
    const root = workspace({
      "packages/engine/src/ok.ts": "x;\n".repeat(MAX_FILE_LINES),
      "packages/engine/src/long.test.ts": long,
    });
    expect(checkFileSizes(root).map((v) => v.file)).toEqual(["packages/engine/src/long.test.ts"]);
  });
});
