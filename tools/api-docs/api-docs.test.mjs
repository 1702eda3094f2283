/**
 * The API reference generator over a small fixture workspace: which symbols it reports as
 * undocumented (and where), how it names and describes entry points, and that `check` sees a
 * reference that went stale, and a clean one as clean.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildApiDocs } from "./api-docs.mjs";

let dirs = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const THINGS = `/** Things of the demo package. */

/** Adds two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

export const bare = 1;

export class Box {
  /** The boxed value. */
  get(): number {
    return 1;
  }
  put(): void {}
}

export interface Shape {
  x: number;
}
`;

/** A workspace with one package, `@fixture/demo`, exporting "." and "./extra". */
function workspace(things = THINGS) {
  const root = mkdtempSync(join(tmpdir(), "tandem-api-docs-test-"));
  dirs.push(root);
  const files = {
    "packages/demo/package.json": JSON.stringify({
      name: "@fixture/demo",
      type: "module",
      description: "The demo package.",
      exports: {
        ".": { "@tandem/source": "./src/index.ts", default: "./dist/index.js" },
        "./extra": { "@tandem/source": "./src/extra.ts", default: "./dist/extra.js" },
      },
    }),
    "packages/demo/src/index.ts":
      '/**\n * The demo entry point.\n */\nexport { add, bare, Box, type Shape } from "./things.js";\n',
    "packages/demo/src/things.ts": things,
    "packages/demo/src/extra.ts":
      "/** More of the demo package. */\n\n/** An identifier. */\nexport type Id = string;\n",
    "tsconfig.json": JSON.stringify({
      compilerOptions: { target: "es2023", module: "nodenext", strict: true, noEmit: true, types: [] },
      include: ["packages/demo/src"],
    }),
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function build(root, check) {
  return buildApiDocs({
    root,
    packageDirs: ["demo"],
    tsconfig: join(root, "tsconfig.json"),
    outDir: join(root, "docs/api"),
    check,
  });
}

describe("API reference (tools/api-docs)", () => {
  it("reports each undocumented export and class method with its file, and no interface member", async () => {
    const result = await build(workspace(), true);
    const at = (line) => `packages/demo/src/things.ts:${line}`;
    expect(result.missing).toEqual([
      { module: "@fixture/demo", symbol: "Box", kind: "Class", location: at(10) },
      { module: "@fixture/demo", symbol: "Box.put", kind: "Method", location: at(15) },
      { module: "@fixture/demo", symbol: "Shape", kind: "Interface", location: at(18) },
      { module: "@fixture/demo", symbol: "bare", kind: "Variable", location: at(8) },
    ]);
  });

  it("names each entry point by its import specifier and describes it by its header, and only it", async () => {
    const root = workspace();
    const result = await build(root, false);
    expect(result.entries.map((e) => e.name)).toEqual(["@fixture/demo", "@fixture/demo/extra"]);
    const index = readFileSync(join(root, "docs/api/README.md"), "utf8");
    expect(index).toContain("[@fixture/demo](demo/README.md) | The demo entry point.");
    expect(index).toContain("[@fixture/demo/extra](demo/extra/README.md) | More of the demo package.");
    // TypeDoc lends an undocumented re-export the header above `export { … }`; the page must not.
    const bare = readFileSync(join(root, "docs/api/demo/variables/bare.md"), "utf8");
    expect(bare).not.toContain("The demo entry point.");
    expect(readFileSync(join(root, "docs/api/demo/functions/add.md"), "utf8")).toContain("Adds two numbers.");
  });

  it("finds a fresh reference clean and a stale one stale, file by file", async () => {
    const root = workspace();
    await build(root, false);
    expect((await build(root, true)).diffs).toEqual([]);

    writeFileSync(join(root, "packages/demo/src/things.ts"), THINGS.replace("Adds two numbers.", "Sums."));
    writeFileSync(join(root, "docs/api/stray.md"), "# not generated\n");
    const { diffs } = await build(root, true);
    expect(diffs).toEqual([
      { file: "demo/functions/add.md", change: "outdated" },
      { file: "stray.md", change: "extra" },
    ]);
    expect(readFileSync(join(root, "docs/api/stray.md"), "utf8")).toBe("# not generated\n");
  });
});
