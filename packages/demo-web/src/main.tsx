/**
 * The web client's entry point: mounts the app into `#root`.
 */
import { createRoot } from "react-dom/client";
import { App } from "./ui/app.js";
import "./styles.css";

performance.mark("tandem:script-start");
const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");
// No StrictMode: opening a book (IndexedDB, websocket) is a side effect that must run once.
createRoot(root).render(<App />);

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
