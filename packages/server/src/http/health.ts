/**
 * `GET /healthz`: liveness for load balancers and the demo launcher. `GET /readyz`: readiness,
 * the same plus every backend the server depends on (PostgreSQL, Redis) answering.
 *
 * Invariants: `/healthz` answers without touching the store or any room, so it stays cheap
 * under load. `/readyz` runs each check with a deadline and answers 503, naming the backend,
 * when one fails or is slow; it never says why in more words than "unreachable" (no URLs or
 * credentials in answers).
 */
import { Hono } from "hono";

/** One backend's readiness check: resolves when it answers. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** How long a readiness check may take before the backend counts as unreachable (ms). */
const READY_DEADLINE_MS = 2000;

/** Routes for the health and readiness checks. */
export function createHealthRoutes(checks: readonly ReadinessCheck[] = []): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => {
    const results = await Promise.all(checks.map(async (k) => [k.name, await answers(k)] as const));
    const backends = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "ok" : "unreachable"]));
    const ok = results.every(([, up]) => up);
    return c.json({ ok, backends }, ok ? 200 : 503);
  });
  return app;
}

async function answers(k: ReadinessCheck): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_DEADLINE_MS);
  });
  try {
    return await Promise.race([
      k.check().then(
        () => true,
        () => false,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
