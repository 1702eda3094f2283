/**
 * The signed-in frame: the app bar (user, calendar import, sign out), the always-visible sync
 * status bar, and the current screen (pipeline or opportunity).
 */
import { useEffect, useState } from "react";
import { useBook } from "./book-context.js";
import { CalendarImportDialog } from "./calendar-import-dialog.js";
import { OpportunityView } from "./opportunity/opportunity-view.js";
import { PipelineView } from "./pipeline-view.js";
import { StatusBar } from "./status-bar.js";
import { routeHref, useHashRoute } from "./use-hash-route.js";

/** The signed-in app. */
export function BookScreen({ onSignOut }: { onSignOut: () => Promise<void> }) {
  const { me } = useBook();
  const route = useHashRoute();
  const [importing, setImporting] = useState(false);
  const [signingOut, setSigningOut] = useState(false);

  const routeKey = routeHref(route);
  useEffect(() => {
    // Move focus to the new screen's heading so keyboard and screen-reader users follow navigation.
    document.querySelector<HTMLElement>(`main[data-route="${routeKey}"] h1`)?.focus();
  }, [routeKey]);

  return (
    <div className="app">
      <header className="app-bar">
        <a className="brand" href={routeHref({ screen: "pipeline" })}>
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          Tandem
        </a>
        <nav className="app-actions" aria-label="Account">
          <button type="button" onClick={() => setImporting(true)} data-testid="open-ics">
            Import calendar
          </button>
          <span className="user" data-testid="user-name">
            <span className="avatar" aria-hidden="true">
              {me.name.slice(0, 1)}
            </span>
            <span className="user-label">{me.name}</span>
          </span>
          <button
            type="button"
            disabled={signingOut}
            onClick={() => {
              setSigningOut(true);
              void onSignOut();
            }}
            data-testid="sign-out"
          >
            Sign out
          </button>
        </nav>
      </header>
      <StatusBar />
      {route.screen === "pipeline" ? <PipelineView /> : <OpportunityView id={route.id} />}
      {importing && <CalendarImportDialog onClose={() => setImporting(false)} />}
    </div>
  );
}
