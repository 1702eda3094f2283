/**
 * The signed-in frame: the app bar (user, calendar import, sign out, sign out everywhere), the
 * always-visible sync status bar, and the current screen (pipeline, opportunity, or the list of
 * changes that need attention). Signing out warns first while changes are not sent yet
 * (`sign-out.tsx`).
 */
import { useEffect, useState, useSyncExternalStore } from "react";
import type { SignOutScope } from "../session/session-api.js";
import { ATTENTION_HASH, AttentionList } from "./attention-list.js";
import { useBook } from "./book-context.js";
import { CalendarImportDialog } from "./calendar-import-dialog.js";
import { OpportunityView } from "./opportunity/opportunity-view.js";
import { PipelineView } from "./pipeline-view.js";
import { SignOutDialog, SignOutWaiting, useSignOut } from "./sign-out.js";
import { StatusBar } from "./status-bar.js";
import { routeHref, useHashRoute } from "./use-hash-route.js";

function subscribeHash(listener: () => void): () => void {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
}

/** True on the attention screen, a route the pipeline/opportunity router does not know. */
function useAttentionRoute(): boolean {
  return useSyncExternalStore(subscribeHash, () => window.location.hash === ATTENTION_HASH);
}

/** The signed-in app. */
export function BookScreen({ onSignOut }: { onSignOut: (scope: SignOutScope) => Promise<void> }) {
  const route = useHashRoute();
  const attention = useAttentionRoute();
  const [importing, setImporting] = useState(false);
  const signOut = useSignOut(onSignOut);

  const routeKey = attention ? ATTENTION_HASH : routeHref(route);
  useEffect(() => {
    // Move focus to the new screen's heading so keyboard and screen-reader users follow navigation.
    document.querySelector<HTMLElement>(`main[data-route="${routeKey}"] h1`)?.focus();
  }, [routeKey]);

  return (
    <div className="app">
      <AppBar onImport={() => setImporting(true)} busy={signOut.busy} onSignOut={signOut.ask} />
      <StatusBar />
      {signOut.request?.waiting === true && <SignOutWaiting flow={signOut} />}
      {attention ? (
        <AttentionList />
      ) : route.screen === "pipeline" ? (
        <PipelineView />
      ) : (
        <OpportunityView id={route.id} />
      )}
      {importing && <CalendarImportDialog onClose={() => setImporting(false)} />}
      {signOut.request !== null && !signOut.request.waiting && <SignOutDialog flow={signOut} />}
    </div>
  );
}

function AppBar(props: { onImport: () => void; busy: boolean; onSignOut: (scope: SignOutScope) => void }) {
  const { me } = useBook();
  return (
    <header className="app-bar">
      <a className="brand" href={routeHref({ screen: "pipeline" })}>
        <span className="brand-mark" aria-hidden="true">
          T
        </span>
        Tandem
      </a>
      <nav className="app-actions" aria-label="Account">
        <button type="button" onClick={props.onImport} data-testid="open-ics">
          Import calendar
        </button>
        <span className="user" data-testid="user-name">
          <span className="avatar" aria-hidden="true">
            {me.name.slice(0, 1)}
          </span>
          <span className="user-label">{me.name}</span>
        </span>
        <button type="button" disabled={props.busy} onClick={() => props.onSignOut("device")} data-testid="sign-out">
          Sign out
        </button>
        <button
          type="button"
          className="sign-out-everywhere"
          disabled={props.busy}
          onClick={() => props.onSignOut("everywhere")}
          title="Sign out on all your devices and end Tandem's access to Salesforce"
          data-testid="sign-out-everywhere"
        >
          Sign out everywhere
        </button>
      </nav>
    </header>
  );
}
