import { describe, expect, it } from "vitest";
import type { PushState } from "../session/session-api.js";
import { pushStatusText, relativeTime, type SyncStatusInput, syncStatusText } from "./status-text.js";

const now = new Date("2026-11-27T12:00:00Z");
const base: SyncStatusInput = {
  online: true,
  connection: "connected",
  synced: true,
  localLoaded: true,
  empty: false,
  workerState: "idle",
  lastSuccessAt: "2026-11-27T11:55:00Z",
  lastError: null,
  pending: 0,
  problems: 0,
  connectionError: null,
};

describe("sync status text", () => {
  it("says online with the last sync time and nothing pending", () => {
    const text = syncStatusText(base, now);
    expect(text).toMatchObject({ tone: "ok", headline: "Online", lastSynced: "Last synced 5 min ago" });
    expect(text.pending).toBe("Nothing pending");
    expect(text.problems).toBeNull();
    expect(text.loading).toBe(false);
  });

  it("says offline and counts what is pending", () => {
    const text = syncStatusText({ ...base, online: false, connection: "disconnected", pending: 2 }, now);
    expect(text.tone).toBe("offline");
    expect(text.headline).toMatch(/^Offline/);
    expect(text.pending).toBe("2 pending");
  });

  it("shows progress while the first sync of an empty book loads", () => {
    const text = syncStatusText({ ...base, synced: false, empty: true, lastSuccessAt: null }, now);
    expect(text).toMatchObject({
      tone: "busy",
      headline: "Loading your book…",
      loading: true,
      lastSynced: "Never synced",
    });
  });

  it("keeps the progress indicator while the worker's first sync fills an empty book", () => {
    const first = syncStatusText({ ...base, empty: true, workerState: "syncing", lastSuccessAt: null }, now);
    expect(first).toMatchObject({ loading: true, tone: "busy" });
    const none = syncStatusText({ ...base, empty: true, workerState: "idle" }, now);
    expect(none.loading).toBe(false);
  });

  it("reports worker errors and intents needing attention", () => {
    const text = syncStatusText({ ...base, workerState: "error", lastError: "INVALID_SESSION_ID", problems: 1 }, now);
    expect(text.tone).toBe("error");
    expect(text.headline).toContain("INVALID_SESSION_ID");
    expect(text.problems).toBe("1 needs attention");
  });

  it("formats relative times", () => {
    expect(relativeTime("2026-11-27T11:59:50Z", now)).toBe("just now");
    expect(relativeTime("2026-11-27T09:00:00Z", now)).toBe("3 h ago");
    expect(relativeTime("2026-11-20T09:00:00Z", now)).toBe("2026-11-20");
  });
});

describe("push indicator text", () => {
  const live: PushState = {
    live: true,
    eventsHandled: 4,
    lastCommitAt: 1_700_000_000_000,
    lagMs: 800,
    lastError: null,
  };

  it("says live updates, without a lag while it is 5 s or less", () => {
    expect(pushStatusText(live, true)).toEqual({ tone: "live", text: "Live updates" });
    expect(pushStatusText({ ...live, lagMs: 5_000 }, true)?.text).toBe("Live updates");
    expect(pushStatusText({ ...live, lagMs: null, eventsHandled: 0, lastCommitAt: null }, true)?.text).toBe(
      "Live updates",
    );
  });

  it("says how far behind live updates are once the lag passes 5 s", () => {
    expect(pushStatusText({ ...live, lagMs: 5_001 }, true)?.text).toBe("Live updates · 5 s behind");
    expect(pushStatusText({ ...live, lagMs: 12_400 }, true)?.text).toBe("Live updates · 12 s behind");
    expect(pushStatusText({ ...live, lagMs: 185_000 }, true)?.text).toBe("Live updates · 3 min behind");
    expect(pushStatusText({ ...live, lagMs: 3 * 3_600_000 }, true)?.text).toBe("Live updates · 3 h behind");
  });

  it("says push is paused, and the 5-minute pull checks instead, while the subscriber is down", () => {
    expect(pushStatusText({ ...live, live: false, lastError: "handshake failed" }, true)).toEqual({
      tone: "paused",
      text: "Live updates paused — checking every 5 min",
    });
    // A lag left over from before the outage is not "behind": nothing is live to be behind.
    expect(pushStatusText({ ...live, live: false, lagMs: 60_000 }, true)?.text).not.toMatch(/behind/);
  });

  it("shows nothing without a change subscriber, before the server answered, or offline", () => {
    expect(pushStatusText(null, true)).toBeNull();
    expect(pushStatusText(undefined, true)).toBeNull();
    expect(pushStatusText(live, false)).toBeNull();
    expect(pushStatusText({ ...live, live: false }, false)).toBeNull();
  });
});
