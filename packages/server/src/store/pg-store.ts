/**
 * The store on PostgreSQL: both halves on one connection pool, the schema migrated at open.
 * For deployments of several server instances on one database (see docs/architecture.md,
 * "Storage"); the embedded file store stays the zero-configuration default. It also keeps
 * push's replay id for every instance (`pg-replay.ts`).
 */
import pg from "pg";
import { createPostgresAuthStore } from "./pg-auth-store.js";
import { createPostgresLeases } from "./pg-leases.js";
import { migrate } from "./pg-migrations.js";
import { createPostgresReplayIds } from "./pg-replay.js";
import { createPostgresRoomStore } from "./pg-room-store.js";
import type { SharedReplayIds, SharedRoomStore, Store } from "./store.js";
import { combineStores } from "./store.js";

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** A `postgres://` connection string. */
  readonly url: string;
  /** Most connections the pool opens (default 10). */
  readonly maxConnections?: number | undefined;
  /** See {@link PostgresAuthStoreOptions.ticketGraceMs}. */
  readonly ticketGraceMs?: number | undefined;
  /** Called with the duration of every committed room write, for metrics. */
  readonly onWrite?: ((seconds: number) => void) | undefined;
}

/** A PostgreSQL store with its pool's figures, for health checks and metrics. */
export interface PostgresStore extends Omit<Store, "shared">, SharedRoomStore, SharedReplayIds {
  /** Resolves once the database answers a query; rejects otherwise. */
  ping(): Promise<void>;
  /** The book leases on this database. */
  readonly leases: ReturnType<typeof createPostgresLeases>;
  /** Connections open, idle, and callers waiting for one. */
  poolUse(): { readonly total: number; readonly idle: number; readonly waiting: number };
}

/**
 * Opens the store on the database at `url`, creating or migrating its schema first.
 * @example
 * const store = await openPostgresStore({ url: "postgres://tandem@db/tandem" });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
  // A client's error (the server restarted or shut down) must not crash the process: the pool
  // drops an idle client that fails, and every client keeps a listener to the end of its life
  // (a server's shutdown notice can arrive while a client is still ending after `pool.end()`).
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const rooms = createPostgresRoomStore({ pool, onWrite: options.onWrite });
  const store = combineStores(rooms, createPostgresAuthStore({ pool, ticketGraceMs: options.ticketGraceMs }));
  let ended = false;
  return {
    ...store,
    leases: createPostgresLeases(pool),
    ...createPostgresReplayIds(pool),
    async close() {
      await store.close();
      if (ended) return;
      ended = true;
      await pool.end();
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    poolUse() {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },
  };
}

/**
 * The pool's figures as Prometheus text: `tandem_pg_pool_connections{state}` (open, idle) and
 * `tandem_pg_pool_waiting` (callers waiting for a connection).
 */
export function postgresPoolMetrics(use: ReturnType<PostgresStore["poolUse"]>): string {
  return [
    "# HELP tandem_pg_pool_connections PostgreSQL pool connections by state.",
    "# TYPE tandem_pg_pool_connections gauge",
    `tandem_pg_pool_connections{state="open"} ${use.total}`,
    `tandem_pg_pool_connections{state="idle"} ${use.idle}`,
    "# HELP tandem_pg_pool_waiting Callers waiting for a PostgreSQL connection.",
    "# TYPE tandem_pg_pool_waiting gauge",
    `tandem_pg_pool_waiting ${use.waiting}`,
    "",
  ].join("\n");
}
