/* Community digital-technology teams: the activity-log form that works without a network.
 *
 * A team member in a village often has no signal. Every log they save is kept on the phone
 * (localStorage, one list per signed-in user) with a UUID made here, and sent to
 * POST <data-sync-url> as soon as the browser is online: on load, on the "online" event, every
 * few seconds while something waits, and when the "Sync now" button is pressed. The server
 * stores each UUID once (a log sent twice, e.g. when an answer was lost, comes back as
 * "duplicate"), so a log leaves the phone only when the server answered created or duplicate.
 * A log the server refuses stays on the phone with the server's message, for the member to see.
 *
 * The form keeps working without this file: it posts to the page, which saves the log there
 * and then. Plain ES5 with XMLHttpRequest, no inline code: old phones, strict CSP.
 */
(function () {
  "use strict";

  var RETRY_MS = 15000;
  var SKIP = { csrfmiddlewaretoken: true, client_uuid: true };

  var form = document.querySelector("form[data-offline-log]");
  if (!form) { return; }

  var storageKey = form.getAttribute("data-storage-key") || "tinhso.outreach.activity";
  var syncUrl = form.getAttribute("data-sync-url");
  var panel = document.getElementById("offline-status");
  var countEl = document.getElementById("offline-count");
  var stateEl = document.getElementById("offline-state");
  var listEl = document.getElementById("offline-list");
  var syncButton = document.getElementById("offline-sync");
  var errorsEl = document.getElementById("offline-form-errors");
  var syncing = false;
  var timer = null;

  function text(name) { return (panel && panel.getAttribute("data-msg-" + name)) || ""; }

  /* --- storage --------------------------------------------------------------------------- */

  var memory = [];
  function store() {
    try {
      var probe = storageKey + ".probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null; // private mode, storage disabled: keep the logs in this page only
    }
  }
  var ls = store();

  function load() {
    if (!ls) { return memory.slice(); }
    try {
      var value = JSON.parse(ls.getItem(storageKey) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function save(items) {
    if (!ls) { memory = items.slice(); return true; }
    try {
      ls.setItem(storageKey, JSON.stringify(items));
      return true;
    } catch (e) {
      return false; // storage full
    }
  }

  /* --- UUID (crypto.randomUUID needs https; getRandomValues does not) -------------------- */

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = [];
    for (var i = 0; i < 16; i++) { hex.push((bytes[i] + 0x100).toString(16).slice(1)); }
    return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" +
      hex.slice(6, 8).join("") + "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10).join("");
  }

  /* --- the form → one log ---------------------------------------------------------------- */

  function setPath(target, path, value) {
    var parts = path.split(".");
    var node = target;
    for (var i = 0; i < parts.length - 1; i++) {
      if (typeof node[parts[i]] !== "object" || node[parts[i]] === null) { node[parts[i]] = {}; }
      node = node[parts[i]];
    }
    node[parts[parts.length - 1]] = value;
  }

  function readForm() {
    var item = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.disabled) { return; }
      if (el.type === "submit" || el.type === "button" || el.type === "file") { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      var key = el.getAttribute("data-sync-key") || el.name;
      var value = el.value;
      if (el.type === "number") { value = value === "" ? 0 : Number(value); }
      setPath(item, key, value);
    });
    return item;
  }

  function missingFields() {
    // The browser's own checks (required, min, max), announced in one summary.
    var missing = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.willValidate && !el.checkValidity()) {
        var label = form.querySelector("label[for='" + el.id + "']");
        missing.push({ el: el, label: label ? label.textContent.trim() : el.name,
          message: el.validationMessage });
      }
    });
    return missing;
  }

  function showErrors(missing) {
    if (!errorsEl) { return; }
    errorsEl.textContent = "";
    if (!missing.length) { errorsEl.hidden = true; return; }
    var title = document.createElement("p");
    title.textContent = text("check");
    errorsEl.appendChild(title);
    missing.forEach(function (item) {
      var p = document.createElement("p");
      var a = document.createElement("a");
      a.href = "#" + item.el.id;
      a.textContent = item.label;
      p.appendChild(a);
      p.appendChild(document.createTextNode(": " + item.message));
      errorsEl.appendChild(p);
    });
    errorsEl.hidden = false;
    errorsEl.focus();
  }

  function resetForm() {
    // Keep the date, team and place: a member usually logs several visits of one outing.
    var keep = {};
    ["date", "team", "place"].forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (el) { keep[name] = el.value; }
    });
    form.reset();
    Object.keys(keep).forEach(function (name) { form.elements.namedItem(name).value = keep[name]; });
  }

  /* --- what the member sees -------------------------------------------------------------- */

  function render(message) {
    var items = load();
    if (countEl) { countEl.textContent = String(items.length); }
    if (panel) {
      panel.classList.toggle("offline-status--pending", items.length > 0);
    }
    if (stateEl) {
      var state = message || (navigator.onLine ? (items.length ? text("waiting") : text("synced")) :
        text("offline"));
      stateEl.textContent = state;
    }
    if (syncButton) { syncButton.hidden = !items.length; }
    if (!listEl) { return; }
    listEl.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "offline-list__item" + (item.error ? " offline-list__item--error" : "");
      var what = document.createElement("span");
      what.className = "offline-list__what";
      what.textContent = [item.data.date, item.data.place].filter(Boolean).join(" · ");
      li.appendChild(what);
      var status = document.createElement("span");
      status.className = "offline-list__status";
      status.textContent = item.error ? text("refused") + " " + item.error : text("not-sent");
      li.appendChild(status);
      listEl.appendChild(li);
    });
    listEl.hidden = !items.length;
  }

  /* --- sync ------------------------------------------------------------------------------ */

  function csrfToken() {
    var input = form.elements.namedItem("csrfmiddlewaretoken");
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : (input ? input.value : "");
  }

  function scheduleRetry() {
    if (timer) { window.clearTimeout(timer); }
    timer = null;
    var waiting = load().filter(function (item) { return !item.error; });
    if (waiting.length) { timer = window.setTimeout(sync, RETRY_MS); }
  }

  function applyResults(sent, results) {
    var byUuid = {};
    results.forEach(function (result) { byUuid[result.client_uuid] = result; });
    var remaining = [];
    load().forEach(function (item) {
      var result = byUuid[item.client_uuid];
      if (!result || sent.indexOf(item.client_uuid) === -1) {
        remaining.push(item);
      } else if (result.status === "created" || result.status === "duplicate") {
        // stored on the server (now or before): it leaves the phone
      } else {
        item.error = result.message || result.code || text("refused");
        remaining.push(item);
      }
    });
    save(remaining);
  }

  function sync() {
    if (syncing || !syncUrl || !navigator.onLine) { render(); return; }
    var items = load().filter(function (item) { return !item.error; });
    if (!items.length) { render(); return; }
    syncing = true;
    render(text("sending"));
    var sent = items.map(function (item) { return item.client_uuid; });
    var body = JSON.stringify({
      items: items.map(function (item) {
        var data = JSON.parse(JSON.stringify(item.data));
        data.client_uuid = item.client_uuid;
        return data;
      })
    });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", syncUrl, true);
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Idempotency-Key", uuid4());
    xhr.timeout = 30000;
    xhr.onload = function () {
      syncing = false;
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      var results = answer && (Array.isArray(answer) ? answer : answer.results);
      if (xhr.status >= 200 && xhr.status < 300 && Array.isArray(results)) {
        applyResults(sent, results);
        render(load().length ? null : text("done"));
      } else if (xhr.status === 401 || xhr.status === 403) {
        render(text("signin")); // kept on the phone until the member signs in again
      } else {
        render(text("retry"));
      }
      scheduleRetry();
    };
    xhr.onerror = xhr.ontimeout = function () {
      syncing = false;
      render(text("retry"));
      scheduleRetry();
    };
    xhr.send(body);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var missing = missingFields();
    showErrors(missing);
    if (missing.length) { return; }
    var items = load();
    var uuidField = form.elements.namedItem("client_uuid");
    var clientUuid = (uuidField && uuidField.value) || uuid4();
    items.push({ client_uuid: clientUuid, data: readForm(), saved_at: new Date().toISOString() });
    if (!save(items)) {
      render(text("full"));
      return;
    }
    if (uuidField) { uuidField.value = uuid4(); }
    resetForm();
    render(text("saved"));
    if (panel) { panel.focus(); }
    sync();
  });

  if (syncButton) {
    syncButton.addEventListener("click", function () {
      // A refused log gets another chance when the member asks for it.
      save(load().map(function (item) { delete item.error; return item; }));
      sync();
    });
  }

  window.addEventListener("online", sync);
  window.addEventListener("offline", function () { render(); });
  window.addEventListener("storage", function (event) {
    if (event.key === storageKey) { render(); } // another tab synced or saved
  });

  // The page itself opens with no network once a service worker has kept a copy. Browsers
  // allow workers on https and localhost only; elsewhere the page simply needs the network.
  var workerUrl = form.getAttribute("data-service-worker");
  if (workerUrl && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(workerUrl).catch(function () { /* not allowed here */ });
  }

  var uuidInput = form.elements.namedItem("client_uuid");
  if (uuidInput && !uuidInput.value) { uuidInput.value = uuid4(); }
  if (panel) { panel.hidden = false; }
  render();
  sync();
})();
