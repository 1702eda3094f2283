/**
 * Re-encoding a room's document off the event loop, for compaction of large rooms: a worker
 * thread applies the room's stored log to a fresh document and encodes its state in pieces
 * (`snapshot-pieces.mjs`). Encoding a large book (121 MiB) from the live document blocks the
 * event loop, so every room on the server, for more than 2 s; in a worker it costs the same
 * CPU on another core and, for its duration, the memory of a second copy of the document. The
 * pieces let the room load, and reach a new device, a piece at a time.
 */
import { Worker } from "node:worker_threads";

/**
 * Builds a snapshot from a room's stored log (see `RoomStore.rebuildRoom`): updates that rebuild
 * the log's state when applied in order, each holding about `pieceBytes` of it.
 */
export type Rebuild = (updates: Uint8Array[], pieceBytes: number) => Promise<Uint8Array[]>;

/** Buffers at least this large are moved to the worker instead of copied (Node's Buffer pool is 8 KiB). */
const TRANSFER_BYTES = 64 * 1024;

/**
 * Rebuilds in a new worker thread, one per call: compactions of large rooms are rare, and a
 * worker that exits releases its copy of the document at once. Takes ownership of `updates`:
 * their large buffers are transferred, not copied.
 */
export const rebuildInWorker: Rebuild = (updates, pieceBytes) =>
  new Promise<Uint8Array[]>((resolve, reject) => {
    const worker = new Worker(new URL("./rebuild-worker.mjs", import.meta.url));
    // A compaction never keeps the process alive; one cut short changes nothing stored.
    worker.unref();
    let settled = false;
    worker.once("message", (m: { pieces: Uint8Array[] }) => {
      settled = true;
      resolve(m.pieces);
      void worker.terminate();
    });
    worker.once("error", (err) => {
      settled = true;
      reject(err);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`rebuild worker exited with code ${code}`));
    });
    const buffers = new Set<ArrayBuffer>();
    for (const u of updates) if (u.buffer.byteLength >= TRANSFER_BYTES) buffers.add(u.buffer as ArrayBuffer);
    worker.postMessage({ updates, pieceBytes }, [...buffers]);
  });
