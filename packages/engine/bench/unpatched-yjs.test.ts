/**
 * The unpatched yjs copy (unpatched-yjs.ts) is the published yjs, and the unpatched test run
 * (vitest.unpatched-yjs.config.ts, which sets TANDEM_EXPECT_YJS=unpatched) really runs it.
 * Not in the default test run (vitest.config.ts does not include bench/).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { setRecord } from "../src/index.js";
import {
  describeRunningYjs,
  gitBlobId,
  parsePatch,
  patchFileFor,
  prepareUnpatchedYjs,
  reversePatch,
} from "./unpatched-yjs.js";

const copies = prepareUnpatchedYjs();
const patchText = readFileSync(patchFileFor(copies.version), "utf8");

describe("the unpatched yjs copy", () => {
  it("is the same version as the installed yjs, and each patched file is its original blob", () => {
    const pkg = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
    expect(pkg(copies.unpatchedDir).version).toBe(pkg(copies.patchedDir).version);
    for (const file of parsePatch(patchText)) {
      expect(gitBlobId(readFileSync(join(copies.unpatchedDir, file.path)))).toBe(file.originalBlob);
      expect(gitBlobId(readFileSync(join(copies.patchedDir, file.path)))).toBe(file.patchedBlob);
    }
  });

  it("refuses to reverse the patch on a file that is not the patched one", () => {
    const [file] = parsePatch(patchText);
    if (!file) throw new Error("the patch names no file");
    const patched = readFileSync(join(copies.patchedDir, file.path), "utf8");
    expect(() => reversePatch(file, patched.replace("class ContentJSON", "class ContentJson"))).toThrow(/hashes to/);
    expect(() => reversePatch(file, patched.replaceAll("Tandem patch", "patch"))).toThrow(/exactly once/);
  });

  it.runIf(process.env.TANDEM_EXPECT_YJS === "unpatched")("is the one yjs this run runs, in tests and engine", () => {
    expect(describeRunningYjs(Y)).toEqual({ dir: copies.unpatchedDir, version: copies.version, build: "unpatched" });
    // The engine's sources got the same copy: the items they make are this copy's classes.
    const doc = new Y.Doc();
    const map = doc.getMap<{ Id: string }>("accounts");
    doc.transact((tr) => setRecord(tr, map, "001A", { Id: "001A" }));
    const item = map._map.get("001A");
    expect(item).toBeInstanceOf(Y.Item);
    expect(item?.content).toBeInstanceOf(Y.ContentJSON);
  });
});
