import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { staticFiles } from "./static-files.js";

const root = mkdtempSync(join(tmpdir(), "tandem-static-"));
mkdirSync(join(root, "assets"));
writeFileSync(join(root, "index.html"), "<!doctype html><title>app</title>");
writeFileSync(join(root, "assets", "app.js"), "console.log(1)");
writeFileSync(join(tmpdir(), "tandem-outside.txt"), "secret");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function app(dir: string): Hono {
  const a = new Hono();
  a.get("/api/me", (c) => c.json({ api: true }));
  a.use("*", staticFiles(dir));
  a.notFound((c) => c.text("nf", 404));
  return a;
}

describe("static files", () => {
  it("serves files with their content type and long caching for assets", async () => {
    const res = await app(root).request("/assets/app.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    expect(res.headers.get("cache-control")).toContain("immutable");
  });

  it("falls back to index.html for client-side routes, not for missing files with an extension", async () => {
    const route = await app(root).request("/book/opportunities/006xyz");
    expect(route.status).toBe(200);
    expect(await route.text()).toContain("<title>app</title>");
    expect((await app(root).request("/missing.js")).status).toBe(404);
  });

  it("never serves outside its root, leaves API routes alone, and serves nothing when the directory is absent", async () => {
    expect((await app(root).request("/..%2Ftandem-outside.txt")).status).toBe(404);
    expect(await (await app(root).request("/api/me")).json()).toEqual({ api: true });
    expect((await app(join(root, "nope")).request("/")).status).toBe(404);
  });
});
