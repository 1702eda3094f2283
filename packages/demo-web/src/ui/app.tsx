/**
 * The session gate. On start it opens the book remembered on this device straight from
 * IndexedDB (so the pipeline shows before the network answers), then asks the server who is
 * signed in: a different book replaces it, a 401 shows the sign-in screen, no network keeps the
 * local book. Sign out ends the server session and deletes this book's local database; a
 * sign-in deletes any other user's book left on this device.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import {
  deviceId,
  fetchMe,
  fetchSyncTicket,
  type Me,
  rememberedSession,
  rememberSession,
  signOut,
} from "../session/session-api.js";
import { BookConnection, deleteDatabase } from "../sync/book-connection.js";
import { BookContext, type BookHandle, createBookHandle, disposeBookHandle } from "./book-context.js";
import { BookScreen } from "./book-screen.js";
import { SignIn } from "./sign-in.js";

type Phase =
  | { readonly kind: "checking" }
  | { readonly kind: "signed-out"; readonly notice: string | null }
  | { readonly kind: "book"; readonly handle: BookHandle };

function openBook(me: Me): BookHandle {
  const connection = new BookConnection({
    room: me.room,
    syncUrl: `${window.location.origin.replace(/^http/, "ws")}/sync`,
    fetchTicket: () => fetchSyncTicket(),
  });
  return createBookHandle(me, connection, deviceId(window.localStorage));
}

/** This device keeps only the signed-in user's book: other books' databases are deleted. */
async function deleteOtherBooks(room: string): Promise<void> {
  if (typeof indexedDB.databases !== "function") return;
  const databases = await indexedDB.databases();
  for (const { name } of databases) {
    if (name?.startsWith("book:") && name !== room) await deleteDatabase(name);
  }
}

async function closeBook(handle: BookHandle, wipe: boolean): Promise<void> {
  disposeBookHandle(handle);
  if (wipe) await handle.connection.wipe();
  else await handle.connection.close();
}

/** The root component. */
export function App() {
  const [phase, setPhase] = useState<Phase>(() => {
    const remembered = rememberedSession(window.localStorage);
    return remembered === null ? { kind: "checking" } : { kind: "book", handle: openBook(remembered) };
  });
  const current = useRef<BookHandle | null>(phase.kind === "book" ? phase.handle : null);

  const check = useCallback(async () => {
    const result = await fetchMe();
    const open = current.current;
    if (result.kind === "offline") {
      if (open === null) setPhase({ kind: "signed-out", notice: "Cannot reach the server. Check your connection." });
      return;
    }
    if (result.kind === "signed-out") {
      rememberSession(window.localStorage, null);
      if (open !== null) {
        current.current = null;
        await closeBook(open, false);
      }
      setPhase({ kind: "signed-out", notice: open === null ? null : "Your session ended. Sign in again." });
      return;
    }
    rememberSession(window.localStorage, result.me);
    void deleteOtherBooks(result.me.room);
    if (open !== null && open.me.room === result.me.room) {
      open.connection.reconnect();
      return;
    }
    // Another user signed in on this device: the previous user's book does not stay here.
    if (open !== null) await closeBook(open, true);
    const handle = openBook(result.me);
    current.current = handle;
    setPhase({ kind: "book", handle });
    handle.connection.reconnect();
  }, []);

  useEffect(() => {
    void check();
    const onOnline = () => {
      if (current.current === null) void check();
    };
    window.addEventListener("online", onOnline);
    return () => window.removeEventListener("online", onOnline);
  }, [check]);

  useEffect(() => {
    if (phase.kind !== "book") return;
    const connection = phase.handle.connection;
    return connection.subscribe(() => {
      if (connection.state.signedOut) void check();
    });
  }, [phase, check]);

  const onSignOut = useCallback(async () => {
    const open = current.current;
    await signOut();
    rememberSession(window.localStorage, null);
    current.current = null;
    if (open !== null) await closeBook(open, true);
    window.location.hash = "";
    setPhase({ kind: "signed-out", notice: "You are signed out. This device's copy of your book was deleted." });
  }, []);

  if (phase.kind === "checking") {
    return (
      <div className="splash" role="status">
        Loading…
      </div>
    );
  }
  if (phase.kind === "signed-out") return <SignIn notice={phase.notice} />;
  return (
    <BookContext.Provider value={phase.handle}>
      <BookScreen onSignOut={onSignOut} />
    </BookContext.Provider>
  );
}
