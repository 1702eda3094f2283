/**
 * `GET /healthz`: liveness for load balancers and the demo launcher. `GET /readyz`: readiness,
 * the same plus every backend the server depends on (PostgreSQL, Redis) answering.
 *
 * Invariants: `/healthz` answers without touching the store or any room, so it stays cheap
 * under load; it reports the backends as the latest check found them (checked every 5 s in
 * the background), and stays 200: the process is alive. `/readyz` runs each check now, with a
 * deadline, and answers 503, naming the backend, when one fails or is slow; it never says why
 * in more words than "unreachable" (no URLs or credentials in answers).
 */
import { Hono } from "hono";

/** One backend's readiness check: resolves when it answers. */
export interface ReadinessCheck {
  /** The backend's name, as `/readyz` reports it (`postgres`, `redis`). */
  readonly name: string;
  /** Resolves when the backend answers; rejects (or stays pending) when it does not. */
  check(): Promise<void>;
}

/** How long a readiness check may take before the backend counts as unreachable (ms). */
const READY_DEADLINE_MS = 2000;
/** How often `/healthz`'s view of the backends is refreshed (ms). */
const HEALTH_REFRESH_MS = 5000;

type Backends = Record<string, "ok" | "unreachable">;

/** Routes for the health and readiness checks. */
export function createHealthRoutes(checks: readonly ReadinessCheck[] = []): Hono {
  const app = new Hono();
  const check = async (): Promise<{ ok: boolean; backends: Backends }> => {
    const results = await Promise.all(checks.map(async (k) => [k.name, await answers(k)] as const));
    const backends: Backends = Object.fromEntries(results.map(([name, up]) => [name, up ? "ok" : "unreachable"]));
    return { ok: results.every(([, up]) => up), backends };
  };
  let latest: Backends | undefined;
  if (checks.length > 0) {
    const refresh = (): void => {
      check().then((r) => {
        latest = r.backends;
      }, ignore);
    };
    refresh();
    setInterval(refresh, HEALTH_REFRESH_MS).unref();
  }
  app.get("/healthz", (c) => c.json(latest === undefined ? { ok: true } : { ok: true, backends: latest }));
  app.get("/readyz", async (c) => {
    const r = await check();
    latest = r.backends;
    return c.json(r, r.ok ? 200 : 503);
  });
  return app;
}

function ignore(): void {}

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
