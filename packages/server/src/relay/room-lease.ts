/** What server-side code (a sync worker) holds while it writes to a room: a {@link RoomLease}. */
import type * as Y from "yjs";

/**
 * A hold on a loaded room for server-side code (e.g. a sync worker).
 * @remarks Write to a room's document only while holding a lease: the lease's listener is
 * what captures, persists and broadcasts server-side writes.
 */
export interface RoomLease {
  readonly room: string;
  /** The live document. Write with `doc.transact(fn, origin)`; writes are persisted and broadcast. */
  readonly doc: Y.Doc;
  /**
   * Resolves once every write so far is durable; rejects with `LeaseLostError` when the
   * store refused this room's writes because the lease's fence went stale.
   */
  committed(): Promise<void>;
  /** Releases the hold; the room may unload after the grace period. Idempotent. */
  release(): void;
}

/** The worker's book lease moved to another instance: its writes to the room were refused. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(readonly room: string) {
    super("the book lease moved to another instance");
  }
}
