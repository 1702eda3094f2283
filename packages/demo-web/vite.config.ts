/**
 * Vite build of the web client: `index.html` → `dist/`, served by the Tandem server on its own
 * port. The build must run under a strict Content Security Policy (docs/architecture.md, "Security"): no inline script
 * or style, so the production `index.html` carries the policy as a `<meta>` too. The dev server
 * proxies `/auth`, `/api` and `/sync` (websocket) to a Tandem server (`TANDEM_SERVER`, default
 * http://127.0.0.1:8787).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig, type Plugin } from "vite";

/** The policy of docs/architecture.md, "Security" (the server sends it as a header too, with `frame-ancestors`). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  // frame-ancestors is ignored (with a console error) in a <meta> policy; the server's header sets it.
].join("; ");

function cspMeta(): Plugin {
  return {
    name: "tandem-csp-meta",
    apply: "build",
    transformIndexHtml: () => [
      {
        tag: "meta",
        attrs: { "http-equiv": "Content-Security-Policy", content: CONTENT_SECURITY_POLICY },
        injectTo: "head-prepend",
      },
    ],
  };
}

/**
 * Preloads the app chunk (`src/ui/app.tsx`, with Yjs and the engine) and the chunks it imports:
 * `<link rel="modulepreload">` fetches and compiles them while the entry chunk paints the view
 * snapshot, but evaluates nothing; `start/start.tsx` imports the app after that paint.
 */
function preloadApp(): Plugin {
  return {
    name: "tandem-preload-app",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(_html, ctx) {
        const bundle = ctx.bundle;
        if (bundle === undefined) return [];
        const chunks = Object.values(bundle).filter((c) => c.type === "chunk");
        const app = chunks.find((c) => c.facadeModuleId?.endsWith("/src/ui/app.tsx") === true);
        if (app === undefined) throw new Error("tandem-preload-app: no chunk for src/ui/app.tsx");
        const entry = ctx.chunk?.fileName;
        const files: string[] = [];
        const visit = (fileName: string) => {
          if (fileName === entry || files.includes(fileName)) return;
          files.push(fileName);
          const chunk = chunks.find((c) => c.fileName === fileName);
          for (const next of chunk?.imports ?? []) visit(next);
        };
        visit(app.fileName);
        return files.map((file) => ({
          tag: "link",
          attrs: { rel: "modulepreload", crossorigin: true, href: `/${file}` },
          injectTo: "head" as const,
        }));
      },
    },
  };
}

/**
 * Emits `sw.js`: the service worker of `sw/service-worker.js` with the list of files of this
 * build to precache (so the app starts offline) and a version derived from that list.
 */
function serviceWorker(): Plugin {
  return {
    name: "tandem-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => !f.endsWith(".map") && f !== "index.html" && !f.startsWith(".vite/"))
        .map((f) => `/${f}`);
      const precache = ["/", ...files];
      const version = createHash("sha256").update(precache.join("\n")).digest("hex").slice(0, 12);
      const source = readFileSync(new URL("./sw/service-worker.js", import.meta.url), "utf8")
        .replace("__TANDEM_VERSION__", version)
        .replace("__TANDEM_PRECACHE__", JSON.stringify(precache));
      this.emitFile({ type: "asset", fileName: "sw.js", source });
    },
  };
}

export default defineConfig(({ mode }) => {
  const target = process.env.TANDEM_SERVER ?? "http://127.0.0.1:8787";
  return {
    plugins: [react(), cspMeta(), preloadApp(), serviceWorker()],
    // Workspace packages resolve to their TypeScript sources; one Yjs instance for app and engine.
    resolve: { conditions: ["@tandem/source", ...defaultClientConditions], dedupe: ["yjs"] },
    build: {
      outDir: "dist",
      emptyOutDir: true,
      target: "es2022",
      sourcemap: mode !== "production",
      // The preload polyfill would be bundled, never inline; modern browsers do not need it.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      // scripts/check-entry-size.mjs reads the manifest to find the entry chunk and what it imports.
      manifest: true,
      // The app chunk (Yjs + the engine with effect/Schema) is ~500 kB, loaded behind the
      // snapshot paint and cached by the service worker; the entry chunk has its own budget.
      chunkSizeWarningLimit: 800,
    },
    server: {
      // The server refuses state-changing requests from a foreign Origin; present its own.
      proxy: {
        "/auth": { target, headers: { origin: new URL(target).origin } },
        "/api": { target, headers: { origin: new URL(target).origin } },
        "/sync": { target, ws: true },
      },
    },
  };
});
