/**
 * Builds the web client as it was at a given commit (the benchmark's "current build" peer),
 * in the same run as the working tree's build: `git archive <commit> packages/demo-web
 * tsconfig.base.json` into a fresh temporary directory laid out like the workspace, whose
 * `packages/demo-web/node_modules` is a link to this package's (so Vite, React, Yjs and the
 * workspace's `@tandem/engine` resolve exactly as for the current build), then `vite build`.
 *
 * Invariants: only read-only git commands; nothing is written inside the workspace; the
 * temporary source tree is removed once built, the output directory is the caller's.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PACKAGE_DIR, ROOT_DIR } from "../test/e2e/harness.js";

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, [...args], { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/**
 * Builds `packages/demo-web` of `commit` and returns the output directory.
 *
 * @example
 * ```ts
 * const webDir = buildClientAt("ae63854"); // serve it with startServer(org, webDir)
 * ```
 */
export function buildClientAt(commit: string): string {
  const tree = mkdtempSync(join(tmpdir(), `tandem-web-${commit}-src-`));
  const outDir = mkdtempSync(join(tmpdir(), `tandem-web-${commit}-`));
  try {
    const archive = join(tree, "source.tar");
    run("git", ["archive", "--output", archive, commit, "packages/demo-web", "tsconfig.base.json"], ROOT_DIR);
    run("tar", ["-xf", archive], tree);
    const pkg = join(tree, "packages", "demo-web");
    symlinkSync(join(PACKAGE_DIR, "node_modules"), join(pkg, "node_modules"), "dir");
    const vite = join(PACKAGE_DIR, "node_modules", "vite", "bin", "vite.js");
    run(process.execPath, [vite, "build", "--logLevel", "error", "--outDir", outDir, "--emptyOutDir"], pkg, {
      ...process.env,
      NODE_ENV: "production",
    });
    return outDir;
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}
