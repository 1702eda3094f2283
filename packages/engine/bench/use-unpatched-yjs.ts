/**
 * `node --import tsx --import ./bench/use-unpatched-yjs.ts …`: runs the rest of the process
 * against the unpatched copy of yjs (unpatched-yjs.ts) instead of the workspace's patched one.
 *
 * Prepares (or re-verifies) the copy, then registers unpatched-yjs-hooks.mjs. It must be
 * imported before anything imports yjs: a module already loaded keeps the copy it got.
 */
import { register } from "node:module";
import { prepareUnpatchedYjs } from "./unpatched-yjs.js";

const copies = prepareUnpatchedYjs();
register(new URL("./unpatched-yjs-hooks.mjs", import.meta.url), {
  data: { patchedUrl: copies.patchedUrl, unpatchedUrl: copies.unpatchedUrl },
});
