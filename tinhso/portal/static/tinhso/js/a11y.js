/*
 * Display controls: text size (A- A A+) and high contrast, remembered across pages and visits.
 *
 * The server renders the classes on <html> from the cookies (tinhso/portal/preferences.py),
 * so a page never flashes the wrong size. This script changes the classes in place, writes
 * the cookies for the next page, keeps a copy in localStorage (which restores the cookies if
 * they were cleared) and keeps the buttons' aria states true. Without JavaScript the same
 * buttons submit the form to the server, which sets the cookies itself.
 *
 * Plain ES5, no inline code: it runs on old phone browsers and under a strict CSP.
 */
(function () {
  "use strict";

  var FONT_COOKIE = "tinhso_font";
  var CONTRAST_COOKIE = "tinhso_contrast";
  var STORAGE_KEY = "tinhso.display";
  var MAX_AGE = 365 * 24 * 60 * 60;
  var DEFAULT_SIZE = "md";

  var root = document.documentElement;
  var form = document.querySelector("[data-a11y-controls]");
  var sizes = ((form && form.getAttribute("data-font-sizes")) || "sm md lg xl xxl").split(" ");

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) {
        return decodeURIComponent(parts[i].slice(eq + 1));
      }
    }
    return null;
  }

  function writeCookie(name, value) {
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = name + "=" + encodeURIComponent(value) + "; Path=/; Max-Age=" + MAX_AGE +
      "; SameSite=Lax" + secure;
  }

  function readStored() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORAGE_KEY));
      return value && typeof value === "object" ? value : null;
    } catch (error) {
      return null; // storage disabled (private mode, old WebView): cookies alone will do
    }
  }

  function writeStored(prefs) {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(prefs));
    } catch (error) {
      // see readStored
    }
  }

  function clean(prefs) {
    return {
      font: sizes.indexOf(prefs.font) >= 0 ? prefs.font : DEFAULT_SIZE,
      contrast: prefs.contrast === "high" ? "high" : "normal"
    };
  }

  function fromPage() {
    var font = DEFAULT_SIZE;
    for (var i = 0; i < sizes.length; i++) {
      if (root.classList.contains("font-" + sizes[i])) {
        font = sizes[i];
      }
    }
    return { font: font, contrast: root.classList.contains("contrast-high") ? "high" : "normal" };
  }

  function fromCookies() {
    return clean({ font: readCookie(FONT_COOKIE), contrast: readCookie(CONTRAST_COOKIE) });
  }

  function setFlag(element, attribute, on) {
    if (!element) {
      return;
    }
    if (attribute === "aria-pressed") {
      element.setAttribute(attribute, on ? "true" : "false");
    } else if (on) {
      element.setAttribute(attribute, "true");
    } else {
      element.removeAttribute(attribute);
    }
  }

  function render(prefs) {
    for (var i = 0; i < sizes.length; i++) {
      root.classList.toggle("font-" + sizes[i], sizes[i] === prefs.font && sizes[i] !== DEFAULT_SIZE);
    }
    root.classList.toggle("contrast-high", prefs.contrast === "high");
    setFlag(document.querySelector('[data-a11y-font="down"]'), "aria-disabled",
      prefs.font === sizes[0]);
    setFlag(document.querySelector('[data-a11y-font="up"]'), "aria-disabled",
      prefs.font === sizes[sizes.length - 1]);
    setFlag(document.querySelector('[data-a11y-font="reset"]'), "aria-pressed",
      prefs.font === DEFAULT_SIZE);
    setFlag(document.querySelector("[data-a11y-contrast]"), "aria-pressed",
      prefs.contrast === "high");
  }

  function save(prefs) {
    writeCookie(FONT_COOKIE, prefs.font);
    writeCookie(CONTRAST_COOKIE, prefs.contrast);
    writeStored(prefs);
  }

  function onClick(event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button) {
      return;
    }
    var prefs = fromPage();
    var fontAction = button.getAttribute("data-a11y-font");
    if (fontAction) {
      event.preventDefault();
      if (button.getAttribute("aria-disabled") === "true") {
        return;
      }
      var index = sizes.indexOf(prefs.font);
      if (fontAction === "up") {
        index = Math.min(sizes.length - 1, index + 1);
      } else if (fontAction === "down") {
        index = Math.max(0, index - 1);
      } else {
        index = sizes.indexOf(DEFAULT_SIZE);
      }
      prefs.font = sizes[index];
    } else if (button.hasAttribute("data-a11y-contrast")) {
      event.preventDefault();
      prefs.contrast = prefs.contrast === "high" ? "normal" : "high";
    } else {
      return;
    }
    render(prefs);
    save(prefs);
  }

  // The cookies are what the server rendered from. If they are gone (cleared, expired) but
  // localStorage still remembers, restore both the page and the cookies from it.
  var hasCookies = readCookie(FONT_COOKIE) !== null || readCookie(CONTRAST_COOKIE) !== null;
  var stored = readStored();
  if (!hasCookies && stored) {
    var restored = clean(stored);
    render(restored);
    save(restored);
  } else if (hasCookies) {
    writeStored(fromPage());
  }

  // Delegated from the document: the contrast button sits outside the form it submits.
  document.addEventListener("click", onClick);

  // A page restored from the back/forward cache shows its old classes: bring it up to date.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      render(fromCookies());
    }
  });
})();
