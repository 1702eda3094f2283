/**
 * `GET /healthz`: liveness for load balancers and the demo launcher.
 *
 * Invariant: answers without touching the store or any room, so it stays cheap under load.
 */
import { Hono } from "hono";

/** Routes for the health check. */
export function createHealthRoutes(): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true }));
  return app;
}
