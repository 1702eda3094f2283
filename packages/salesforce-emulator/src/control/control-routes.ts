/**
 * The control API under `/_emulator` (the package README): stats, faults, clock, the daily API limit,
 * token revocation and expiry, and minting tokens for tests. None of it counts as API usage.
 */
import { Hono } from "hono";
import type { EmulatorControl } from "./emulator-control.js";
import { FaultSpecError } from "./faults.js";

function bad(message: string): Response {
  return new Response(JSON.stringify({ error: message }), {
    status: 400,
    headers: { "Content-Type": "application/json;charset=UTF-8" },
  });
}

async function readJson(req: Request): Promise<Record<string, unknown> | Response> {
  const text = await req.text();
  if (text.trim() === "") return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return bad("body must be a JSON object");
    return v as Record<string, unknown>;
  } catch {
    return bad("body is not valid JSON");
  }
}

/** Creates the control routes bound to an emulator's control handle. */
export function createControlRoutes(control: EmulatorControl): Hono {
  const app = new Hono();
  app.get("/_emulator/stats", (c) => c.json(control.stats()));
  app.post("/_emulator/stats/reset", (c) => {
    control.resetStats();
    return c.json(control.stats());
  });
  app.get("/_emulator/faults", (c) => c.json({ faults: control.faults() }));
  app.post("/_emulator/faults", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    try {
      return c.json({ id: control.addFault(body as never) }, 201);
    } catch (error) {
      if (error instanceof FaultSpecError) return bad(error.message);
      throw error;
    }
  });
  app.delete("/_emulator/faults", (c) => {
    control.clearFaults();
    return c.body(null, 204);
  });
  app.get("/_emulator/clock", (c) => c.json({ now: control.now().toISOString() }));
  app.post("/_emulator/clock", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    const ms = body.advanceMs;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return bad("advanceMs must be a non-negative number");
    control.advanceClock(ms);
    return c.json({ now: control.now().toISOString() });
  });
  app.post("/_emulator/api-limit", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    const max = body.max ?? control.stats().apiUsage.max;
    const used = body.used;
    if (typeof max !== "number" || (used !== undefined && typeof used !== "number"))
      return bad("max and used must be numbers");
    try {
      control.setApiLimit(max, used);
    } catch (error) {
      return bad(error instanceof Error ? error.message : String(error));
    }
    return c.json(control.stats().apiUsage);
  });
  app.get("/_emulator/users", (c) => c.json({ users: control.users() }));
  app.post("/_emulator/users/:user/revoke", (c) => {
    if (!control.revokeUser(c.req.param("user"))) return c.json({ error: "unknown user" }, 404);
    return c.body(null, 204);
  });
  app.post("/_emulator/tokens/expire", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    control.expireAccessTokens(typeof body.user === "string" ? body.user : undefined);
    return c.body(null, 204);
  });
  app.post("/_emulator/tokens", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    if (typeof body.user !== "string") return bad("user (id or username) is required");
    const issued = control.issueToken(body.user);
    if (!issued) return c.json({ error: "unknown user" }, 404);
    return c.json(issued);
  });
  return app;
}
