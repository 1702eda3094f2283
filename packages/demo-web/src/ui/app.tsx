/**
 * The session gate. On start it opens the book remembered on this device straight from
 * IndexedDB (so the pipeline shows before the network answers), then asks the server who is
 * signed in: a different book replaces it, a 401 shows the sign-in screen, no network keeps the
 * local book. A session ended elsewhere (4001: signed out everywhere, grant revoked) shows the
 * sign-in screen at once and keeps the local book, unsent changes included. Sign out (asked for
 * by the book screen, which first warns about unsent changes) ends the server session and
 * deletes this book's local database; made offline, the request is kept and sent before
 * anything else once the server can be reached, so the session never silently comes back. A
 * sign-in deletes any other user's book left on this device. Each book's view snapshot
 * (`snapshot/`) goes with it: deleted with the book, after its writer has stopped.
 *
 * This is the app chunk's root, loaded by `ui/start.tsx` (it brings Yjs and the engine),
 * which may have opened and read the remembered book already while it showed the snapshot.
 */
import { createBookViewInSteps } from "@tandem/engine";
import { useCallback, useEffect, useRef, useState } from "react";
import {
  deviceId,
  fetchMe,
  fetchSyncTicket,
  type Me,
  rememberedSession,
  rememberSession,
  rememberSignOutRequest,
  type SignOutScope,
  sendPendingSignOut,
} from "../session/session-api.js";
import { deleteViewSnapshots } from "../snapshot/snapshot-store.js";
import { BookConnection, deleteDatabase, yieldToBrowser } from "../sync/book-connection.js";
import { BookContext, type BookHandle, createBookHandle, disposeBookHandle } from "./book-context.js";
import { BookScreen } from "./book-screen.js";
import { SignIn } from "./sign-in.js";
import type { AppProps } from "./start.js";

type Phase =
  | { readonly kind: "checking" }
  | { readonly kind: "signed-out"; readonly notice: string | null }
  | { readonly kind: "book"; readonly handle: BookHandle };

/**
 * Opens a book on this device: its connection (reading IndexedDB at once) and the engine's
 * view over it, which follows the book as it is read and synced.
 */
export function openBook(me: Me): BookHandle {
  return createBookHandle(me, connect(me), deviceId(window.localStorage));
}

/** Opportunities the engine derives per task while it builds the view of a loaded book. */
const VIEW_STEP_OPPORTUNITIES = 250;

/**
 * Opens a book on this device and resolves once it has been read from IndexedDB, with the
 * engine's view made only then (`ui/start.tsx`, with a snapshot on screen): a view made
 * before would follow the whole book arriving change by change, which costs more than
 * building it once from the loaded doc. The view is built in steps (`createBookViewInSteps`),
 * one task each, so the browser handles input while a large book's view is derived; a change
 * arriving meanwhile is in the view it resolves with.
 */
export async function openLoadedBook(me: Me): Promise<BookHandle> {
  const connection = connect(me);
  await connection.whenLocalLoaded();
  const steps = createBookViewInSteps(connection.doc, {}, VIEW_STEP_OPPORTUNITIES);
  for (;;) {
    await yieldToBrowser();
    const step = steps.next();
    if (step.done) return createBookHandle(me, connection, deviceId(window.localStorage), step.value);
  }
}

function connect(me: Me): BookConnection {
  return new BookConnection({
    room: me.room,
    syncUrl: `${window.location.origin.replace(/^http/, "ws")}/sync`,
    fetchTicket: () => fetchSyncTicket(),
  });
}

/** This device keeps only the signed-in user's book: other books' databases are deleted. */
async function deleteOtherBooks(room: string): Promise<void> {
  await deleteViewSnapshots({ except: room });
  if (typeof indexedDB.databases !== "function") return;
  const databases = await indexedDB.databases();
  for (const { name } of databases) {
    if (name?.startsWith("book:") && name !== room) await deleteDatabase(name);
  }
}

const OFFLINE_SIGN_OUT_NOTICE =
  "You are signed out on this device, and its copy of your book was deleted. Tandem tells the server as soon as you are back online.";

const SESSION_ENDED_NOTICE =
  "You were signed out of Tandem on this device, from another device or by Salesforce. Sign in again to continue; changes not sent yet stay on this device.";

async function closeBook(handle: BookHandle, wipe: boolean): Promise<void> {
  await disposeBookHandle(handle);
  if (wipe) {
    await handle.connection.wipe();
    await deleteViewSnapshots({ room: handle.me.room });
  } else await handle.connection.close();
}

/** The root component of the app chunk. */
export function App({ opened = null, painted = null }: AppProps) {
  const [phase, setPhase] = useState<Phase>(() => {
    if (opened !== null) return { kind: "book", handle: opened };
    const remembered = rememberedSession(window.localStorage);
    return remembered === null ? { kind: "checking" } : { kind: "book", handle: openBook(remembered) };
  });
  const current = useRef<BookHandle | null>(phase.kind === "book" ? phase.handle : null);

  const check = useCallback(async () => {
    // A sign-out made offline goes first: until the server has it, this device stays signed out.
    if (!(await sendPendingSignOut(window.localStorage))) {
      setPhase({ kind: "signed-out", notice: OFFLINE_SIGN_OUT_NOTICE });
      return;
    }
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
      // A check already under way may have closed the book: keep the notice it showed.
      setPhase((p) =>
        open !== null
          ? { kind: "signed-out", notice: SESSION_ENDED_NOTICE }
          : p.kind === "signed-out"
            ? p
            : { kind: "signed-out", notice: null },
      );
      return;
    }
    rememberSession(window.localStorage, result.me);
    void deleteOtherBooks(result.me.room);
    if (open !== null && open.me.room === result.me.room) {
      // Still signed in: a refusal that looked like a session end was not one.
      open.connection.resume();
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
    let asked = false;
    return connection.subscribe(() => {
      // Once per session end: later state changes of the same closing socket ask nothing new.
      if (!connection.state.signedOut) asked = false;
      else if (!asked) {
        asked = true;
        void check();
      }
    });
  }, [phase, check]);

  const onSignOut = useCallback(async (scope: SignOutScope) => {
    const open = current.current;
    // The book goes first: its socket, closed by the server once the session ends (4001),
    // must not start a check of its own while this sign-out is under way.
    current.current = null;
    rememberSession(window.localStorage, null);
    // Kept until the server confirms, even if the page closes before it answers.
    rememberSignOutRequest(window.localStorage, scope);
    if (open !== null) await closeBook(open, true);
    const answered = await sendPendingSignOut(window.localStorage);
    window.location.hash = "";
    setPhase({
      kind: "signed-out",
      notice: !answered
        ? OFFLINE_SIGN_OUT_NOTICE
        : scope === "everywhere"
          ? "You are signed out on all your devices. This device's copy of your book was deleted."
          : "You are signed out. This device's copy of your book was deleted.",
    });
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
      <BookScreen onSignOut={onSignOut} painted={phase.handle === opened ? painted : null} />
    </BookContext.Provider>
  );
}
