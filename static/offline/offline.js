/* "Keep a copy on this phone" (templates/offline/settings.html): registers the service worker on a phone
   whose young person chose it and asks it to save the copy now; on a phone that has no copy, removes any
   worker or saved copy left behind. Where a browser has no service workers, the page says so and offers
   the PDF instead (the form stays hidden, so nothing is turned on that cannot work). */
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-copy]");
  if (!root) {
    return;
  }
  var supported = "serviceWorker" in navigator && "caches" in window && window.isSecureContext;
  document.querySelectorAll("[data-needs-service-worker]").forEach(function (element) {
    element.hidden = !supported;
  });
  document.querySelectorAll("[data-no-service-worker]").forEach(function (element) {
    element.hidden = supported;
  });
  if (!supported) {
    return;
  }
  var state = root.querySelector(".app-offline-state");

  function show(result) {
    if (state) {
      state.textContent = result === "saved" ? root.dataset.savedText : root.dataset.notSavedText;
      state.hidden = false;
    }
  }

  if (root.dataset.offlineCopy === "on") {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "offline-copy") {
        show(event.data.result);
      }
    });
    navigator.serviceWorker
      .register(root.dataset.worker, { scope: "/" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        registration.active.postMessage("save");
      })
      .catch(function () {
        show("not-saved");
      });
  } else {
    navigator.serviceWorker.getRegistrations().then(function (registrations) {
      registrations.forEach(function (registration) {
        registration.unregister();
      });
    });
    caches.keys().then(function (keys) {
      keys.forEach(function (key) {
        caches.delete(key);
      });
    });
  }
})();
