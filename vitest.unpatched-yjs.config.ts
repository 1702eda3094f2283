/**
 * The engine's tests against the unpatched yjs (issue 21: "the engine works correctly with an
 * unpatched yjs"; the patch of ADR 0003 is an optional speed-up).
 *
 * `npx vitest run -c vitest.unpatched-yjs.config.ts` prepares (or re-verifies) the copy of
 * yjs@13.6.33 with the workspace patch reversed (packages/engine/bench/unpatched-yjs.ts), sends
 * every `yjs` import of the tests and the engine's sources to it, and runs the engine's tests
 * plus packages/engine/bench/unpatched-yjs.test.ts, which fails unless the yjs that runs is that
 * copy. Same conditions and timeouts as vitest.config.ts.
 */
import { defineConfig } from "vitest/config";
import { prepareUnpatchedYjs } from "./packages/engine/bench/unpatched-yjs.ts";
import base from "./vitest.config.ts";

const copies = prepareUnpatchedYjs();

export default defineConfig({
  ...base,
  resolve: {
    ...base.resolve,
    alias: [{ find: /^yjs$/, replacement: `${copies.unpatchedDir}/dist/yjs.mjs` }],
  },
  test: {
    ...base.test,
    include: [
      "packages/engine/src/**/*.test.{ts,tsx}",
      "packages/engine/test/**/*.test.{ts,tsx}",
      "packages/engine/bench/unpatched-yjs.test.ts",
    ],
    env: { TANDEM_EXPECT_YJS: "unpatched" },
  },
});
