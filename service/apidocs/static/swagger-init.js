// Starts Swagger UI on /docs. A file, not an inline script, so that the page's CSP can
// allow scripts from this origin only.
window.addEventListener("DOMContentLoaded", function () {
  SwaggerUIBundle({
    url: document.body.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
