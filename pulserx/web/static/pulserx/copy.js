// "Copy" buttons: shown only where the clipboard can be written; the field stays selectable
// without JavaScript.

// Words from Django's JavaScript catalog (/jsi18n/, loaded by base.html); English without it.
const gettext = window.gettext || ((text) => text);
for (const button of document.querySelectorAll("[data-copy-target]")) {
  if (!navigator.clipboard) continue;
  const field = document.getElementById(button.dataset.copyTarget);
  const status = button.parentElement.querySelector("[data-copy-status]");
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = gettext("Copied.");
    } catch {
      field.select();
      status.textContent = gettext("Press Ctrl+C (or ⌘C) to copy.");
    }
  });
}
