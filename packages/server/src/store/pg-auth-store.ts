/**
 * The auth half of the store on PostgreSQL ({@link AuthStore}): sessions, single-use tickets
 * (with a tombstone per taken ticket) and sealed tokens, shared by every server instance.
 *
 * Invariants:
 * - A take is decided under a per-ticket advisory lock, so of two takes of one ticket, on any
 *   instances, exactly one is `ok` (or `expired`) and the other `used`.
 * - A put with a limit counts and stores under a per-user advisory lock, so racing puts never
 *   leave (org, user) with more than `maxLive` live tickets.
 * - A ticket (live or taken) whose expiry is more than the grace period past is treated as
 *   unknown and deleted when met; a sweep at every 256th take deletes the rest, and expired
 *   sessions.
 * - Times are the callers' clock, as bigint milliseconds.
 */
import type { Pool, PoolClient } from "pg";
import { lockFor, transaction } from "./pg-client.js";
import type { AuthStore, SessionRecord, TicketRecord, TicketTake } from "./store.js";
import { StoreError } from "./store.js";

/** Options of {@link createPostgresAuthStore}. */
export interface PostgresAuthStoreOptions {
  /** The pool, migrated (`migrate`); the caller ends it. */
  readonly pool: Pool;
  /**
   * How long a ticket (used or not) is remembered after its expiry (ms). Default 0: the
   * ticket value carries its expiry, so nothing needs remembering once it has passed.
   */
  readonly ticketGraceMs?: number | undefined;
}

interface SessionRow {
  readonly id: string;
  readonly org_id: string;
  readonly user_id: string;
  readonly name: string;
  readonly created_at: string;
  readonly expires_at: string;
}

interface TicketRow {
  readonly id: string;
  readonly org_id: string;
  readonly user_id: string;
  readonly room: string;
  readonly expires_at: string;
  readonly session_id: string | null;
}

/** Takes between sweeps of expired rows. */
const SWEEP_EVERY = 256;

/**
 * Sessions, tickets and tokens in PostgreSQL.
 * @example
 * const auth = createPostgresAuthStore({ pool });
 */
