/**
 * The embedded default {@link Store}: a log-structured file store under a data directory,
 * made of two halves with their own files and write queues.
 *
 * - Room logs (`file-room-store.ts`): `rooms/<base64url(room)>.log`, one room's Yjs updates as
 *   framed records (`room-files.ts`), behind the shared write-ahead log `wal.<n>.log`
 *   (`wal.ts`), which makes each batch of appends durable with one fdatasync.
 * - Sessions, tickets and sealed tokens (`kv-auth-store.ts` over `kv-log.ts`): `kv.log` logs
 *   every mutation as a framed JSON record and is replayed into memory on open.
 *
 * Each half is also usable alone ({@link openFileRoomStore}, {@link openFileAuthStore}), so a
 * deployment can keep its room logs and its auth rows in different backends.
 */
import { mkdirSync } from "node:fs";
import { openFileRoomStore } from "./file-room-store.js";
import { createKvAuthStore } from "./kv-auth-store.js";
import { KvLog } from "./kv-log.js";
import type { AuthStore, Store } from "./store.js";
import { combineStores } from "./store.js";

export { type FileRoomStoreOptions, openFileRoomStore } from "./file-room-store.js";

/** Options of {@link openFileStore}. */
export interface FileStoreOptions {
  /** The data directory; created if missing. */
  readonly dir: string;
  /**
   * How long a ticket (used or not) is remembered after its expiry (ms). Default 0: the
   * ticket value carries its expiry, so nothing needs remembering once it has passed.
   */
  readonly ticketGraceMs?: number | undefined;
  /** WAL size that triggers a checkpoint (WAL-only updates moved to room files, WAL emptied). Default 16 MiB. */
  readonly checkpointBytes?: number | undefined;
  /** Called with the duration of every fsync'd write, for metrics. */
  readonly onWrite?: ((seconds: number) => void) | undefined;
}

/**
 * Opens (or creates) a file store.
 * @example
 * const store = await openFileStore({ dir: "/var/lib/tandem/data" });
 */
export async function openFileStore(options: FileStoreOptions): Promise<Store> {
  const auth = await openFileAuthStore(options);
  return combineStores(await openFileRoomStore(options), auth);
}

/**
 * Opens (or creates) the sessions, tickets and sealed tokens of a data directory (`kv.log`).
 * @example
 * const auth = await openFileAuthStore({ dir: "/var/lib/tandem/data" });
 */
export async function openFileAuthStore(
  options: Pick<FileStoreOptions, "dir" | "ticketGraceMs" | "onWrite">,
): Promise<AuthStore> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const log = await KvLog.open(options.dir, options.onWrite);
  return createKvAuthStore({
    tables: log.tables,
    ticketGraceMs: options.ticketGraceMs,
    persist: (ops) => log.append(ops),
    close: () => log.close(),
  });
}
