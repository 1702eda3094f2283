/**
 * The signed-in frame: the app bar (user, calendar import, sign out, sign out everywhere), the
 * always-visible sync status bar, and the current screen (pipeline, opportunity, or the list of
 * changes that need attention). Signing out warns first while changes are not sent yet
 * (`sign-out.tsx`).
 *
 * With a view snapshot, the app is rendered only once the book has been read (`ui/start.tsx`); without
 * one, until the book has been read everything that needs the doc waits: the opportunity and
 * attention screens show "Opening your book…", the calendar import and sign-out buttons are
 * disabled. The opportunity screen and the calendar import are chunks of their own, loaded
 * once the book has loaded — the opportunity screen's at once, the calendar import's when the
 * app is idle — or when first needed.
 */
import { type ReactNode, Suspense, useEffect, useState, useSyncExternalStore } from "react";
import type { SignOutScope } from "../session/session-api.js";
import type { ViewSnapshot } from "../snapshot/view-snapshot.js";
import { AppBarFrame } from "./app-bar-frame.js";
import { ATTENTION_HASH, AttentionList } from "./attention-list.js";
import { useBook, useLocalLoaded } from "./book-context.js";
import { PipelineView } from "./pipeline-view.js";
import { preloadable } from "./preloadable.js";
import { SignOutDialog, SignOutWaiting, useSignOut } from "./sign-out.js";
import { BookLoading } from "./start.js";
import { StatusBar } from "./status-bar.js";
import { routeHref, useHashRoute } from "./use-hash-route.js";

/** The User Timing mark of the first frame of the pipeline painted from the doc's view. */
export const DOC_VIEW_PAINT_MARK = "tandem:doc-view-paint";

const Opportunity = preloadable(() => import("./opportunity/opportunity-view.js").then((m) => m.OpportunityView));
const CalendarImport = preloadable(() => import("./calendar-import-dialog.js").then((m) => m.CalendarImportDialog));

function whenIdle(fn: () => void): () => void {
  if (typeof requestIdleCallback === "function") {
    const id = requestIdleCallback(fn, { timeout: 2_000 });
    return () => cancelIdleCallback(id);
  }
  const id = setTimeout(fn, 200);
  return () => clearTimeout(id);
}

function subscribeHash(listener: () => void): () => void {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
}

/** True on the attention screen, a route the pipeline/opportunity router does not know. */
function useAttentionRoute(): boolean {
  return useSyncExternalStore(subscribeHash, () => window.location.hash === ATTENTION_HASH);
}

/**
 * Moves focus to the screen's heading when it mounts, so keyboard and screen-reader users
 * follow navigation. Inside the screen's Suspense boundary (keyed by route), it mounts with
 * the screen itself, also when that screen's chunk had to load first.
 */
function FocusHeading({ routeKey }: { routeKey: string }) {
  useEffect(() => {
    document.querySelector<HTMLElement>(`main[data-route="${routeKey}"] h1`)?.focus();
  }, [routeKey]);
  return null;
}

/** Props of {@link BookScreen}. */
export interface BookScreenProps {
  readonly onSignOut: (scope: SignOutScope) => Promise<void>;
  /** The view snapshot the start painted, for the pipeline's first frame (`null` when none). */
  readonly painted?: ViewSnapshot | null | undefined;
}

/** The signed-in app. */
export function BookScreen({ onSignOut, painted = null }: BookScreenProps) {
  const { me } = useBook();
  const loaded = useLocalLoaded();
  const route = useHashRoute();
  const attention = useAttentionRoute();
  const [importing, setImporting] = useState(false);
  const signOut = useSignOut(onSignOut);
  // Only the pipeline's first mount starts from the painted snapshot: once the doc's view is
  // on screen, a pipeline opened again computes its cards at once.
  const [firstPainted, setFirstPainted] = useState(painted);

  const routeKey = attention ? ATTENTION_HASH : routeHref(route);
  useEffect(() => {
    if (!loaded) return;
    // The doc's view has replaced the snapshot: mark it, then load the other screens' chunks.
    requestAnimationFrame(() => {
      if (performance.getEntriesByName(DOC_VIEW_PAINT_MARK).length === 0) performance.mark(DOC_VIEW_PAINT_MARK);
      setFirstPainted(null);
    });
    // The opportunity screen's chunk is small and the first click goes there: fetch it now
    // (a click before it has loaded waits for it, and React holds a Suspense fallback on
    // screen for at least 300 ms). The calendar import, with ical.js, waits for idle.
    void Opportunity.preload();
    return whenIdle(() => {
      void CalendarImport.preload();
    });
  }, [loaded]);

  let screen: ReactNode;
  if (attention) screen = loaded ? <AttentionList /> : <BookLoading route={ATTENTION_HASH} />;
  else if (route.screen === "pipeline") screen = <PipelineView painted={firstPainted} />;
  else if (!loaded) screen = <BookLoading route={routeKey} />;
  else screen = <Opportunity.Component id={route.id} />;

  return (
    <div className="app">
      <AppBarFrame
        userName={me.name}
        onImport={loaded ? () => setImporting(true) : undefined}
        busy={signOut.busy}
        onSignOut={loaded ? signOut.ask : undefined}
      />
      <StatusBar />
      {signOut.request?.waiting === true && <SignOutWaiting flow={signOut} />}
      <Suspense fallback={<BookLoading route={routeKey} />}>
        {screen}
        <FocusHeading key={`${routeKey}:${loaded}`} routeKey={routeKey} />
      </Suspense>
      {importing && (
        <Suspense fallback={null}>
          <CalendarImport.Component onClose={() => setImporting(false)} />
        </Suspense>
      )}
      {signOut.request !== null && !signOut.request.waiting && <SignOutDialog flow={signOut} />}
    </div>
  );
}
