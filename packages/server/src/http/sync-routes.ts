/**
 * The sync API of a signed-in user: `POST /api/sync` ("sync now") and `GET /api/status`
 * (sync status and the receipt chain of recent intents, for support and devtools).
 *
 * Invariant: a user only ever sees and triggers their own book; state-changing POSTs refuse a
 * foreign `Origin`.
 */
import { bookMaps, byHlc, type Intent, type Receipt } from "@tandem/engine";
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { type AuthService, roomOf } from "../auth/auth-service.js";
import type { RoomRegistry } from "../relay/room-registry.js";
import type { SyncSupervisor } from "../sync/sync-supervisor.js";
import { SESSION_COOKIE } from "./auth-routes.js";

/** Options of {@link createSyncRoutes}. */
export interface SyncRoutesOptions {
  readonly auth: AuthService;
  readonly rooms: RoomRegistry;
  readonly supervisor: SyncSupervisor;
  readonly publicUrl: string;
  /** How many recent intents `/api/status` lists. Default 50. */
  readonly recentIntents?: number | undefined;
}

/** One intent with what became of it. */
export interface IntentChain {
  readonly intent: Pick<Intent, "id" | "kind" | "at" | "device">;
  readonly receipt: Receipt | null;
}

/** Routes for "sync now" and the status API. */
export function createSyncRoutes(o: SyncRoutesOptions): Hono {
  const app = new Hono();
  const origin = new URL(o.publicUrl).origin;

  app.post("/api/sync", async (c) => {
    const h = c.req.header("origin");
    if (h !== undefined && h !== origin) return c.json({ error: "forbidden_origin" }, 403);
    const s = await o.auth.session(getCookie(c, SESSION_COOKIE));
    if (!s) return c.json({ error: "unauthenticated" }, 401);
    const worker = o.supervisor.ensure(s.orgId, s.userId);
    if (!worker) return c.json({ error: "no_worker" }, 503);
    return c.json({ worker: await worker.syncNow() });
  });

  app.get("/api/status", async (c) => {
    const s = await o.auth.session(getCookie(c, SESSION_COOKIE));
    if (!s) return c.json({ error: "unauthenticated" }, 401);
    const room = roomOf(s.orgId, s.userId);
    const lease = await o.rooms.lease(room);
    try {
      const maps = bookMaps(lease.doc);
      const intents = [...maps.intents.values()]
        .sort(byHlc)
        .reverse()
        .slice(0, o.recentIntents ?? 50);
      const chains: IntentChain[] = intents.map((i) => ({
        intent: { id: i.id, kind: i.kind, at: i.at, device: i.device },
        receipt: maps.receipts.get(i.id) ?? null,
      }));
      c.header("cache-control", "no-store");
      return c.json({
        room,
        worker: o.supervisor.status(room),
        sync: maps.meta.get("sync") ?? null,
        counts: {
          opportunities: maps.opportunities.size,
          contacts: maps.contacts.size,
          activities: maps.activities.size,
          intents: maps.intents.size,
        },
        intents: chains,
      });
    } finally {
      lease.release();
    }
  });

  return app;
}
