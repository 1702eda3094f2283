/**
 * One Vitest run over every package. Workspace packages resolve to their TypeScript sources
 * through the `@tandem/source` export condition, so tests never need a build first.
 */
import { defineConfig } from "vitest/config";

const conditions = ["@tandem/source", "node", "import", "module", "default"];
/**
 * Vitest also hands the SSR conditions to Node as `--conditions` flags, where they apply to
 * `require` too: "import" there made CommonJS packages that `require` a dual package (pg →
 * pg-pool) get its ES module. Vite adds "import"/"require" by the kind of import itself.
 */
const ssrConditions = ["@tandem/source", "node", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: ssrConditions, externalConditions: ["@tandem/source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.{ts,tsx}",
      "packages/*/test/**/*.test.{ts,tsx}",
      "scripts/**/*.test.{ts,mjs}",
      "tools/*/*.test.mjs",
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
