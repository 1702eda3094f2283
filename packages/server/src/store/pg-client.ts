/** What the PostgreSQL stores share: transactions on a pooled client. */
import type { Pool, PoolClient } from "pg";

/**
 * Runs `fn` in a transaction on one pooled client: committed when it resolves, rolled back when
 * it throws (the error is rethrown). A client whose rollback fails is discarded, not reused.
 */
export async function transaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((e: unknown) => {
      broken = e instanceof Error ? e : new Error(String(e));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Takes the transaction-scoped advisory lock named by `key` (released at commit or rollback). */
export async function lockFor(client: PoolClient, key: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
}
