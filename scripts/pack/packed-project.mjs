/**
 * Builds the library packages, packs them as npm would publish them, and installs the tarballs
 * with plain `npm install` into a fresh project outside the workspace: what a third-party
 * developer gets from the registry. Used by scripts/pack.test.mjs.
 *
 * Invariants: the project lives under the OS temp directory, so nothing resolves from the
 * workspace's node_modules; every library is installed from its own tarball in one `npm
 * install`, so the packages' dependencies on each other are satisfied by those tarballs and never
 * fetched from the registry.
 */
import { cpSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./processes.mjs";

/** The packages that are published, by folder under packages/. */
export const LIBRARIES = ["engine", "salesforce-adapter", "salesforce-emulator", "server"];

/** What apps install beside the libraries: the yjs peer, and node's types for the TypeScript example. */
const APP_DEPENDENCIES = ["yjs@13.6.33", "@types/node@20.19.43"];

const PNPM = ["-y", "pnpm@12.4.2"];

/**
 * Builds every library (not the web client) from the workspace at `root`, packs each into
 * `<work>/tarballs`, and installs them into `<work>/app`, with `examples/` copied to
 * `<work>/app/examples`. Resolves the tarball paths by package folder.
 *
 * @example
 * const { app, tarballs } = await createPackedProject(root, mkdtempSync(join(tmpdir(), "tandem-pack-")));
 */
export async function createPackedProject(root, work) {
  const packDir = join(work, "tarballs");
  const app = join(work, "app");
  mkdirSync(packDir, { recursive: true });
  mkdirSync(app, { recursive: true });
  await run("npx", [...PNPM, "-r", "--filter", "./packages/*", "--filter", "!@tandem/demo-web", "run", "build"], {
    cwd: root,
  });
  const tarballs = {};
  for (const pkg of LIBRARIES) {
    const dest = join(packDir, pkg);
    mkdirSync(dest);
    await run("npx", [...PNPM, "pack", "--pack-destination", dest], { cwd: join(root, "packages", pkg) });
    const [file] = readdirSync(dest).filter((f) => f.endsWith(".tgz"));
    if (file === undefined) throw new Error(`pnpm pack left no tarball for packages/${pkg}`);
    tarballs[pkg] = join(dest, file);
  }
  writeFileSync(
    join(app, "package.json"),
    `${JSON.stringify({ name: "tandem-packed-app", version: "0.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", ...Object.values(tarballs), ...APP_DEPENDENCIES],
    { cwd: app },
  );
  cpSync(join(root, "examples"), join(app, "examples"), {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|dist)$/.test(src) && !src.endsWith(".ydoc"),
  });
  return { app, tarballs };
}

/**
 * The file names inside a tarball (without the `package/` prefix npm gives them).
 *
 * @example
 * expect(await tarballFiles(tgz)).toContain("dist/index.js");
 */
export async function tarballFiles(tarball) {
  const { stdout } = await run("tar", ["-tzf", tarball]);
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/^package\//, ""));
}
