/**
 * The sync API of a signed-in user: `POST /api/sync` ("sync now") and `GET /api/status`
 * (sync status and the receipt chain of recent intents, for support and devtools).
 *
 * Invariants: a user only ever sees and triggers their own book; state-changing POSTs refuse a
 * foreign `Origin`; the status reads the book through the engine's checks (a device may have
 * written anything in it), so a malformed value never fails the request: an intent that does
 * not decode is listed with its (cut) key, kind `null` and the receipt that failed it, and a
 * malformed `meta.sync` reads as `null`.
 */

import { bookMaps, byHlc, type Intent, type Receipt, readBookState, readReceiptEntry } from "@tandem/engine";
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { type AuthService, roomOf } from "../auth/auth-service.js";
import type { RoomRegistry } from "../relay/room-registry.js";
import type { PushStatus } from "../sync/change-subscriber.js";
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
  /** Whether push (Change Data Capture) is live and how far behind; `null` without push. */
  readonly push?: (() => PushStatus | null) | undefined;
}

/** One intent with what became of it. */
export interface IntentChain {
  /** The intent; `kind`, `at` and `device` are `null` for a value that is not a valid intent. */
  readonly intent: {
    readonly id: string;
    readonly kind: Intent["kind"] | null;
    readonly at: string | null;
    readonly device: string | null;
  };
  readonly receipt: Receipt | null;
}

/** Longest intent key `/api/status` repeats (a valid one is a 36-character UUID). */
const KEY_MAX = 64;

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
    const status = await worker.syncNow();
    // Another instance holds the book: it runs the cycle when this one asks (scale-out).
    if (status.state === "standby") {
      o.rooms.signalPeers(roomOf(s.orgId, s.userId), { name: "sync-now", orgId: s.orgId, userId: s.userId });
    }
    return c.json({ worker: status });
  });

  app.get("/api/status", async (c) => {
    const s = await o.auth.session(getCookie(c, SESSION_COOKIE));
    if (!s) return c.json({ error: "unauthenticated" }, 401);
    const room = roomOf(s.orgId, s.userId);
    const lease = await o.rooms.lease(room);
    try {
      const state = readBookState(lease.doc);
      const receipts = bookMaps(lease.doc).receipts;
      const receiptOf = (key: string): Receipt | null => readReceiptEntry(key, receipts.get(key));
      const limit = o.recentIntents ?? 50;
      const intents = [...state.intents.values()].sort(byHlc).reverse().slice(0, limit);
      const chains: IntentChain[] = intents.map((i) => ({
        intent: { id: i.id, kind: i.kind, at: i.at, device: i.device },
        receipt: receiptOf(i.id),
      }));
      for (const key of [...state.invalidIntents.keys()].slice(0, limit)) {
        chains.push({
          intent: { id: key.slice(0, KEY_MAX), kind: null, at: null, device: null },
          receipt: receiptOf(key),
        });
      }
      c.header("cache-control", "no-store");
      return c.json({
        room,
        worker: o.supervisor.status(room),
        push: o.push?.() ?? null,
        sync: state.meta.sync,
        counts: {
          opportunities: state.opportunities.size,
          contacts: state.contacts.size,
          activities: state.activities.size,
          intents: state.intents.size + state.invalidIntents.size,
        },
        intents: chains,
      });
    } finally {
      lease.release();
    }
  });

  return app;
}
