/* Service worker of the team pages (/truyen-thong/to-cong-nghe/): lets the activity-log form
 * open with no network, once it has been opened online on this phone.
 *
 * Network first, cache as the fallback, for GET requests of the same origin only: pages under
 * the scope and the static files they use. Nothing else is touched: the API, every POST and
 * other sites go to the network as usual (the logs themselves wait in localStorage, see
 * activity-log.js). Served by the outreach view at <scope>/sw.js so that its scope covers the
 * team pages.
 */
"use strict";

var CACHE = "tinhso-outreach-teams-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("tinhso-outreach-teams-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/api/") === 0) { return; }
  var inScope = url.href.indexOf(self.registration.scope) === 0;
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!inScope && !isStatic) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request, { ignoreVary: true }).then(function (cached) {
        return cached || Response.error();
      });
    })
  );
});
