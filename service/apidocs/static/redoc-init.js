// Starts ReDoc on /redoc. A file, not an inline script, so that the page's CSP can allow
// scripts from this origin only.
window.addEventListener("DOMContentLoaded", function () {
  Redoc.init(document.body.dataset.openapiUrl, {}, document.getElementById("redoc"));
});
