/**
 * Tandem's service worker: keeps the app shell (index.html and the hashed build assets) on the
 * device so the client starts with no network at all; the book itself lives in IndexedDB.
 *
 * Invariants: only same-origin GETs of the shell are answered from the cache; `/api`, `/auth`
 * and `/sync` always go to the network; navigations try the network first and fall back to
 * the cached `index.html`; a new build (new PRECACHE version) replaces the old cache.
 * The build (vite.config.ts) replaces the two placeholders below.
 */
const VERSION = "__TANDEM_VERSION__";
const PRECACHE = __TANDEM_PRECACHE__;
const CACHE = `tandem-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("tandem-shell-") && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (/^\/(api|auth|sync)(\/|$)/.test(url.pathname)) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && url.pathname === "/") {
            const copy = response.clone();
            void caches.open(CACHE).then((cache) => cache.put("/", copy));
          }
          return response;
        })
        .catch(() => caches.match("/").then((cached) => cached ?? Response.error())),
    );
    return;
  }
  event.respondWith(caches.match(request).then((cached) => cached ?? fetch(request)));
});
