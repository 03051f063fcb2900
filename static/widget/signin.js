// The sign-in window's last page (templates/widget/signed_in.html): hand the widget's token to the frame that opened
// this window. Only a window of Cocreate's own origin can receive it (postMessage's targetOrigin).
(function () {
  "use strict";
  var main = document.getElementById("cc-handover");
  var opener = window.opener;
  if (!main || !opener) {
    document.getElementById("cc-handover-lost").hidden = false;
    return;
  }
  opener.postMessage({ type: "cocreate-widget:session", access: main.dataset.access, product: main.dataset.product },
                     location.origin);
  document.getElementById("cc-handover-done").hidden = false;
  setTimeout(function () { window.close(); }, 1500);
})();
