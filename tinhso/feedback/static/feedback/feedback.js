/* Field reports (phản ánh hiện trường): the report form's helpers and the maps.
 *
 * - Draft kept on the phone (localStorage) while typing, restored on the next visit, removed
 *   once the report is sent: coverage is poor in many places.
 * - "Use my position" (browser geolocation), and a map picker when a tile server is configured
 *   (no map, no request to any third party otherwise).
 * - After category + position, the server suggests nearby open reports (htmx on #duplicates;
 *   this file fires the "feedback-location" event it listens to).
 * Everything works without this file: address and commune are plain form fields.
 */
(function () {
  "use strict";

  var DRAFT_SKIP = { csrfmiddlewaretoken: true, photos: true };

  function storage() {
    try {
      var probe = "__feedback_probe__";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function announce(element, message) {
    if (!element) { return; }
    element.textContent = message;
    element.hidden = !message;
  }

  function locationChanged() {
    document.body.dispatchEvent(new CustomEvent("feedback-location", { bubbles: true }));
  }

  /* --- draft -------------------------------------------------------------------------------- */

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !DRAFT_SKIP[el.name] && el.type !== "file" && el.type !== "submit" &&
        el.type !== "button";
    });
  }

  function saveDraft(form, key, store) {
    var data = {};
    fieldsOf(form).forEach(function (el) {
      data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full: ignore */ }
  }

  function restoreDraft(form, key, store, notice) {
    var raw = store.getItem(key);
    if (!raw || document.getElementById("form-errors")) { return false; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return false; }
    var description = form.elements.namedItem("description");
    if (description && description.value) { return false; }
    var restored = false;
    fieldsOf(form).forEach(function (el) {
      if (!Object.prototype.hasOwnProperty.call(data, el.name)) { return; }
      if (el.type === "checkbox") {
        el.checked = !!data[el.name];
      } else if (data[el.name] !== "" && data[el.name] !== null) {
        el.value = data[el.name];
        if (el.name !== "submission_key") { restored = true; }
      }
    });
    if (restored && notice) { announce(notice, notice.getAttribute("data-msg-restored")); }
    return restored;
  }

  function setUpDraft(form) {
    var key = form.getAttribute("data-feedback-draft");
    var store = storage();
    if (!key || !store) { return; }
    var notice = document.getElementById("draft-notice");
    var restored = restoreDraft(form, key, store, notice);
    var timer = null;
    var later = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { saveDraft(form, key, store); }, 300);
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function (event) {
      saveDraft(form, key, store);
      if (navigator.onLine === false) {
        event.preventDefault();
        announce(notice, notice ? notice.getAttribute("data-msg-offline") : "");
        if (notice) { notice.scrollIntoView({ block: "center" }); }
      }
    });
    return restored;
  }

  /* --- position and map picker ------------------------------------------------------------ */

  function setUpLocation(form) {
    var lat = form.querySelector("#id_latitude");
    var lng = form.querySelector("#id_longitude");
    var status = document.getElementById("location-status");
    var locate = form.querySelector("[data-feedback-locate]");
    var clear = form.querySelector("[data-feedback-clear-position]");
    if (!lat || !lng) { return; }
    var marker = null;
    var map = null;

    function show() {
      var has = lat.value !== "" && lng.value !== "";
      if (clear) { clear.hidden = !has; }
      if (status && has) {
        status.textContent = status.getAttribute("data-msg-found") + ": " +
          Number(lat.value).toFixed(5) + ", " + Number(lng.value).toFixed(5);
      }
      if (map && has) {
        var point = [Number(lat.value), Number(lng.value)];
        if (marker) { marker.setLatLng(point); } else { marker = window.L.marker(point).addTo(map); }
      }
    }

    function set(latitude, longitude) {
      lat.value = latitude.toFixed(6);
      lng.value = longitude.toFixed(6);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
      show();
      locationChanged();
    }

    if (locate && "geolocation" in navigator) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        if (status) { status.textContent = status.getAttribute("data-msg-waiting"); }
        navigator.geolocation.getCurrentPosition(function (position) {
          set(position.coords.latitude, position.coords.longitude);
          if (map) { map.setView([position.coords.latitude, position.coords.longitude], 17); }
        }, function () {
          if (status) { status.textContent = status.getAttribute("data-msg-error"); }
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    if (clear) {
      clear.addEventListener("click", function () {
        lat.value = "";
        lng.value = "";
        if (marker && map) { map.removeLayer(marker); marker = null; }
        if (status) { status.textContent = status.getAttribute("data-msg-cleared"); }
        clear.hidden = true;
        lat.dispatchEvent(new Event("change", { bubbles: true }));
        locationChanged();
      });
    }

    var element = form.querySelector('[data-feedback-map="pick"]');
    if (element && window.L) {
      map = baseMap(element);
      if (map) {
        map.on("click", function (event) { set(event.latlng.lat, event.latlng.lng); });
      }
    }
    show();
  }

  /* --- maps ----------------------------------------------------------------------------------- */

  function baseMap(element) {
    var url = element.getAttribute("data-tile-url");
    if (!url || !window.L) { element.hidden = true; return null; }
    var lat = Number(element.getAttribute("data-lat") || element.getAttribute("data-center-lat") || 0);
    var lng = Number(element.getAttribute("data-lng") || element.getAttribute("data-center-lng") || 0);
    var zoom = element.getAttribute("data-lat") ? 16 : 9;
    var map = window.L.map(element, { scrollWheelZoom: false }).setView([lat, lng], zoom);
    window.L.tileLayer(url, {
      maxZoom: 19,
      attribution: element.getAttribute("data-attribution") || ""
    }).addTo(map);
    return map;
  }

  function markersOf(container) {
    var points = [];
    container.querySelectorAll("[data-lat][data-lng][data-url]").forEach(function (item) {
      points.push({
        lat: Number(item.getAttribute("data-lat")),
        lng: Number(item.getAttribute("data-lng")),
        code: item.getAttribute("data-code"),
        url: item.getAttribute("data-url")
      });
    });
    return points;
  }

  function setUpShowMaps() {
    document.querySelectorAll('[data-feedback-map="show"]').forEach(function (element) {
      var map = baseMap(element);
      if (!map) { return; }
      var layer = window.L.layerGroup().addTo(map);
      var draw = function () {
        layer.clearLayers();
        var bounds = [];
        if (element.getAttribute("data-lat")) {
          window.L.marker([Number(element.getAttribute("data-lat")), Number(element.getAttribute("data-lng"))]).addTo(layer);
          return;
        }
        markersOf(document).forEach(function (point) {
          var link = document.createElement("a");
          link.href = point.url;
          link.textContent = point.code;
          window.L.marker([point.lat, point.lng]).bindPopup(link).addTo(layer);
          bounds.push([point.lat, point.lng]);
        });
        if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24] }); }
      };
      draw();
      document.body.addEventListener("htmx:afterSwap", draw);
    });
  }

  /* --- duplicates ----------------------------------------------------------------------------- */

  function setUpDuplicates() {
    document.addEventListener("click", function (event) {
      var decline = event.target.closest && event.target.closest("[data-feedback-decline]");
      if (!decline) { return; }
      var box = document.getElementById("duplicates");
      if (box) { box.innerHTML = ""; }
      var next = document.getElementById("id_photos") || document.getElementById("id_contact_name");
      if (next) { next.focus(); }
    });
  }

  /* --- after sending -------------------------------------------------------------------------- */

  function clearSentDraft() {
    var store = storage();
    document.querySelectorAll("[data-feedback-sent]").forEach(function (element) {
      if (store) { store.removeItem(element.getAttribute("data-feedback-sent")); }
    });
  }

  function start() {
    clearSentDraft();
    var form = document.getElementById("report-form");
    var restored = false;
    if (form) {
      restored = setUpDraft(form);
      setUpLocation(form);
    }
    setUpShowMaps();
    setUpDuplicates();
    if (restored) {
      // After htmx has started, so that the duplicate check sees the restored position.
      window.addEventListener("load", locationChanged);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
