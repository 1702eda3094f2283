/**
 * The words of the always-visible sync status bar, from the connection state and `meta.sync`,
 * and of its push indicator, from the server's `GET /api/status` `push` field (issue 23).
 *
 * Invariant: pure; the same inputs always give the same sentence; time is a parameter.
 */
import type { PushState } from "../session/session-api.js";

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

/** Lag above this (ms) is worth saying ("12 s behind"); below it, push is as good as instant. */
export const PUSH_LAG_SHOWN_MS = 5_000;

/** The push indicator's words and tone. */
export interface PushStatusText {
  readonly tone: "live" | "paused";
  readonly text: string;
}

/** "12 s" up to two minutes, then "3 min", then "2 h". */
function lagText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.round(min / 60)} h`;
}

/**
 * The status bar's push indicator: "Live updates" (with "· N s behind" once the last event
 * arrived more than {@link PUSH_LAG_SHOWN_MS} after its commit), "Live updates paused —
 * checking every 5 min" while the subscriber is down, or `null` (show nothing) when the server
 * has no change subscriber (`push: null`), has not answered yet (`undefined`), or the device
 * cannot reach it (`reachable` false: offline, or its connection to the server is down, when
 * the last answer may no longer hold).
 *
 * @remarks Pure. The 5 minutes are the worker's incremental pull, which takes over whenever
 * push is not live.
 * @example
 * pushStatusText({ live: true, eventsHandled: 3, lastCommitAt: 0, lagMs: 12_000, lastError: null }, true)
 * // → { tone: "live", text: "Live updates · 12 s behind" }
 */
export function pushStatusText(push: PushState | null | undefined, reachable: boolean): PushStatusText | null {
  if (!reachable || push === null || push === undefined) return null;
  // `null`: this server instance stands by for push, which runs on another one; it cannot say.
  if (push.live === null) return null;
  if (!push.live) return { tone: "paused", text: "Live updates paused — checking every 5 min" };
  const behind = push.lagMs !== null && push.lagMs > PUSH_LAG_SHOWN_MS ? ` · ${lagText(push.lagMs)} behind` : "";
  return { tone: "live", text: `Live updates${behind}` };
}
