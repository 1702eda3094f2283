/**
 * An unpatched copy of the workspace's yjs, for measuring and testing the engine without the
 * repo's yjs patch (issue 21: "the patch is an optional speed-up"; ADR 0003).
 *
 * `prepareUnpatchedYjs()` copies the installed (patched) yjs package into
 * `node_modules/.cache/tandem-yjs-unpatched/yjs@<version>/node_modules/yjs`, reverse-applies the
 * patch listed for that version under `patchedDependencies` in pnpm-workspace.yaml, and puts a
 * `lib0` symlink beside it so that the copy's own `lib0` imports resolve to the same lib0 the
 * patched copy uses. Invariants:
 * - the copy has the installed version (the patch is written for exactly one version);
 * - every file the patch touches hashes, after reversal, to the git blob id the patch names as
 *   its original (`index <original>..<patched>`): the copy is byte for byte the published yjs,
 *   or preparing fails; a copy already in the cache is re-verified the same way before reuse;
 * - a copy is built in a temporary folder and renamed into place, so a half-built copy is never
 *   seen.
 *
 * `describeRunningYjs(Y)` tells which build a loaded yjs module really runs (from a stack frame
 * of yjs' own code), so a benchmark or test can prove which copy it measured.
 */
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as YModule from "yjs";

/** The workspace root (this file is packages/engine/bench/unpatched-yjs.ts). */
export const WORKSPACE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** One file of a unified diff: its path and the git blob ids before and after the patch. */
export interface PatchedFile {
  readonly path: string;
  readonly originalBlob: string;
  readonly patchedBlob: string;
  readonly hunks: ReadonlyArray<{ readonly original: string; readonly patched: string }>;
}

/** Where the two copies of yjs live, as file paths and as `file:` URLs ending with `/`. */
export interface YjsCopies {
  readonly version: string;
  /** The installed package (real path), with the workspace patch applied. */
  readonly patchedDir: string;
  /** The copy with the patch reversed: byte for byte the published package's patched files. */
  readonly unpatchedDir: string;
  readonly patchedUrl: string;
  readonly unpatchedUrl: string;
}

/** Which yjs build a running yjs module is, judged by the git blob ids of its package's files. */
export interface RunningYjs {
  /** The yjs package folder the code runs from. */
  readonly dir: string;
  readonly version: string;
  readonly build: "patched" | "unpatched" | "unknown";
}

/** The git blob id (`git hash-object`) of `bytes`. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
}

/**
 * Parses a `git diff` style patch (as `pnpm patch-commit` writes it) into files and hunks.
 *
 * @remarks Needs full-length `index` lines (pnpm writes them); fails on anything it cannot read.
 */
export function parsePatch(text: string): PatchedFile[] {
  const files: PatchedFile[] = [];
  const sections = text.split(/^diff --git /m).slice(1);
  for (const section of sections) {
    const lines = section.split("\n");
    const path = /^a\/(\S+) b\//.exec(lines[0] ?? "")?.[1];
    const index = lines.map((l) => /^index ([0-9a-f]{40})\.\.([0-9a-f]{40})/.exec(l)).find((m) => m !== null);
    if (!path || !index?.[1] || !index[2]) throw new Error(`unreadable patch section: ${lines[0]}`);
    const hunks: Array<{ original: string[]; patched: string[] }> = [];
    for (const line of lines.slice(1)) {
      const current = hunks.at(-1);
      if (line.startsWith("@@")) hunks.push({ original: [], patched: [] });
      else if (current === undefined || line.startsWith("\\")) continue;
      else if (line.startsWith("-")) current.original.push(line.slice(1));
      else if (line.startsWith("+")) current.patched.push(line.slice(1));
      else {
        // A context line (" text", or "" for an empty line at the end of the section).
        current.original.push(line.slice(1));
        current.patched.push(line.slice(1));
      }
    }
    files.push({
      path,
      originalBlob: index[1],
      patchedBlob: index[2],
      hunks: hunks.map((h) => ({ original: h.original.join("\n"), patched: h.patched.join("\n") })),
    });
  }
  if (files.length === 0) throw new Error("the patch names no file");
  return files;
}

/**
 * Undoes `file`'s hunks on `text` (the patched file) and checks the result is the original.
 *
 * @remarks Each hunk's patched text must occur exactly once; the result must hash to the blob id
 * the patch names as the original. Throws, naming the file, otherwise.
 */
export function reversePatch(file: PatchedFile, text: string): string {
  let out = text;
  for (const hunk of file.hunks) {
    const at = out.indexOf(hunk.patched);
    if (at < 0 || out.indexOf(hunk.patched, at + 1) >= 0) {
      throw new Error(`${file.path}: a hunk of the patch does not occur exactly once in the installed file`);
    }
    out = out.slice(0, at) + hunk.original + out.slice(at + hunk.patched.length);
  }
  const blob = gitBlobId(Buffer.from(out));
  if (blob !== file.originalBlob) {
    throw new Error(`${file.path}: reversed file hashes to ${blob}, not the original ${file.originalBlob}`);
  }
  return out;
}

