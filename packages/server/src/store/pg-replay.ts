/**
 * {@link SharedReplayIds} on PostgreSQL: one row per org in `tandem_push_replay (org_id,
 * replay_id, updated_at)` (migration 4).
 *
 * Invariant: a write lands only while the writer's fence still names the current holder and
 * epoch of the push lease (`tandem_book_leases`, row `push:<orgId>`), in the same statement, so
 * a subscriber that lost its lease (paused past its expiry, a new holder took over) cannot move
 * the replay id back under the new holder.
 */
import type { Pool } from "pg";
import type { SharedReplayIds } from "./store.js";

const WRITE = `INSERT INTO tandem_push_replay (org_id, replay_id)
  SELECT $1, $2 WHERE EXISTS (
    SELECT 1 FROM tandem_book_leases WHERE book = $3 AND owner = $4 AND epoch = $5
  )
  ON CONFLICT (org_id) DO UPDATE SET replay_id = EXCLUDED.replay_id, updated_at = now()`;

/**
 * Push's replay ids in PostgreSQL (the pool must be migrated).
 * @example
 * const ids = createPostgresReplayIds(pool);
 * await ids.writeReplayId(orgId, 42, `push:${orgId}`, fence);
 */
export function createPostgresReplayIds(pool: Pool): SharedReplayIds {
  return {
    async readReplayId(orgId) {
      const r = await pool.query<{ replay_id: string }>("SELECT replay_id FROM tandem_push_replay WHERE org_id = $1", [
        orgId,
      ]);
      const row = r.rows[0];
      return row ? Number(row.replay_id) : undefined;
    },
    async writeReplayId(orgId, replayId, lease, fence) {
      const r = await pool.query(WRITE, [orgId, replayId, lease, fence.owner, fence.epoch]);
      return (r.rowCount ?? 0) > 0;
    },
  };
}
