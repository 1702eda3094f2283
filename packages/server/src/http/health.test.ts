import { describe, expect, it } from "vitest";
import { createHealthRoutes } from "./health.js";

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
