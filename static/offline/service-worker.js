/* Health Passport's service worker: the young person's passport readable with no signal.

   It is registered only on a phone where the young person chose "Keep a copy on this phone"
   (static/offline/offline.js), so a phone that did not choose it keeps nothing: every page stays
   no-store, as before. Here it keeps one page, the passport summary (/my-passport/offline-copy/saved,
   which the server gives only to the phone whose copy it is), and the static files that page uses.

   - A page opened with no network shows the saved copy, marked so its "You are offline" banner shows.
   - Online, the copy is refreshed in the background (at most every 10 minutes) while the young person
     uses their passport, and the worker asks the server whether this phone should keep it.
   - It deletes everything, and unregisters itself, when the server says so: a response with
     "X-Offline-Copy: end" (sent with Clear-Site-Data when the young person signs out, signs out
     everywhere, switches the copy off, or someone else signs in), or /offline-copy/status saying
     keep: false.
   Only GET page loads are handled: a form (signing out, say) goes to the network as usual.
*/
"use strict";

const CACHE = "health-passport-copy";
const COPY_URL = "/my-passport/offline-copy/saved";
const STATUS_URL = "/offline-copy/status";
const META_URL = "/offline-copy/saved-at";
const REFRESH_EVERY_MS = 10 * 60 * 1000;
const CHECK_EVERY_MS = 60 * 1000;

let lastRefresh = 0;
let lastCheck = 0;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim().then(checkStatus)));

async function wipe() {
  const keys = await caches.keys();
  await Promise.all(keys.map((key) => caches.delete(key)));
  await self.registration.unregister();
  return "deleted";
}

function staticFiles(html) {
  const found = new Set();
  for (const match of html.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)) {
    found.add(match[1].replace(/&amp;/g, "&"));
  }
  return [...found];
}

async function save() {
  let response;
  try {
    response = await fetch(COPY_URL, { credentials: "same-origin", cache: "no-store", redirect: "manual" });
  } catch (error) {
    return "offline";
  }
  if (response.headers.get("X-Offline-Copy") === "end") {
    return wipe();
  }
  if (response.status !== 200 || response.headers.get("X-Offline-Copy") !== "saved") {
    return "not-saved"; // signed out (a redirect to sign in): keep the copy there is
  }
  const html = await response.clone().text();
  const cache = await caches.open(CACHE);
  await Promise.all(staticFiles(html).map((url) => cache.add(url).catch(() => null)));
  await cache.put(COPY_URL, response);
  await cache.put(META_URL, new Response(JSON.stringify({ savedAt: Date.now() })));
  lastRefresh = Date.now();
  return "saved";
}

async function checkStatus() {
  lastCheck = Date.now();
  try {
    const response = await fetch(STATUS_URL, { credentials: "same-origin", cache: "no-store" });
    const answer = await response.json();
    if (!answer.keep || response.headers.get("X-Offline-Copy") === "end") {
      return wipe();
    }
    return "keep";
  } catch (error) {
    return "offline"; // no signal: keep the copy, that is what it is for
  }
}

async function savedCopy() {
  const cache = await caches.open(CACHE);
  const response = await cache.match(COPY_URL, { ignoreVary: true });
  if (!response) {
    return null;
  }
  const html = (await response.text()).replace('data-copy-source="network"', 'data-copy-source="saved"');
  const headers = new Headers();
  for (const [name, value] of response.headers) {
    if (!["content-encoding", "content-length"].includes(name.toLowerCase())) {
      headers.set(name, value);
    }
  }
  return new Response(html, { status: 200, headers });
}

async function page(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    if (response.headers.get("X-Offline-Copy") === "end") {
      event.waitUntil(wipe());
      return response;
    }
    const path = new URL(request.url).pathname;
    const signedIn = response.ok && !response.redirected && path.startsWith("/my-passport/");
    if (signedIn && path !== COPY_URL && Date.now() - lastRefresh > REFRESH_EVERY_MS) {
      event.waitUntil(save());
    } else if (Date.now() - lastCheck > CHECK_EVERY_MS) {
      event.waitUntil(checkStatus());
    }
    return response;
  } catch (error) {
    const copy = await savedCopy();
    if (copy) {
      return copy;
    }
    throw error;
  }
}

async function staticFile(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) {
      return cached;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});

self.addEventListener("message", (event) => {
  const reply = (result) => event.source && event.source.postMessage({ type: "offline-copy", result });
  if (event.data === "save") {
    event.waitUntil(save().then(reply));
  } else if (event.data === "delete") {
    event.waitUntil(wipe().then(reply));
  } else if (event.data === "check") {
    event.waitUntil(checkStatus().then(reply));
  }
});
