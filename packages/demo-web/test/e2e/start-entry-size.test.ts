/**
 * The entry chunk's budget (issue 24): the production build's first-paint JavaScript — the
 * entry chunk and what it imports statically — holds no Yjs and no engine and stays within
 * `ENTRY_BUDGET`; and the check the `build` script runs fails a build that does not.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain Node script without type declarations (scripts/ is not TypeScript).
import { ENTRY_BUDGET, entryChunks, measureEntry } from "../../scripts/check-entry-size.mjs";
import { buildClient, PACKAGE_DIR } from "./harness.js";

const SCRIPT = join(PACKAGE_DIR, "scripts", "check-entry-size.mjs");
let webDir = "";

beforeAll(() => {
  webDir = buildClient();
}, 120_000);

afterAll(() => {
  rmSync(webDir, { recursive: true, force: true });
});

describe("the entry chunk", () => {
  it("holds neither Yjs nor the engine, and stays within its budget", () => {
    const size = measureEntry(webDir) as { chunks: { file: string }[]; raw: number; gzip: number };
    expect(size.raw).toBeLessThanOrEqual(ENTRY_BUDGET.raw);
    expect(size.gzip).toBeLessThanOrEqual(ENTRY_BUDGET.gzip);
    for (const { file } of size.chunks) {
      const code = readFileSync(join(webDir, file), "utf8");
      // Yjs's guard against two copies, and the engine's book map names (string literals survive minifying).
      expect(code).not.toContain("Yjs was already imported");
      expect(code).not.toContain("contactRoles");
    }
    const manifest = JSON.parse(readFileSync(join(webDir, ".vite", "manifest.json"), "utf8"));
    expect(entryChunks(manifest)).toHaveLength(1);
    expect(manifest["index.html"]?.dynamicImports).toContain("src/ui/app.tsx");
    // …and both are in the build, in the chunks loaded behind the first paint.
    const all = Object.values(manifest as Record<string, { file: string }>)
      .map((c) => readFileSync(join(webDir, c.file), "utf8"))
      .join("\n");
    expect(all).toContain("Yjs was already imported");
    expect(all).toContain("contactRoles");
  });

  it("fails the build's check when the first paint's JavaScript is over budget", () => {
    const dir = mkdtempSync(join(tmpdir(), "tandem-entry-"));
    try {
      mkdirSync(join(dir, ".vite"));
      mkdirSync(join(dir, "assets"));
      // Random bytes do not compress: over both budgets.
      const big = Buffer.from(Array.from({ length: ENTRY_BUDGET.raw + 1024 }, (_, i) => (i * 7919) % 251));
      writeFileSync(join(dir, "assets", "index.js"), big);
      const manifest = { "index.html": { file: "assets/index.js", isEntry: true } };
      writeFileSync(join(dir, ".vite", "manifest.json"), JSON.stringify(manifest));
      const over = spawnSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" });
      expect(over.status).toBe(1);
      expect(over.stderr).toMatch(/over budget/);
      const fine = spawnSync(process.execPath, [SCRIPT, webDir], { encoding: "utf8" });
      expect(fine.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
