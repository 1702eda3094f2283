/**
 * {@link BookLeases} on PostgreSQL: one row per book in `tandem_book_leases (book, owner, epoch,
 * expires_at)`, every decision on the database's clock (`now()`), so instances with skewed
 * clocks agree.
 *
 * Invariants: a lease is taken when free or expired, and then its epoch goes up by one; its
 * holder renews it without changing the epoch; nobody else takes it before it expires. A holder
 * that paused past its expiry finds, on waking, either its lease taken (a new epoch: its fenced
 * writes are refused) or free again (it takes a new epoch itself).
 */
import type { Pool } from "pg";
import type { BookLeases, Fence } from "./store.js";

const ACQUIRE = `INSERT INTO tandem_book_leases AS l (book, owner, epoch, expires_at)
  VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
  ON CONFLICT (book) DO UPDATE SET
    owner = EXCLUDED.owner,
    epoch = CASE WHEN l.owner = EXCLUDED.owner AND l.expires_at > now() THEN l.epoch ELSE l.epoch + 1 END,
    expires_at = EXCLUDED.expires_at
  WHERE l.owner = EXCLUDED.owner OR l.expires_at <= now()
  RETURNING epoch`;

/**
 * Book leases in PostgreSQL (the pool must be migrated).
 * @example
 * const fence = await createPostgresLeases(pool).acquire("book:00D…:005…", instanceId, 15_000);
 */
export function createPostgresLeases(pool: Pool): BookLeases & { held(owner: string): Promise<number> } {
  return {
    async acquire(book, owner, ttlMs): Promise<Fence | undefined> {
      const r = await pool.query<{ epoch: string }>(ACQUIRE, [book, owner, ttlMs]);
      const row = r.rows[0];
      return row ? { owner, epoch: Number(row.epoch) } : undefined;
    },
    async release(book, fence) {
      // Expired now, epoch kept: the next taker bumps it.
      await pool.query(
        "UPDATE tandem_book_leases SET expires_at = now() WHERE book = $1 AND owner = $2 AND epoch = $3",
        [book, fence.owner, fence.epoch],
      );
    },
    async held(owner) {
      const r = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM tandem_book_leases WHERE owner = $1 AND expires_at > now()",
        [owner],
      );
      return Number(r.rows[0]?.n ?? 0);
    },
  };
}
