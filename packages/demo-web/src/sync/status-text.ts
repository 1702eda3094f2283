/**
 * The words of the always-visible sync status bar, from the connection state and `meta.sync`.
 *
 * Invariant: pure; the same inputs always give the same sentence; time is a parameter.
 */

/** What the status bar knows. */
export interface SyncStatusInput {
  /** The browser's network state. */
  readonly online: boolean;
  /** The websocket's state. */
  readonly connection: "connecting" | "connected" | "disconnected";
  /** True once the relay answered this connection's first sync step. */
  readonly synced: boolean;
  /** True once the local database has been read. */
  readonly localLoaded: boolean;
  /** True when the book shows no opportunity yet. */
  readonly empty: boolean;
  /** `meta.sync.state` written by the worker, if any. */
  readonly workerState: "idle" | "syncing" | "error" | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly pending: number;
  readonly problems: number;
  /** A reason the connection was refused (e.g. the session ended). */
  readonly connectionError: string | null;
}

/** The status bar's main state, used for its colour and icon. */
export type SyncTone = "ok" | "busy" | "offline" | "error";

/** What the status bar shows. */
export interface SyncStatusText {
  readonly tone: SyncTone;
  readonly headline: string;
  readonly lastSynced: string;
  readonly pending: string;
  readonly problems: string | null;
  /** True while a first sync is loading the book (show a progress indicator). */
  readonly loading: boolean;
}

/** "just now", "5 min ago", "3 h ago", or a date. */
export function relativeTime(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  if (ms < 45_000) return "just now";
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} h ago`;
  return iso.slice(0, 10);
}

/** Computes the status bar's text. */
export function syncStatusText(input: SyncStatusInput, now: Date): SyncStatusText {
  // A first sync: nothing local yet, and the relay or the worker has not finished delivering.
  const loading =
    input.empty &&
    input.online &&
    input.connectionError === null &&
    (!input.synced || input.workerState === null || input.workerState === "syncing");
  let tone: SyncTone;
  let headline: string;
  if (!input.online) {
    tone = "offline";
    headline = "Offline — changes are saved on this device";
  } else if (input.connectionError !== null) {
    tone = "error";
    headline = input.connectionError;
  } else if (input.connection !== "connected") {
    tone = "offline";
    headline = input.connection === "connecting" ? "Connecting…" : "Not connected — retrying";
  } else if (!input.synced || loading) {
    tone = "busy";
    headline = input.empty ? "Loading your book…" : "Syncing…";
  } else if (input.workerState === "error") {
    tone = "error";
    headline = `Salesforce sync error${input.lastError === null ? "" : `: ${input.lastError}`}`;
  } else if (input.workerState === "syncing") {
    tone = "busy";
    headline = "Syncing with Salesforce…";
  } else {
    tone = "ok";
    headline = "Online";
  }
  return {
    tone,
    headline,
    lastSynced: input.lastSuccessAt === null ? "Never synced" : `Last synced ${relativeTime(input.lastSuccessAt, now)}`,
    pending: input.pending === 0 ? "Nothing pending" : `${input.pending} pending`,
    problems: input.problems === 0 ? null : `${input.problems} need${input.problems === 1 ? "s" : ""} attention`,
    loading,
  };
}
