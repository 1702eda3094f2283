/**
 * Test helpers for the Streaming API: jsforce's own streaming client (Faye), a collector of the
 * change events it receives, waiting for a condition, and closing clients so vitest can exit.
 */
import type { Connection } from "jsforce";

/** A Faye client as jsforce's `conn.streaming.createClient()` answers it. */
export type FayeClient = ReturnType<Connection["streaming"]["createClient"]>;

/** The `data` of a change event message. */
export interface CdcData {
  readonly schema: string;
  readonly payload: {
    readonly ChangeEventHeader: {
      readonly entityName: string;
      readonly recordIds: string[];
      readonly changeType: string;
      readonly changedFields: string[];
      readonly changeOrigin: string;
      readonly transactionKey: string;
      readonly sequenceNumber: number;
      readonly commitTimestamp: number;
      readonly commitUser: string;
      readonly commitNumber: number;
    };
    readonly [field: string]: unknown;
  };
  readonly event: { readonly replayId: number };
}

/** jsforce's streaming extensions (the module jsforce's docs import them from). */
export async function loadStreamingExtension() {
  return (await import("jsforce/api/streaming")).StreamingExtension;
}

/** Polls `predicate` every 20 ms until it holds, or fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Disconnects a Faye client and waits for the server to acknowledge it. */
export async function closeClient(client: FayeClient): Promise<void> {
  // Faye answers `undefined` for a client that is not connected (never was, or already closed).
  const done = (client as unknown as { disconnect(): PromiseLike<unknown> | undefined }).disconnect();
  if (done === undefined) return;
  await Promise.race([Promise.resolve(done), sleep(2000)]);
}

/**
 * Disconnects the client jsforce keeps for `conn.streaming.topic(...)`: jsforce has no public
 * way to close it (it lives in the private `_fayeClients`), and a live one keeps polling.
 */
export async function closeTopicClients(conn: Connection): Promise<void> {
  const clients = (conn.streaming as unknown as { _fayeClients: Record<string, FayeClient> })._fayeClients;
  for (const client of Object.values(clients)) await closeClient(client);
}
