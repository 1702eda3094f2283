/**
 * The server's push state for the status bar (issue 23): `GET /api/status` once when the book
 * opens and then every 30 s, but only while the device is online, its connection to the
 * server is up and the tab is visible; a tab coming back into view asks at once.
 *
 * Invariants: no request while offline, hidden or after the session ended (a signed-out
 * answer stops the polling until the connection is back); an answer that arrives after the
 * component unmounted or the conditions changed is dropped. The last known state is kept
 * across a failed request, and reads as nothing (`undefined`) until the first answer.
 */
import { useEffect, useState, useSyncExternalStore } from "react";
import { fetchStatus, type PushState } from "../session/session-api.js";

/** How often the status bar asks for the push state (ms). */
export const PUSH_POLL_MS = 30_000;

function subscribeVisibility(listener: () => void): () => void {
  document.addEventListener("visibilitychange", listener);
  return () => document.removeEventListener("visibilitychange", listener);
}

/** True while the tab is visible, re-rendering on change. */
function useTabVisible(): boolean {
  return useSyncExternalStore(subscribeVisibility, () => document.visibilityState === "visible");
}

/**
 * The push state while `active` (online and connected): `null` when the server has no change
 * subscriber, `undefined` before its first answer.
 */
export function usePushStatus(active: boolean): PushState | null | undefined {
  const visible = useTabVisible();
  const [push, setPush] = useState<PushState | null | undefined>(undefined);
  const polling = active && visible;
  useEffect(() => {
    if (!polling) return;
    let live = true;
    let timer: ReturnType<typeof setInterval> | undefined;
    const ask = async () => {
      const result = await fetchStatus();
      if (!live) return;
      if (result.kind === "ok") setPush(result.push);
      // The session ended: the connection's own 4001 takes the user to sign-in; asking again
      // would only be refused.
      else if (result.kind === "signed-out") clearInterval(timer);
    };
    void ask();
    timer = setInterval(() => void ask(), PUSH_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [polling]);
  return push;
}
