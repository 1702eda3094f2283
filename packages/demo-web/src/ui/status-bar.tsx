/**
 * The always-visible sync status bar: online/offline, last synced, pending count, errors (its
 * "N need attention" links to the list of them), a progress indicator while a first sync
 * loads the book, and whether Salesforce changes arrive live (push, issue 23) or by the
 * 5-minute pull. On a phone it stays on screen while the page scrolls (`styles.css`).
 */
import { useEffect, useMemo, useState } from "react";
import { pushStatusText, syncStatusText } from "../sync/status-text.js";
import { pendingCount, problemCount } from "../view-model/view-model.js";
import { ATTENTION_HASH } from "./attention-list.js";
import { useConnectionState, useSnapshot } from "./book-context.js";
import { usePushStatus } from "./use-push-status.js";

function useNow(intervalMs: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function errorText(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  if (typeof error === "string") return error;
  if (typeof error === "object" && "message" in error) return String((error as { message: unknown }).message);
  return String(error);
}

/** The sync status bar. */
export function StatusBar() {
  const snapshot = useSnapshot();
  const state = useConnectionState();
  const now = useNow(15_000);
  const pending = useMemo(() => pendingCount(snapshot), [snapshot]);
  const problems = useMemo(() => problemCount(snapshot), [snapshot]);
  // Push is only worth mentioning while this device can hear from the server at all.
  const reachable = state.online && state.connection === "connected" && !state.signedOut;
  const push = usePushStatus(reachable);
  const pushText = pushStatusText(push, reachable);
  const text = syncStatusText(
    {
      online: state.online,
      connection: state.connection,
      synced: state.synced,
      localLoaded: state.localLoaded,
      empty: snapshot.opportunities.length === 0,
      workerState: snapshot.sync.state === "unknown" ? null : snapshot.sync.state,
      lastSuccessAt: snapshot.sync.lastSuccessAt,
      lastError: errorText(snapshot.sync.lastError),
      pending,
      problems,
      connectionError: state.connectionError,
    },
    now,
  );
  return (
    <section
      className={`status-bar tone-${text.tone}`}
      aria-label="Sync status"
      data-testid="sync-status"
      data-tone={text.tone}
    >
      <span className="status-dot" aria-hidden="true" />
      <span role="status" className="status-headline" data-testid="sync-headline">
        {text.headline}
      </span>
      <span className="status-item" data-testid="sync-last">
        {text.lastSynced}
      </span>
      <span className="status-item" data-testid="sync-pending">
        {text.pending}
      </span>
      {pushText !== null && (
        <span className={`status-item status-push push-${pushText.tone}`} data-testid="sync-push">
          {pushText.text}
        </span>
      )}
      {text.problems !== null && (
        <a className="status-item status-problem" href={ATTENTION_HASH} data-testid="sync-problems">
          {text.problems}
        </a>
      )}
      {text.loading && <progress className="status-progress" aria-label="Loading your book" />}
    </section>
  );
}
