// The debugger's service worker: it keeps the page's own files so that the
// page works offline once loaded. It answers only GET requests for the
// debugger's files (stale-while-revalidate); every other request, such as
// a JWK Set URL the user typed, goes to the network untouched.
"use strict";

const CACHE = "ward-debugger-v1";
const FILES = ["./", "index.html", "app.js", "style.css", "wasm_exec.js", "ward.wasm"];

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (ev) => {
  const req = ev.request;
  const scope = self.registration.scope;
  if (req.method !== "GET" || !req.url.startsWith(scope)) return;
  const url = new URL(req.url);
  url.hash = "";
  ev.respondWith(caches.open(CACHE).then(async (cache) => {
    const cached = await cache.match(url.href);
    const fresh = fetch(req).then((resp) => {
      if (resp.ok) cache.put(url.href, resp.clone());
      return resp;
    });
    if (cached) {
      ev.waitUntil(fresh.catch(() => {}));
      return cached;
    }
    return fresh;
  }));
});
