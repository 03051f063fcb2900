// The rating widget's frame (templates/widget/frame.html). It keeps the widget's token in this page's memory only:
// no cookie and no storage, so it works where the browser blocks third-party cookies. Who rates comes from
//  - the company's signed token: from the embedding script (postMessage from an allowed origin) or the frame's
//    #token=… fragment, exchanged for the widget's token when the panel opens;
//  - or the person's Cocreate session: the sign-in window posts the widget's token back, from our own origin.
(function () {
  "use strict";
  var root = document.getElementById("cc-widget");
  if (!root) { return; }
  var cfg = root.dataset;
  var origins = (cfg.origins || "").split(" ").filter(Boolean);
  var open = document.getElementById("cc-open");
  var panel = document.getElementById("cc-panel");
  var body = document.getElementById("cc-body");
  var signin = document.getElementById("cc-signin");
  var signinError = document.getElementById("cc-signin-error");
  var status = document.getElementById("cc-status");
  var access = null;      // the widget's token, for this product and person
  var companyToken = null; // the company's signed token, until it is exchanged
  var popup = null;

  if (location.hash.indexOf("#token=") === 0) {
    companyToken = decodeURIComponent(location.hash.slice(7));
    history.replaceState(null, "", location.pathname + location.search);
  }

  function tellHost(state) {
    if (window.parent !== window) { window.parent.postMessage({ type: "cocreate-widget:" + state }, "*"); }
  }

  function say(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function showSignIn(message) {
    body.textContent = "";
    signin.hidden = false;
    signinError.textContent = message || "";
    signinError.hidden = !message;
  }

  function failure(response) {
    if (response.status === 429) { return cfg.errorBusy; }
    return cfg.errorServer.replace("{code}", String(response.status));
  }

  function show(html) {
    signin.hidden = true;
    body.innerHTML = html; // our own server's escaped HTML; scripts in it do not run (CSP, innerHTML)
    var focus = body.querySelector(".cc-error, #cc-thanks");
    if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
  }

  function load() {
    say("");
    body.textContent = cfg.loading;
    fetch(cfg.ratingUrl, { headers: { Authorization: "Bearer " + access }, credentials: "omit" })
      .then(function (response) {
        return response.text().then(function (text) {
          if (response.status === 401) { access = null; showSignIn(); return; }
          if (!response.ok) { body.textContent = ""; say(failure(response)); return; }
          show(text);
        });
      })
      .catch(function () { body.textContent = ""; say(cfg.errorNetwork); });
  }

  function exchange() {
    var token = companyToken;
    companyToken = null;
    body.textContent = cfg.loading;
    fetch(cfg.sessionUrl, {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: token })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok && data.access) { access = data.access; load(); return; }
        showSignIn(data.error || failure(response));
      }, function () { showSignIn(failure(response)); });
    }).catch(function () { companyToken = token; body.textContent = ""; say(cfg.errorNetwork); });
  }

  function start() {
    if (access) { load(); } else if (companyToken) { exchange(); } else { showSignIn(); }
  }

  open.addEventListener("click", function () {
    open.hidden = true;
    open.setAttribute("aria-expanded", "true");
    panel.hidden = false;
    tellHost("open");
    document.getElementById("cc-title").focus();
    start();
  });

  document.getElementById("cc-close").addEventListener("click", function () {
    panel.hidden = true;
    open.hidden = false;
    open.setAttribute("aria-expanded", "false");
    tellHost("closed");
    open.focus();
  });

  document.getElementById("cc-signin-button").addEventListener("click", function () {
    document.getElementById("cc-popup-blocked").hidden = true;
    popup = window.open(cfg.signinUrl, "cocreate-signin", "popup,width=520,height=680");
    if (!popup) { document.getElementById("cc-popup-blocked").hidden = false; }
  });

  body.addEventListener("click", function (event) {
    var action = event.target.closest("[data-action]");
    if (!action) { return; }
    if (action.dataset.action === "forget") { access = null; showSignIn(); }
    if (action.dataset.action === "edit") { load(); }
  });

  body.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-widget-form]");
    if (!form) { return; }
    event.preventDefault();
    say("");
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST", credentials: "omit", headers: { Authorization: "Bearer " + access },
      body: new URLSearchParams(new FormData(form))
    }).then(function (response) {
      return response.text().then(function (text) {
        if (response.status === 401) { access = null; showSignIn(); return; }
        if (response.ok || response.status === 400) { show(text); return; }
        if (button) { button.disabled = false; }
        say(failure(response));
      });
    }).catch(function () {
      if (button) { button.disabled = false; }
      say(cfg.errorNetwork);
    });
  });

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object") { return; }
    // The company's signed token, from the page that embeds us (only an allowed origin can: frame-ancestors).
    if (data.type === "cocreate-widget:identify" && event.source === window.parent && origins.indexOf(event.origin) !== -1
        && typeof data.token === "string" && data.token) {
      companyToken = data.token;
      access = null;
      if (!panel.hidden) { exchange(); }
      return;
    }
    // The widget's token, from the sign-in window we opened (same origin as this frame).
    if (data.type === "cocreate-widget:session" && event.origin === location.origin && typeof data.access === "string"
        && (popup === null || event.source === popup)) {
      access = data.access;
      if (popup) { popup.close(); popup = null; }
      if (!panel.hidden) { load(); }
    }
  });

  open.hidden = false;
  tellHost("ready");
})();
