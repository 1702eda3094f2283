/**
 * Serves a built web client from a directory, with an SPA fallback to `index.html` for
 * navigation requests (paths without a file extension).
 *
 * Paths are resolved inside the root only (no `..` escape); a missing directory serves
 * nothing and falls through.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import type { MiddlewareHandler } from "hono";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

/** Middleware serving `dir` for GET/HEAD requests it can answer. */
export function staticFiles(dir: string): MiddlewareHandler {
  const root = resolve(dir);
  return async (c, next) => {
    if ((c.req.method !== "GET" && c.req.method !== "HEAD") || !existsSync(root)) return next();
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return next();
    }
    const file = normalize(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) return next();
    let target: string | undefined;
    if (isFile(file)) target = file;
    else if (isFile(join(file, "index.html"))) target = join(file, "index.html");
    else if (extname(rel) === "" && isFile(join(root, "index.html"))) target = join(root, "index.html");
    if (!target) return next();
    const body = readFileSync(target);
    const type = TYPES[extname(target)] ?? "application/octet-stream";
    const cache = target.includes(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache";
    return c.body(body, 200, { "content-type": type, "cache-control": cache });
  };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