/** The patch file (absolute path) pnpm-workspace.yaml lists for yjs@`version`, or a clear error. */
export function patchFileFor(version: string): string {
  const yaml = readFileSync(join(WORKSPACE_ROOT, "pnpm-workspace.yaml"), "utf8");
  const entry = new RegExp(`^\\s+["']?yjs@${version.replaceAll(".", "\\.")}["']?:\\s*(\\S+)`, "m").exec(yaml);
  if (!entry?.[1]) throw new Error(`pnpm-workspace.yaml lists no patch for yjs@${version} (patchedDependencies)`);
  return join(WORKSPACE_ROOT, entry[1]);
}

/** Node's lookup of `name` from `dir`: the first `node_modules/<name>` on the way up, real path. */
function findPackageDir(dir: string, name: string): string {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(d) === d) throw new Error(`cannot find ${name} from ${dir}`);
  }
}

/** True when every patched file in `dir` hashes to the original blob id. */
function isUnpatched(dir: string, files: readonly PatchedFile[]): boolean {
  return files.every((f) => {
    const path = join(dir, f.path);
    return existsSync(path) && gitBlobId(readFileSync(path)) === f.originalBlob;
  });
}

/**
 * Makes (or re-verifies) the unpatched copy of the yjs the engine resolves, and says where both
 * copies are.
 *
 * @remarks Idempotent and safe to call from concurrent processes. Throws when the installed yjs
 * is neither the patched nor the original build of the files the patch names.
 * @example
 * const { unpatchedDir } = prepareUnpatchedYjs(); // …/node_modules/.cache/tandem-yjs-unpatched/yjs@13.6.33/node_modules/yjs
 */
export function prepareUnpatchedYjs(): YjsCopies {
  const engineRequire = createRequire(join(WORKSPACE_ROOT, "packages", "engine", "package.json"));
  const patchedDir = dirname(realpathSync(engineRequire.resolve("yjs/package.json")));
  const version = (JSON.parse(readFileSync(join(patchedDir, "package.json"), "utf8")) as { version: string }).version;
  const files = parsePatch(readFileSync(patchFileFor(version), "utf8"));
  const home = join(WORKSPACE_ROOT, "node_modules", ".cache", "tandem-yjs-unpatched", `yjs@${version}`);
  const unpatchedDir = join(home, "node_modules", "yjs");
  if (!isUnpatched(unpatchedDir, files)) {
    const tmp = `${home}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, "node_modules"), { recursive: true });
    const copy = join(tmp, "node_modules", "yjs");
    cpSync(patchedDir, copy, { recursive: true, filter: (src) => !src.startsWith(join(patchedDir, "node_modules")) });
    for (const f of files) {
      const path = join(copy, f.path);
      const bytes = readFileSync(path);
      const blob = gitBlobId(bytes);
      if (blob === f.originalBlob) continue; // installed without the patch: already the original
      if (blob !== f.patchedBlob) throw new Error(`${path}: neither the patched nor the original yjs@${version}`);
      writeFileSync(path, reversePatch(f, bytes.toString("utf8")));
    }
    symlinkSync(findPackageDir(patchedDir, "lib0"), join(tmp, "node_modules", "lib0"), "dir");
    // Another process may have finished a good copy meanwhile: only a bad one is removed.
    if (existsSync(home) && !isUnpatched(unpatchedDir, files)) rmSync(home, { recursive: true, force: true });
    try {
      renameSync(tmp, home);
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      if (!isUnpatched(unpatchedDir, files)) throw error;
    }
  }
  if (!isUnpatched(unpatchedDir, files)) throw new Error(`${unpatchedDir}: not the unpatched yjs@${version}`);
  return {
    version,
    patchedDir,
    unpatchedDir,
    patchedUrl: `${pathToFileURL(patchedDir).href}/`,
    unpatchedUrl: `${pathToFileURL(unpatchedDir).href}/`,
  };
}

/**
 * Which yjs build `Y` runs: the package folder of a yjs stack frame (an observer call), and the
 * build of that folder's files judged by their git blob ids against the workspace patch.
 *
 * @remarks The folder, not the file: with source maps on (tsx turns them on) frames name yjs'
 * `src/` files, not the `dist/` bundle that runs.
 * @example
 * import * as Y from "yjs";
 * console.log(describeRunningYjs(Y)); // { dir: "/…/tandem-yjs-unpatched/yjs@13.6.33/node_modules/yjs", build: "unpatched" }
 */
export function describeRunningYjs(Y: typeof YModule): RunningYjs {
  const doc = new Y.Doc();
  let stack = "";
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  doc.getMap("probe").observe(() => {
    stack = new Error("probe").stack ?? "";
  });
  doc.getMap("probe").set("k", 1);
  Error.stackTraceLimit = limit;
  doc.destroy();
  const frame = /\((?:file:\/\/)?(\/[^\s)]*?\/node_modules\/yjs)\//.exec(stack);
  if (!frame?.[1]) throw new Error(`no yjs frame in the observer's stack:\n${stack}`);
  const dir = frame[1];
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  const files = parsePatch(readFileSync(patchFileFor(pkg.version), "utf8"));
  const blobs = files.map((f) => [f, gitBlobId(readFileSync(join(dir, f.path)))] as const);
  const build = blobs.every(([f, b]) => b === f.originalBlob)
    ? "unpatched"
    : blobs.every(([f, b]) => b === f.patchedBlob)
      ? "patched"
      : "unknown";
  return { dir, version: pkg.version, build };
}
