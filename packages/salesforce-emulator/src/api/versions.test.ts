import { describe, expect, it } from "vitest";
import { createVersionsRoutes, LATEST_API_VERSION } from "./versions.js";

describe("GET /services/data", () => {
  it("lists every version from 50.0 to the latest, oldest first, as JSON", async () => {
    const res = await createVersionsRoutes().request("/services/data");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as Array<{ version: string; url: string }>;
    expect(body[0]).toEqual({ label: "Release 50", url: "/services/data/v50.0", version: "50.0" });
    expect(body.at(-1)?.version).toBe(`${LATEST_API_VERSION}.0`);
    expect(body).toHaveLength(LATEST_API_VERSION - 49);
  });
});
