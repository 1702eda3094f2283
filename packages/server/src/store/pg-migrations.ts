/**
 * The PostgreSQL schema of the store, as versioned migrations the server applies itself at
 * start (`migrate`). Each migration runs in its own transaction and is recorded in
 * `tandem_schema_migrations`; a session-level advisory lock makes instances that start together
 * apply each migration once. A database whose schema is newer than this code knows is refused,
 * changing nothing: an older server must not write a newer layout.
 *
 * Times the callers pass (`now`, `expiresAt`) are stored as bigint milliseconds of the
 * callers' clock, as the store contract compares them; the lease (a later migration) uses the
 * database clock. `tandem_push_replay` (migration 4) keeps push's replay id per org, written
 * only under the org's push lease (a row of `tandem_book_leases` named `push:<orgId>`).
 */
import type { Pool } from "pg";
import { StoreError } from "./store.js";

/** One step of the schema. Append new ones; never edit one that has shipped. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "room logs, sessions, tickets, sealed tokens",
    sql: `
      CREATE SEQUENCE tandem_room_seq;
      CREATE TABLE tandem_room_updates (
        room text NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('tandem_room_seq'),
        snapshot boolean NOT NULL DEFAULT false,
        data bytea NOT NULL,
        PRIMARY KEY (room, seq)
      );
      CREATE TABLE tandem_sessions (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        user_id text NOT NULL,
        name text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX tandem_sessions_user ON tandem_sessions (org_id, user_id);
      CREATE INDEX tandem_sessions_expiry ON tandem_sessions (expires_at);
      CREATE TABLE tandem_tickets (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        user_id text NOT NULL,
        room text NOT NULL,
        expires_at bigint NOT NULL,
        session_id text
      );
      CREATE INDEX tandem_tickets_user ON tandem_tickets (org_id, user_id, expires_at);
      CREATE INDEX tandem_tickets_expiry ON tandem_tickets (expires_at);
      CREATE TABLE tandem_used_tickets (
        id text PRIMARY KEY,
        expires_at bigint NOT NULL
      );
      CREATE INDEX tandem_used_tickets_expiry ON tandem_used_tickets (expires_at);
      CREATE TABLE tandem_tokens (
        org_id text NOT NULL,
        user_id text NOT NULL,
        sealed text NOT NULL,
        PRIMARY KEY (org_id, user_id)
      );
    `,
  },
  {
    version: 2,
    name: "room versions, for instances that apply each other's commits",
    sql: `
      CREATE TABLE tandem_room_heads (
        room text PRIMARY KEY,
        version bigint NOT NULL
      );
      ALTER TABLE tandem_room_updates ADD COLUMN version bigint NOT NULL DEFAULT 0;
      CREATE INDEX tandem_room_updates_version ON tandem_room_updates (room, version);
      INSERT INTO tandem_room_heads (room, version) SELECT DISTINCT room, 0 FROM tandem_room_updates;
    `,
  },
  {
    version: 3,
    name: "book leases with fencing epochs",
    sql: `
      CREATE TABLE tandem_book_leases (
        book text PRIMARY KEY,
        owner text NOT NULL,
        epoch bigint NOT NULL,
        expires_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: "push: the last handled change-event replay id per org",
    sql: `
      CREATE TABLE tandem_push_replay (
        org_id text PRIMARY KEY,
        replay_id bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

/** The advisory lock key migrations hold (an arbitrary constant: "tandem" in ASCII). */
const MIGRATION_LOCK = 0x74616e64656d;

/**
 * Brings the database's schema up to the latest migration; resolves to the versions applied now.
 * @example
 * await migrate(pool); // [1] on an empty database, [] once it is current
 */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS tandem_schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = new Set(
        (await client.query<{ version: number }>("SELECT version FROM tandem_schema_migrations")).rows.map(
          (r) => r.version,
        ),
      );
      const known = new Set(migrations.map((m) => m.version));
      const newer = [...done].filter((v) => !known.has(v)).sort((a, b) => a - b);
      if (newer.length > 0) {
        throw new StoreError(
          `the database's schema has migration ${newer.at(-1)}, newer than this server knows (${Math.max(...known)}); upgrade the server`,
        );
      }
      const applied: number[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query("INSERT INTO tandem_schema_migrations (version, name) VALUES ($1, $2)", [
            m.version,
            m.name,
          ]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
