/**
 * One Vitest run over every package. Workspace packages resolve to their TypeScript sources
 * through the `@tandem/source` export condition, so tests never need a build first.
 */
import { defineConfig } from "vitest/config";

const conditions = ["@tandem/source", "node", "import", "module", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@tandem/source"] } },
  test: {
    include: ["packages/*/src/**/*.test.{ts,tsx}", "packages/*/test/**/*.test.{ts,tsx}", "scripts/**/*.test.{ts,mjs}"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
