/**
 * The middleware that fires injected faults (`control.addFault`) on every route but the control
 * API: latency, an error answer in place of the call (REQUEST_LIMIT_EXCEEDED, INVALID_SESSION_ID,
 * SERVER_UNAVAILABLE), or a fault the data route acts on (UNABLE_TO_LOCK_ROW,
 * drop-after-commit), left in the request's `fault` variable.
 *
 * Invariant: drop-after-commit destroys the socket only after the route has run, so the write
 * is committed and only its response is lost.
 */
import type { HttpBindings } from "@hono/node-server";
import type { MiddlewareHandler } from "hono";
import type { ApiUsageView } from "../api/api-types.js";
import type { FaultInjector, FiredFault } from "../control/faults.js";
import { errorArray, limitHeader } from "./http-responses.js";

/** The Hono environment of the emulator's app. */
export type EmulatorEnv = { Bindings: HttpBindings; Variables: { fault: FiredFault | undefined } };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Creates the fault middleware over `faults`; `usage` feeds the limit header of a limit fault. */
export function createFaultMiddleware(faults: FaultInjector, usage: ApiUsageView): MiddlewareHandler<EmulatorEnv> {
  return async (c, next) => {
    const path = new URL(c.req.url).pathname;
    c.set("fault", undefined);
    if (path.startsWith("/_emulator")) return next();
    const fault = faults.take(c.req.method, path);
    if (fault) {
      switch (fault.kind) {
        case "latency":
          // Salesforce processes a request it has fully received even if the client is gone by
          // the time it answers: take the body first, so a client that dies during the delay
          // still gets its write committed (a lost response, not a lost request).
          if (c.req.method !== "GET" && c.req.method !== "HEAD") await c.req.arrayBuffer();
          await sleep(fault.ms);
          break;
        case "REQUEST_LIMIT_EXCEEDED":
          return errorArray(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", limitHeader(usage));
        case "INVALID_SESSION_ID":
          return errorArray(401, "INVALID_SESSION_ID", "Session expired or invalid");
        case "SERVER_UNAVAILABLE":
          return errorArray(503, "SERVER_UNAVAILABLE", "Server unavailable, please try again later.");
        default:
          c.set("fault", fault);
      }
    }
    await next();
    if (c.get("fault")?.kind === "drop-after-commit") {
      c.env.incoming.socket.destroy();
    }
    return undefined;
  };
}
