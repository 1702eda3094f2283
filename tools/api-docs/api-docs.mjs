/**
 * Builds a Markdown API reference from the doc comments of a workspace's public entry points
 * with TypeDoc and typedoc-plugin-markdown, and finds what keeps it from being complete: exported
 * symbols without a doc comment, and committed pages that differ from what would be generated.
 *
 * Invariants:
 * - The entry points are read from each package's `exports` map (its `@tandem/source`
 *   condition), so a new subpath is documented without editing this file. Each entry point's
 *   module is named after its import specifier (`@tandem/engine/testing`) and described by the
 *   entry file's header comment.
 * - The pages hold no line numbers, git revisions or dates: they change only when the API or
 *   its doc comments change, so a stale reference is a real difference.
 * - A check never writes to the reference directory; it generates into a temporary directory
 *   and compares byte for byte.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Application, Comment, Converter, ReflectionKind, TypeScript as ts } from "typedoc";

/**
 * Kinds an exported symbol must document, and kinds a member of an exported class must. The
 * members of interfaces, type literals and enums, and classes' properties, may go without.
 */
export const MUST_DOCUMENT = {
  exported:
    ReflectionKind.Function |
    ReflectionKind.Class |
    ReflectionKind.Interface |
    ReflectionKind.TypeAlias |
    ReflectionKind.Variable |
    ReflectionKind.Enum |
    ReflectionKind.Namespace,
  classMember: ReflectionKind.Method | ReflectionKind.Accessor,
};

/**
 * One public entry point of a package: its source file, the specifier an app imports it by and
 * the package's description.
 *
 * @example
 * readEntryPoints("/repo", ["engine"]);
 * // [{ file: "/repo/packages/engine/src/index.ts", name: "@tandem/engine", description: "…" }, …]
 */
