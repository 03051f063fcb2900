// Refusals and failures of forms that update in place (htmx), shown where the person looks.
//
// A 400, 409 or 422 answer carries the form again with its messages: htmx swaps it like a success
// (responseHandling in base.html's htmx-config), unless it is a whole error page (refuseWholePages below). Any other error answer (403, 404, 413, 429, 5xx) and a
// request that never got an answer are shown as a message next to the form, in the page's language: the
// server's own sentence when its error page has one, else the body's data-error-* text. Nothing fails silently.
(function () {
  "use strict";

  function messageFor(evt) {
    var body = document.body;
    var xhr = evt.detail.xhr;
    if (!xhr || !xhr.status) {
      return body.getAttribute("data-error-network");
    }
    try {
      var page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var title = page.querySelector("main h1");
      var text = page.querySelector("main h1 + p");
      if (title && text) {
        return title.textContent.trim() + ": " + text.textContent.trim();
      }
    } catch (ignored) { /* not HTML: fall back to the general sentence */ }
    return body.getAttribute("data-error-server").replace("{code}", String(xhr.status));
  }

  function show(evt) {
    var origin = evt.detail.elt;
    var form = origin && origin.closest ? (origin.closest("form") || origin) : null;
    if (!form || !form.parentNode) {
      return;
    }
    var note = form.nextElementSibling;
    if (!note || !note.classList.contains("htmx-failure")) {
      note = document.createElement("p");
      note.className = "htmx-failure flash flash-error";
      note.setAttribute("role", "alert");
      form.parentNode.insertBefore(note, form.nextSibling);
    }
    note.textContent = messageFor(evt);
  }

  function clear(evt) {
    var origin = evt.detail.elt;
    var form = origin && origin.closest ? (origin.closest("form") || origin) : null;
    var note = form && form.nextElementSibling;
    if (note && note.classList.contains("htmx-failure")) {
      note.remove();
    }
  }

  // A 400/409/422 that is a whole page (an error page: an expired form token, a request the server could not read)
  // is no form to put in place: swapping it would drop a page inside the page. It is shown as a failure instead.
  function refuseWholePages(evt) {
    var xhr = evt.detail.xhr;
    if (xhr && /^(400|409|422)$/.test(String(xhr.status)) && /^\s*<!doctype html/i.test(xhr.responseText || "")) {
      evt.detail.shouldSwap = false;
      evt.detail.isError = true;
    }
  }

  document.addEventListener("htmx:beforeSwap", refuseWholePages);
  document.addEventListener("htmx:responseError", show);
  document.addEventListener("htmx:sendError", show);
  document.addEventListener("htmx:beforeRequest", clear);
})();
