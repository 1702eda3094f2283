/**
 * The book the screens work on — its connection, the engine's live view and device API —
 * shared through React context, plus hooks that subscribe to them.
 *
 * Invariant: one BookContext per open book; the hooks re-render only on a new engine snapshot
 * or a new connection state.
 */
import { type BookSnapshot, type BookView, bookMaps, createBookView, createDevice, type Device } from "@tandem/engine";
import { createContext, useContext, useSyncExternalStore } from "react";
import type { Me } from "../session/session-api.js";
import type { BookConnection, ConnectionState } from "../sync/book-connection.js";
import type { BookLookups } from "../view-model/view-model.js";

/** Everything a screen needs to read and change the book. */
export interface BookHandle {
  readonly me: Me;
  readonly connection: BookConnection;
  readonly view: BookView;
  readonly device: Device;
  readonly lookups: BookLookups;
}

/** How often a book's view is re-judged against the clock (ms). */
const REFRESH_MS = 60_000;
const refreshers = new Map<BookView, ReturnType<typeof setInterval>>();

/** Wires the engine's view and device API onto an open book connection. */
export function createBookHandle(me: Me, connection: BookConnection, deviceId: string): BookHandle {
  const maps = bookMaps(connection.doc);
  const view = createBookView(connection.doc);
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
  };
}

/** Stops the engine's observers of a handle. */
export function disposeBookHandle(handle: BookHandle): void {
  clearInterval(refreshers.get(handle.view));
  refreshers.delete(handle.view);
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

/** The connection's state, re-rendering on change. */
export function useConnectionState(): ConnectionState {
  const { connection } = useBook();
  return useSyncExternalStore(
    (listener) => connection.subscribe(listener),
    () => connection.state,
  );
}
