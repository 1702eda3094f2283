/**
 * The control API under `/_emulator` (the package README): stats, faults, clock, the daily API limit,
 * token revocation and expiry, minting tokens for tests, JWT bearer keys, field permissions per
 * profile, users' profiles, permission sets and time zones, and change events and streaming
 * clients on demand.
 * None of it counts as API usage.
 */
import { Hono } from "hono";
import { JwtKeyError } from "../oauth/jwt-keys.js";
import { SetupInputError } from "../security/security-admin.js";
import { StreamingInputError } from "../streaming/streaming-service.js";
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
  registerJwtKeyRoutes(app, control);
  registerSetupRoutes(app, control);
  registerStreamingRoutes(app, control);
  return app;
}

/** `/_emulator/jwt-keys`: the connected app's keys for the JWT bearer grant. */
function registerJwtKeyRoutes(app: Hono, control: EmulatorControl): void {
  app.get("/_emulator/jwt-keys", (c) => c.json({ keys: control.jwtKeys() }));
  app.post("/_emulator/jwt-keys", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    const pem = body.publicKey ?? body.certificate;
    if (typeof pem !== "string") return bad("publicKey or certificate (a PEM string) is required");
    try {
      return c.json(control.registerJwtKey(pem), 201);
    } catch (error) {
      if (error instanceof JwtKeyError) return bad(error.message);
      throw error;
    }
  });
  app.delete("/_emulator/jwt-keys", (c) => {
    control.clearJwtKeys();
    return c.body(null, 204);
  });
}

/** `/_emulator/change-events/*` and `/_emulator/streaming/*`: CDC events and clients on demand. */
function registerStreamingRoutes(app: Hono, control: EmulatorControl): void {
  const streamingError = (error: unknown): Response => {
    if (error instanceof StreamingInputError) return bad(error.message);
    throw error;
  };
  app.post("/_emulator/change-events/gap", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    const { object, recordIds, changeType } = body;
    if (typeof object !== "string" || typeof changeType !== "string" || !Array.isArray(recordIds)) {
      return bad("object and changeType (strings) and recordIds (array) are required");
    }
    try {
      return c.json(
        control.publishGapEvent({ object, recordIds: recordIds.map(String), changeType: changeType as never }),
      );
    } catch (error) {
      return streamingError(error);
    }
  });
  app.post("/_emulator/change-events/overflow", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    if (typeof body.object !== "string") return bad("object (string) is required");
    try {
      return c.json(control.publishOverflowEvent(body.object));
    } catch (error) {
      return streamingError(error);
    }
  });
  app.post("/_emulator/streaming/disconnect-all", (c) => c.json({ dropped: control.dropStreamingClients() }));
}

function setupError(error: unknown): Response {
  if (!(error instanceof SetupInputError)) throw error;
  return new Response(JSON.stringify({ error: error.message }), {
    status: error.status,
    headers: { "Content-Type": "application/json;charset=UTF-8" },
  });
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : undefined;

/** `/_emulator/profiles`, `/_emulator/field-permissions` and `/_emulator/users/:user` (setup). */
function registerSetupRoutes(app: Hono, control: EmulatorControl): void {
  app.get("/_emulator/profiles", (c) => c.json({ profiles: control.profiles() }));
  app.get("/_emulator/field-permissions", (c) => {
    const { profile, object, field } = c.req.query();
    if (!profile || !object || !field) return bad("profile, object and field query parameters are required");
    try {
      return c.json(control.fieldPermission(profile, object, field));
    } catch (error) {
      return setupError(error);
    }
  });
  app.post("/_emulator/field-permissions", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    const { profile, object, field, readable, editable } = body;
    if (typeof profile !== "string" || typeof object !== "string" || typeof field !== "string") {
      return bad("profile, object and field (strings) are required");
    }
    if (typeof readable !== "boolean" || typeof editable !== "boolean")
      return bad("readable and editable must be booleans");
    try {
      return c.json(control.setFieldPermission({ profile, object, field, readable, editable }));
    } catch (error) {
      return setupError(error);
    }
  });
  app.get("/_emulator/users/:user", (c) => {
    try {
      return c.json(control.userSetup(c.req.param("user")));
    } catch (error) {
      return setupError(error);
    }
  });
  app.patch("/_emulator/users/:user", async (c) => {
    const body = await readJson(c.req.raw);
    if (body instanceof Response) return body;
    const { timeZoneSidKey, profile } = body;
    if (timeZoneSidKey !== undefined && typeof timeZoneSidKey !== "string")
      return bad("timeZoneSidKey must be a string");
    if (profile !== undefined && typeof profile !== "string") return bad("profile must be a string");
    try {
      return c.json(
        control.updateUserSetup(c.req.param("user"), {
          timeZoneSidKey,
          profile,
          assignPermissionSets: strings(body.assignPermissionSets),
          unassignPermissionSets: strings(body.unassignPermissionSets),
        }),
      );
    } catch (error) {
      return setupError(error);
    }
  });
}
