// /api/v1/docs: Swagger UI (static/vendor/swagger-ui, vendored) on the API's derived OpenAPI document, shown
// above the server-rendered reference, which stays for pages without JavaScript.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var mount = document.getElementById("swagger-ui");
    if (!mount || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    window.SwaggerUIBundle({
      url: mount.getAttribute("data-spec"),
      domNode: mount,
      deepLinking: false,
      tryItOutEnabled: false,
      persistAuthorization: false,
      validatorUrl: null,
      defaultModelsExpandDepth: 0,
      // The page already says what the info block would (title, description, the document's link).
      plugins: [function () {
        return {wrapComponents: {InfoContainer: function () { return function () { return null; }; }}};
      }]
    });
    document.getElementById("api-try").hidden = false;
  });
})();
