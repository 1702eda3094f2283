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
 * Emits `sw.js`: the service worker of `sw/service-worker.js` with the list of files of this
 * build to precache (so the app starts offline) and a version derived from that list.
 */
function serviceWorker(): Plugin {
  return {
    name: "tandem-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => !f.endsWith(".map") && f !== "index.html")
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
    plugins: [react(), cspMeta(), serviceWorker()],
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
      // React + Yjs + the engine (with effect/Schema) make one ~530 kB chunk (~150 kB gzip), cached by the service worker.
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
