/**
 * The first thing the entry chunk renders. With a session remembered on this device it reads
 * the book's view snapshot and paints the pipeline from it (the app bar, a "loading" status
 * line and `SnapshotPipeline`); then it loads the app chunk — the screens over the Y.Doc, Yjs,
 * y-indexeddb and the engine — opens the book with it, and hands over to the app once the
 * book has been read from IndexedDB, so the doc's view replaces the snapshot in one step (a
 * transition: React renders the app in slices, the snapshot on screen until it commits; the
 * app's pipeline gets the painted snapshot for its first frame's cards). Without a snapshot
 * to paint, the app is rendered as soon as its chunk has loaded.
 *
 * Invariants: this file and what it imports stay free of Yjs and the engine (the entry chunk's
 * budget, scripts/check-entry-size.mjs); the app is rendered only once the snapshot read has
 * settled, and — with a snapshot on screen — only once the book has been read, so the doc's
 * view replaces the snapshot in one step and never an empty pipeline. The app chunk's import
 * starts with the page (`main.tsx`; `index.html` preloads its bytes) so reading the book from
 * IndexedDB overlaps the snapshot paint.
 */
import { type ComponentType, startTransition, useEffect, useState } from "react";
import type { Me } from "../session/session-api.js";
import { SnapshotPipeline } from "../snapshot/snapshot-pipeline.js";
import type { ViewSnapshot } from "../snapshot/view-snapshot.js";
import { AppBarFrame } from "./app-bar-frame.js";
import type { BookHandle } from "./book-context.js";
import { useHashRoute } from "./use-hash-route.js";

/** Props the app chunk's root component takes. */
export interface AppProps {
  /** The remembered book, already opened (and read) by `Start`; `null` to open it itself. */
  readonly opened?: BookHandle | null | undefined;
  /** The view snapshot on screen while `opened` was read, `null` when none. */
  readonly painted?: ViewSnapshot | null | undefined;
}

/** What the app chunk exports (`ui/app.tsx`). */
export interface AppModule {
  readonly App: ComponentType<AppProps>;
  /** Opens a book and resolves once it has been read from IndexedDB (its view made then). */
  readonly openLoadedBook: (me: Me) => Promise<BookHandle>;
}

/** Props of {@link Start}. */
export interface StartProps {
  /** The session remembered on this device, `null` when none. */
  readonly remembered: Me | null;
  /** The snapshot read (started before the first render). */
  readonly snapshot: Promise<ViewSnapshot | null>;
  /** The app chunk's import (started before the first render). */
  readonly app: Promise<AppModule>;
}

/** A screen that needs the book, shown until the book has been read from this device. */
export function BookLoading({ route }: { route: string }) {
  return (
    <main className="page" aria-busy="true" data-route={route} data-testid="book-loading">
      <h1 tabIndex={-1} className="visually-hidden">
        Loading
      </h1>
      <p className="muted" role="status">
        Opening your book on this device…
      </p>
    </main>
  );
}

/** The frame painted from a snapshot before the app chunk has loaded. */
function SnapshotFrame({ me, snapshot }: { me: Me; snapshot: ViewSnapshot }) {
  const route = useHashRoute();
  return (
    <div className="app" data-from-snapshot="true">
      <AppBarFrame userName={me.name} />
      <section className="status-bar tone-busy" aria-label="Sync status" data-testid="sync-status" data-tone="busy">
        <span className="status-dot" aria-hidden="true" />
        <span role="status" className="status-headline" data-testid="sync-headline">
          Opening your book…
        </span>
      </section>
      {route.screen === "pipeline" ? (
        <SnapshotPipeline snapshot={snapshot} />
      ) : (
        <BookLoading route={`#/opportunity/${route.id}`} />
      )}
    </div>
  );
}

/** The root of the entry chunk (see the file header). */
export function Start({ remembered, snapshot, app: appModule }: StartProps) {
  const [snap, setSnap] = useState<ViewSnapshot | null | undefined>(undefined);
  const [app, setApp] = useState<{ App: ComponentType<AppProps>; opened: BookHandle | null } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const paints = remembered !== null && snap !== undefined && snap !== null;
  useEffect(() => {
    let live = true;
    void snapshot.then((s) => {
      if (live) setSnap(s);
    });
    return () => {
      live = false;
    };
  }, [snapshot]);
  useEffect(() => {
    if (snap === undefined) return;
    let live = true;
    const load = async () => {
      try {
        const m = await appModule;
        if (!live) return;
        if (!paints || remembered === null) {
          setApp({ App: m.App, opened: null });
          return;
        }
        // The snapshot stays on screen while the book is read; the app then starts on it. Its
        // first render (the pipeline's rows) is a transition: React renders it in slices, the
        // snapshot staying on screen and the page answering input until it is committed.
        const opened = await m.openLoadedBook(remembered);
        if (live) startTransition(() => setApp({ App: m.App, opened }));
      } catch (error) {
        if (live) setFailed(error instanceof Error ? error.message : String(error));
      }
    };
    void load();
    return () => {
      live = false;
    };
  }, [snap, paints, appModule, remembered]);

  if (failed !== null) {
    return (
      <div className="splash" role="alert">
        Tandem could not start: {failed}. Reload the page to try again.
      </div>
    );
  }
  if (app !== null && snap !== undefined)
    return <app.App opened={app.opened} painted={app.opened === null ? null : snap} />;
  if (remembered !== null && snap !== undefined && snap !== null)
    return <SnapshotFrame me={remembered} snapshot={snap} />;
  // `data-snapshot` says whether the snapshot read is still under way or found none to trust.
  return (
    <div
      className="splash"
      role="status"
      data-testid="start-splash"
      data-snapshot={snap === undefined ? "reading" : "none"}
    >
      Loading…
    </div>
  );
}
