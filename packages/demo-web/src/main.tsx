/**
 * The web client's entry point. It starts reading the remembered book's view snapshot from
 * IndexedDB and importing the app chunk (the screens over the Y.Doc, with Yjs and the engine;
 * `index.html` preloads its bytes), and renders `Start`, which paints the snapshot as soon as
 * it is read and hands over to the app once the book itself has been read.
 *
 * Invariant: this entry chunk imports no Yjs and no engine (`pnpm build` checks its size
 * against the budget of scripts/check-entry-size.mjs); everything else is a dynamic import.
 */
import { createRoot } from "react-dom/client";
import { rememberedSession } from "./session/session-api.js";
import { loadViewSnapshot } from "./snapshot/snapshot-store.js";
import { type AppModule, Start } from "./ui/start.js";
import "./styles.css";

performance.mark("tandem:script-start");
const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");
const remembered = rememberedSession(window.localStorage);
const snapshot =
  remembered === null
    ? Promise.resolve(null)
    : loadViewSnapshot({ room: remembered.room, userId: remembered.userId }).then((s) => {
        // A User Timing mark the cold-start benchmark reads: the snapshot read has settled.
        performance.mark("tandem:snapshot-read");
        return s;
      });
const app: Promise<AppModule> = import("./ui/app.js");
// Start shows a failed import once the snapshot read has settled; until then it is not unhandled.
app.catch(() => undefined);
// No StrictMode: opening a book (IndexedDB, websocket) is a side effect that must run once.
createRoot(root).render(<Start remembered={remembered} snapshot={snapshot} app={app} />);

// The service worker keeps the app shell on the device so the client starts offline.
if ("serviceWorker" in navigator && import.meta.env.PROD) {
  const register = () => {
    navigator.serviceWorker.register("/sw.js").catch((error: unknown) => {
      console.warn("Tandem: offline start unavailable, service worker not registered:", error);
    });
  };
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
