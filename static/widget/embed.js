// Cocreate's rating widget, for a company's own prototype:
//   <script src="https://cocreate.example/static/widget/embed.js" data-product="SLUG"
//           data-touchpoint="ID (optional)" data-token="SIGNED JWT (optional)" async></script>
// It adds one iframe (Cocreate's page: its styles and the host page's never mix) with a "Rate this" button in the
// corner of the page (or in place of the script with data-inline), and grows it while the panel is open.
// The signed token goes to the frame by postMessage, addressed to Cocreate's origin only.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.product) { return; }
  var origin = new URL(script.src).origin;
  var product = script.dataset.product;
  var touchpoint = script.dataset.touchpoint;
  var token = script.dataset.token;
  var inline = script.hasAttribute("data-inline");
  var src = origin + "/widget/" + encodeURIComponent(product) + (touchpoint ? "?touchpoint=" + encodeURIComponent(touchpoint) : "");

  var frame = document.createElement("iframe");
  frame.src = src;
  frame.title = script.dataset.title || "Rate this";
  frame.setAttribute("allow", "");
  var style = frame.style;
  style.border = "0";
  style.background = "transparent";
  style.colorScheme = "normal";
  if (!inline) {
    style.position = "fixed";
    style.right = "12px";
    style.bottom = "12px";
    style.zIndex = "2147483000";
  }

  function size(open) {
    if (open) {
      style.width = Math.min(380, window.innerWidth - 24) + "px";
      style.height = Math.min(600, window.innerHeight - 24) + "px";
    } else {
      style.width = "150px";
      style.height = "56px";
    }
  }
  size(false);

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== origin || !event.data) { return; }
    var type = event.data.type;
    if (type === "cocreate-widget:ready" && token) {
      frame.contentWindow.postMessage({ type: "cocreate-widget:identify", token: token }, origin);
    } else if (type === "cocreate-widget:open") {
      size(true);
    } else if (type === "cocreate-widget:closed") {
      size(false);
    }
  });

  function place() {
    if (inline) { script.parentNode.insertBefore(frame, script); } else { document.body.appendChild(frame); }
  }
  if (inline || document.body) { place(); } else { document.addEventListener("DOMContentLoaded", place); }
})();