export function readEntryPoints(root, packageDirs) {
  const entries = [];
  for (const dir of packageDirs) {
    const pkgDir = join(root, "packages", dir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const source = typeof target === "object" && target !== null ? target["@tandem/source"] : undefined;
      if (typeof source !== "string") continue;
      entries.push({
        file: join(pkgDir, source),
        name: subpath === "." ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, "")}`,
        description: pkg.description,
      });
    }
  }
  return entries;
}

/** The text of the first doc comment in `file`, without its `*` gutters, or undefined. */
function fileHeader(file) {
  const match = /^\s*(?:#![^\n]*\n\s*)?\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, "utf8"));
  if (match === null) return undefined;
  return match[1]
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim();
}

/** Names each module after its import specifier and describes it with its entry file's header. */
function nameModules(project, entries) {
  const byFile = new Map(entries.map((entry) => [resolve(entry.file), entry]));
  for (const module of project.children ?? []) {
    const id = project.getSymbolIdFromReflection(module);
    const entry = id === undefined ? undefined : byFile.get(resolve(id.fileName));
    if (entry === undefined) throw new Error(`no entry point for TypeDoc module ${module.name}`);
    module.name = entry.name;
    const header = fileHeader(entry.file) ?? entry.description;
    if (!module.hasComment() && header !== undefined) {
      module.comment = new Comment([{ kind: "text", text: header }]);
    }
  }
  project.children?.sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether a reflection or any of its signatures carries a doc comment. */
function isDocumented(reflection) {
  if (reflection.hasComment()) return true;
  const signatures = [
    ...(reflection.signatures ?? []),
    ...(reflection.getSignature ? [reflection.getSignature] : []),
    ...(reflection.setSignature ? [reflection.setSignature] : []),
  ];
  return signatures.some((signature) => signature.hasComment());
}

/** Whether a declaration of `symbol` (through any re-export) carries a JSDoc comment. */
function hasOwnDocComment(symbol, checker) {
  let target = symbol;
  while (target.flags & ts.SymbolFlags.Alias) target = checker.getAliasedSymbol(target);
  return (target.declarations ?? []).some((declaration) =>
    ts.getJSDocCommentsAndTags(declaration).some((node) => ts.isJSDoc(node)),
  );
}

/**
 * Records which exported symbols have no doc comment of their own. TypeDoc gives a re-exported
 * symbol without one the comment above its `export { … } from` statement (an index file's
 * header), so its own view of the comment cannot tell: this reads the declarations instead.
 */
function watchOwnComments(app) {
  const bare = new Set();
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.parent?.kindOf(ReflectionKind.Module)) return;
    const symbol = context.getSymbolFromReflection(reflection);
    if (symbol !== undefined && !hasOwnDocComment(symbol, context.checker)) bare.add(reflection);
  });
  return bare;
}

/** Removes the comments TypeDoc borrowed for symbols that have none, so no page shows them. */
function dropBorrowedComments(bare) {
  for (const reflection of bare) {
    delete reflection.comment;
    for (const signature of reflection.signatures ?? []) delete signature.comment;
  }
}

/** Where a reflection is declared, relative to `root`, as `file:line`. */
function locationOf(reflection, root) {
  const source = reflection.sources?.[0] ?? reflection.signatures?.[0]?.sources?.[0];
  if (source === undefined) return "(unknown file)";
  const file = source.fullFileName ? source.fullFileName.slice(resolve(root).length + 1) : source.fileName;
  return `${file}:${source.line}`;
}

/**
 * Every exported symbol of a kind in {@link MUST_DOCUMENT} without a doc comment (or in `bare`,
 * see watchOwnComments), and every undocumented method or accessor a public class declares
 * itself (not inherited ones).
 */
export function findUndocumented(project, root, bare = new Set()) {
  const missing = [];
  const report = (module, name, reflection) =>
    missing.push({
      module: module.name,
      symbol: name,
      kind: ReflectionKind.singularString(reflection.kind),
      location: locationOf(reflection, root),
    });
  for (const module of project.children ?? []) {
    for (const child of module.children ?? []) {
      if (child.isReference() || !child.kindOf(MUST_DOCUMENT.exported)) continue;
      if (bare.has(child) || !isDocumented(child)) report(module, child.name, child);
      if (!child.kindOf(ReflectionKind.Class)) continue;
      for (const member of child.children ?? []) {
        const own = !member.flags.isInherited && !member.flags.isExternal && !member.flags.isPrivate;
        if (own && member.kindOf(MUST_DOCUMENT.classMember) && !isDocumented(member)) {
          report(module, `${child.name}.${member.name}`, member);
        }
      }
    }
  }
  return missing;
}

/** Drops source locations so the pages do not change when code moves within a file. */
function dropSources(project) {
  for (const reflection of Object.values(project.reflections)) {
    delete reflection.sources;
    for (const signature of reflection.signatures ?? []) delete signature.sources;
  }
}

/** Every file under `dir`, relative to it with `/` separators, sorted. */
function listFiles(dir, prefix = "") {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listFiles(join(dir, entry.name), path));
    else files.push(path);
  }
  return files.sort();
}

/**
 * The files that differ between a freshly generated directory and the committed one, each as
 * `{ file, change }` with change `missing` (not committed), `outdated` or `extra` (committed,
 * no longer generated).
 */
export function diffDirs(generated, committed) {
  const have = new Set(listFiles(committed));
  const diffs = [];
  for (const file of listFiles(generated)) {
    if (!have.has(file)) diffs.push({ file, change: "missing" });
    else if (!readFileSync(join(generated, file)).equals(readFileSync(join(committed, file)))) {
      diffs.push({ file, change: "outdated" });
    }
    have.delete(file);
  }
  for (const file of have) diffs.push({ file, change: "extra" });
  return diffs;
}

/** TypeDoc and markdown-plugin options shared by every run. */
function typedocOptions({ root, entries, tsconfig, readme, name, out }) {
  return {
    name,
    entryPoints: entries.map((entry) => entry.file),
    entryPointStrategy: "resolve",
    alwaysCreateEntryPointModule: true,
    tsconfig,
    plugin: [fileURLToPath(new URL("./node_modules/typedoc-plugin-markdown/dist/index.js", import.meta.url))],
    out,
    readme: readme ?? "none",
    mergeReadme: readme !== undefined,
    logLevel: "Warn",
    // The packages are type-checked by the workspace's own tsc; TypeDoc only reads them.
    skipErrorChecking: true,
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    basePath: root,
    displayBasePath: root,
    disableGit: true,
    sourceLinkTemplate: "{path}",
    // Undocumented symbols are found by findUndocumented, which names the file of each.
    validation: { notExported: false, invalidLink: true, notDocumented: false },
    excludeScopesInPaths: true,
    hidePageHeader: true,
    useCodeBlocks: true,
    indexFormat: "table",
    parametersFormat: "table",
    interfacePropertiesFormat: "table",
    classPropertiesFormat: "table",
    typeDeclarationFormat: "table",
    enumMembersFormat: "table",
    tableColumnSettings: { hideSources: true },
    cleanOutputDir: true,
  };
}

/**
 * Generates the reference of `packageDirs` (folders under `root/packages`) into `outDir`, or with
 * `check` into a temporary directory compared with `outDir`. Returns the entry points, the
 * undocumented symbols, the differing files (always empty without `check`) and the number of
 * TypeDoc errors and warnings (broken `{@link}`s among them).
 *
 * @example
 * const result = await buildApiDocs({ root, packageDirs: ["engine"], tsconfig, outDir, check: true });
 * if (result.missing.length > 0 || result.diffs.length > 0) process.exitCode = 1;
 */
export async function buildApiDocs({ root, packageDirs, tsconfig, outDir, check = false, readme, name = "API" }) {
  const entries = readEntryPoints(root, packageDirs);
  const out = check ? mkdtempSync(join(tmpdir(), "api-docs-")) : outDir;
  try {
    const app = await Application.bootstrapWithPlugins(typedocOptions({ root, entries, tsconfig, readme, name, out }));
    const bare = watchOwnComments(app);
    const project = await app.convert();
    if (project === undefined) throw new Error("TypeDoc could not convert the entry points");
    nameModules(project, entries);
    const missing = findUndocumented(project, root, bare);
    dropBorrowedComments(bare);
    app.validate(project);
    dropSources(project);
    await app.generateOutputs(project);
    const diffs = check ? diffDirs(out, outDir) : [];
    return { entries, missing, diffs, errors: app.logger.errorCount, warnings: app.logger.warningCount };
  } finally {
    if (check) rmSync(out, { recursive: true, force: true });
  }
}