export function createPostgresAuthStore(options: PostgresAuthStoreOptions): AuthStore {
  const { pool } = options;
  const grace = options.ticketGraceMs ?? 0;
  let closed = false;
  let takes = 0;
  const check = (): void => {
    if (closed) throw new StoreError("store is closed");
  };
  return {
    async putSession(s) {
      check();
      await pool.query(
        `INSERT INTO tandem_sessions (id, org_id, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET org_id = $2, user_id = $3, name = $4, created_at = $5, expires_at = $6`,
        [s.id, s.orgId, s.userId, s.name, s.createdAt, s.expiresAt],
      );
    },
    async getSession(id, now) {
      check();
      const r = await pool.query<SessionRow>("SELECT * FROM tandem_sessions WHERE id = $1 AND expires_at > $2", [
        id,
        now,
      ]);
      const row = r.rows[0];
      return row ? toSession(row) : undefined;
    },
    async deleteSession(id) {
      check();
      await pool.query("DELETE FROM tandem_sessions WHERE id = $1", [id]);
    },
    async deleteUserSessions(orgId, userId) {
      check();
      const r = await pool.query("DELETE FROM tandem_sessions WHERE org_id = $1 AND user_id = $2", [orgId, userId]);
      return r.rowCount ?? 0;
    },
    async countUserSessions(orgId, userId, now) {
      check();
      const r = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM tandem_sessions WHERE org_id = $1 AND user_id = $2 AND expires_at > $3",
        [orgId, userId, now],
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    async putTicket(ticket, limit) {
      check();
      return transaction(pool, async (client) => {
        if (limit) {
          await lockFor(client, `tickets:${JSON.stringify([ticket.orgId, ticket.userId])}`);
          const live = await client.query<{ n: string }>(
            "SELECT count(*) AS n FROM tandem_tickets WHERE org_id = $1 AND user_id = $2 AND expires_at > $3",
            [ticket.orgId, ticket.userId, limit.now],
          );
          if (Number(live.rows[0]?.n ?? 0) >= limit.maxLive) return false;
        }
        await insertTicket(client, ticket);
        return true;
      });
    },
    async takeTicket(id, now) {
      check();
      const cutoff = now - grace;
      if (++takes % SWEEP_EVERY === 0) await sweep(pool, cutoff, now);
      return transaction(pool, (client) => take(client, id, now, cutoff));
    },
    async putToken(orgId, userId, sealed) {
      check();
      await pool.query(
        `INSERT INTO tandem_tokens (org_id, user_id, sealed) VALUES ($1, $2, $3)
         ON CONFLICT (org_id, user_id) DO UPDATE SET sealed = $3`,
        [orgId, userId, sealed],
      );
    },
    async getToken(orgId, userId) {
      check();
      const r = await pool.query<{ sealed: string }>(
        "SELECT sealed FROM tandem_tokens WHERE org_id = $1 AND user_id = $2",
        [orgId, userId],
      );
      return r.rows[0]?.sealed;
    },
    async deleteToken(orgId, userId) {
      check();
      await pool.query("DELETE FROM tandem_tokens WHERE org_id = $1 AND user_id = $2", [orgId, userId]);
    },
    async listTokenOwners() {
      check();
      const r = await pool.query<{ org_id: string; user_id: string }>(
        "SELECT org_id, user_id FROM tandem_tokens ORDER BY org_id, user_id",
      );
      return r.rows.map((row) => ({ orgId: row.org_id, userId: row.user_id }));
    },
    async close() {
      closed = true;
    },
  };
}

/** Stores a live ticket, unless a ticket of that id was already taken. */
async function insertTicket(client: PoolClient, t: TicketRecord): Promise<void> {
  await client.query(
    `INSERT INTO tandem_tickets (id, org_id, user_id, room, expires_at, session_id)
     SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM tandem_used_tickets WHERE id = $1)
     ON CONFLICT (id) DO UPDATE SET org_id = $2, user_id = $3, room = $4, expires_at = $5, session_id = $6`,
    [t.id, t.orgId, t.userId, t.room, t.expiresAt, t.sessionId ?? null],
  );
}

/** Decides one take under the ticket's lock (see the file header). */
async function take(client: PoolClient, id: string, now: number, cutoff: number): Promise<TicketTake> {
  await lockFor(client, `ticket:${id}`);
  const live = await client.query<TicketRow>("DELETE FROM tandem_tickets WHERE id = $1 RETURNING *", [id]);
  const row = live.rows[0];
  if (row) {
    const ticket = toTicket(row);
    // Forgotten: past its expiry by more than the grace period.
    if (ticket.expiresAt < cutoff) return { kind: "unknown" };
    await client.query("INSERT INTO tandem_used_tickets (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [
      id,
      ticket.expiresAt,
    ]);
    // An expired take uses the ticket up too, so no clock step back can revive it.
    return ticket.expiresAt <= now ? { kind: "expired", ticket } : { kind: "ok", ticket };
  }
  const used = await client.query<{ expires_at: string }>("SELECT expires_at FROM tandem_used_tickets WHERE id = $1", [
    id,
  ]);
  const tomb = used.rows[0];
  if (tomb === undefined) return { kind: "unknown" };
  if (Number(tomb.expires_at) < cutoff) {
    await client.query("DELETE FROM tandem_used_tickets WHERE id = $1", [id]);
    return { kind: "unknown" };
  }
  return { kind: "used" };
}

/** Deletes tickets and tombstones past `cutoff`, and sessions expired at `now`. */
async function sweep(pool: Pool, cutoff: number, now: number): Promise<void> {
  await pool.query("DELETE FROM tandem_tickets WHERE expires_at < $1", [cutoff]);
  await pool.query("DELETE FROM tandem_used_tickets WHERE expires_at < $1", [cutoff]);
  await pool.query("DELETE FROM tandem_sessions WHERE expires_at < $1", [now]);
}

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    userId: r.user_id,
    name: r.name,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

function toTicket(r: TicketRow): TicketRecord {
  const base = { id: r.id, orgId: r.org_id, userId: r.user_id, room: r.room, expiresAt: Number(r.expires_at) };
  return r.session_id === null ? base : { ...base, sessionId: r.session_id };
}
