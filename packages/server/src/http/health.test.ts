import { describe, expect, it } from "vitest";
import { createHealthRoutes } from "./health.js";

describe("GET /readyz", () => {
  it("answers ok with every backend answering, 503 naming the one that does not", async () => {
    const up = { name: "postgres", check: async () => undefined };
    const down = { name: "redis", check: async () => Promise.reject(new Error("ECONNREFUSED 10.0.0.1")) };
    const ready = await createHealthRoutes([up]).request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, backends: { postgres: "ok" } });
    const notReady = await createHealthRoutes([up, down]).request("/readyz");
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ok: false, backends: { postgres: "ok", redis: "unreachable" } });
  });

  it("reports the backends in /healthz as last checked, and stays 200 while one is down", async () => {
    const app = createHealthRoutes([{ name: "redis", check: async () => Promise.reject(new Error("down")) }]);
    await app.request("/readyz");
    const res = await app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, backends: { redis: "unreachable" } });
  });

  it("is ready with no backends (the embedded store)", async () => {
    expect((await createHealthRoutes().request("/readyz")).status).toBe(200);
  });
});

describe("GET /healthz", () => {
  it("answers ok as JSON", async () => {
    const res = await createHealthRoutes().request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("does not answer other paths", async () => {
    expect((await createHealthRoutes().request("/health")).status).toBe(404);
  });
});
