/**
 * The book the screens work on — its connection, the engine's live view and device API —
 * shared through React context, plus hooks that subscribe to them.
 *
 * Invariant: one BookContext per open book; the hooks re-render only on a new engine snapshot
 * or a new connection state. Each handle keeps its book's view snapshot current
 * (`snapshot/snapshot-writer.ts`) until {@link disposeBookHandle} has stopped it.
 */
import { type BookSnapshot, type BookView, bookMaps, createBookView, createDevice, type Device } from "@tandem/engine";
import { createContext, useContext, useSyncExternalStore } from "react";
import type { Me } from "../session/session-api.js";
import { snapshotOfView } from "../snapshot/snapshot-of.js";
import { saveViewSnapshot } from "../snapshot/snapshot-store.js";
import { type SnapshotWriter, startSnapshotWriter } from "../snapshot/snapshot-writer.js";
import type { BookConnection, ConnectionState } from "../sync/book-connection.js";
import type { BookLookups } from "../view-model/view-model.js";

/** Everything a screen needs to read and change the book. */
export interface BookHandle {
  readonly me: Me;
  readonly connection: BookConnection;
  readonly view: BookView;
  readonly device: Device;
  readonly lookups: BookLookups;
  /** Rewrites the book's view snapshot after the view changes. */
  readonly snapshotWriter: SnapshotWriter;
}

/** How often a book's view is re-judged against the clock (ms). */
const REFRESH_MS = 60_000;
const refreshers = new Map<BookView, ReturnType<typeof setInterval>>();
/** Quiet time after a change of the view before its snapshot is rewritten (ms). */
const SNAPSHOT_DEBOUNCE_MS = 1_000;

/** Runs `fn` when the page is idle (at the latest after 10 s); returns a cancel function. */
function whenIdle(fn: () => void): () => void {
  if (typeof requestIdleCallback !== "function") {
    const id = setTimeout(fn, 0);
    return () => clearTimeout(id);
  }
  const id = requestIdleCallback(fn, { timeout: 10_000 });
  return () => cancelIdleCallback(id);
}

function writeSnapshots(me: Me, connection: BookConnection, view: BookView): SnapshotWriter {
  const owner = { room: me.room, userId: me.userId };
  return startSnapshotWriter({
    owner,
    subscribe: view.subscribe,
    whenLoaded: connection.whenLocalLoaded(),
    snapshot: () => snapshotOfView(view, owner, new Date()),
    save: saveViewSnapshot,
    debounceMs: SNAPSHOT_DEBOUNCE_MS,
    whenIdle,
    // Nothing is lost: the book is intact, the writer retries at the next change, and a start
    // without a current snapshot paints from the doc.
    onError: (error) => console.warn("Tandem: the pipeline snapshot was not saved:", error),
  });
}

/**
 * Wires the engine's view and device API onto an open book connection; `view`, when given, is
 * the engine's view of `connection.doc` built already (`ui/app.tsx` builds it in steps).
 */
export function createBookHandle(
  me: Me,
  connection: BookConnection,
  deviceId: string,
  view: BookView = createBookView(connection.doc),
): BookHandle {
  const maps = bookMaps(connection.doc);
  // Time passing changes no document: re-judge "last interaction" and "next meeting" each minute.
  refreshers.set(
    view,
    setInterval(() => view.refresh(), REFRESH_MS),
  );
  return {
    me,
    connection,
    view,
    device: createDevice(connection.doc, {
      deviceId,
      now: () => new Date(),
      random: () => globalThis.crypto.getRandomValues(new Uint8Array(10)),
    }),
    lookups: {
      interaction: (id) => maps.interactions.get(id),
      receipt: (id) => maps.receipts.get(id),
    },
    snapshotWriter: writeSnapshots(me, connection, view),
  };
}

/**
 * Stops the engine's observers of a handle and its snapshot writer; resolves once no snapshot
 * write is under way (so the snapshot can then be deleted for good).
 */
export async function disposeBookHandle(handle: BookHandle): Promise<void> {
  clearInterval(refreshers.get(handle.view));
  refreshers.delete(handle.view);
  await handle.snapshotWriter.stop();
  handle.view.dispose();
  handle.device.dispose();
}

/** The current book. */
export const BookContext = createContext<BookHandle | null>(null);

/** The current book; throws when used outside a book screen (a programming error). */
export function useBook(): BookHandle {
  const handle = useContext(BookContext);
  if (handle === null) throw new Error("useBook() outside <BookContext>");
  return handle;
}

/** The engine's current snapshot of the book, re-rendering on change. */
export function useSnapshot(): BookSnapshot {
  const { view } = useBook();
  return useSyncExternalStore(view.subscribe, view.getSnapshot);
}

/** True once the book has been read from IndexedDB, re-rendering only when that changes. */
export function useLocalLoaded(): boolean {
  const { connection } = useBook();
  return useSyncExternalStore(
    (listener) => connection.subscribe(listener),
    () => connection.state.localLoaded,
  );
}

/** The connection's state, re-rendering on change. */
export function useConnectionState(): ConnectionState {
  const { connection } = useBook();
  return useSyncExternalStore(
    (listener) => connection.subscribe(listener),
    () => connection.state,
  );
}
