/**
 * `@tandem/engine/testing` loads without a test framework: a plain Node process whose module
 * resolution refuses `vitest` (and its `@vitest/*` parts) imports the entry from its sources
 * and lists its exports. The same process importing `@tandem/engine/testing/contract` fails on
 * the refusal, which shows the refusal works and that the suite is the part that needs vitest.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../..", import.meta.url));

/** Resolution hook run ahead of tsx's: a bare `vitest` or `@vitest/…` specifier does not resolve. */
const refuseVitest = `
export async function resolve(specifier, context, next) {
  if (specifier === "vitest" || specifier.startsWith("vitest/") || specifier.startsWith("@vitest/")) {
    const error = new Error("refused: " + specifier + " imported from " + context.parentURL);
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}`;
const register = `import { register } from "node:module"; register(${JSON.stringify(
  `data:text/javascript,${encodeURIComponent(refuseVitest)}`,
)});`;

/** Imports `entry` (a file of this folder) in a child Node process without vitest; answers its exit, stdout and stderr. */
function importWithoutVitest(entry: string): { status: number | null; stdout: string; stderr: string } {
  const url = pathToFileURL(fileURLToPath(new URL(entry, import.meta.url))).href;
  const script = `const m = await import(${JSON.stringify(url)}); console.log(JSON.stringify(Object.keys(m).sort()));`;
  const result = spawnSync(
    process.execPath,
    [
      "--conditions=@tandem/source",
      "--import",
      "tsx",
      "--import",
      `data:text/javascript,${encodeURIComponent(register)}`,
      "--input-type=module",
      "--eval",
      script,
    ],
    { cwd: root, encoding: "utf8" },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("@tandem/engine/testing without vitest", () => {
  it("imports in a plain Node process that cannot resolve vitest, with the fakes and no contract suite", () => {
    const r = importWithoutVitest("./index.ts");
    expect(r.stderr).not.toContain("refused");
    expect(r.status).toBe(0);
    const names = JSON.parse(r.stdout.trim()) as string[];
    expect(names).toEqual(expect.arrayContaining(["FakeOrg", "createFakeHarness", "createFakePort", "withFaults"]));
    expect(names).not.toContain("describePortContract");
  });

  it("the contract entry is the one that needs vitest: the same process refuses it", () => {
    const r = importWithoutVitest("./contract.ts");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("refused: vitest");
  });
});
