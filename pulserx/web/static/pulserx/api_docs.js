/* What Swagger UI leaves out for people using a keyboard or a screen reader, added as it
 * renders: an h2 between its h1 title and the h3 of each group of operations, names for its
 * copy buttons, and keyboard access to the code samples that scroll sideways. */
(function () {
  // Words from Django's JavaScript catalog where the page loads it; English without it.
  const t = window.gettext || ((text) => text);
  const root = document.getElementById("swagger-ui");
  if (!root) return;

  function headingInOrder() {
    const firstGroup = root.querySelector(".opblock-tag-section");
    if (!firstGroup || root.querySelector("#api-operations-heading")) return;
    const heading = document.createElement("h2");
    heading.id = "api-operations-heading";
    heading.className = "visually-hidden";
    heading.textContent = t("Operations");
    firstGroup.parentNode.insertBefore(heading, firstGroup);
  }

  function namedCopyButtons() {
    for (const button of root.querySelectorAll(".copy-to-clipboard button:not([aria-label])")) {
      button.setAttribute("aria-label", t("Copy to clipboard"));
    }
  }

  function reachableCodeSamples() {
    for (const sample of root.querySelectorAll("pre.microlight:not([tabindex])")) {
      sample.setAttribute("tabindex", "0");
    }
  }

  function fixUp() {
    headingInOrder();
    namedCopyButtons();
    reachableCodeSamples();
  }

  fixUp();
  new MutationObserver(fixUp).observe(root, {childList: true, subtree: true});
})();
