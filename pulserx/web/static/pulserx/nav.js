/* On a phone the signed-in menu collapses behind a "Menu" button instead of wrapping onto
 * two rows. Without this script (or on a wide screen) every link stays visible. */

const nav = document.querySelector(".site-nav.signed-in");
const toggle = nav && nav.querySelector(".nav-toggle");

if (nav && toggle) {
  nav.classList.add("collapsible");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      nav.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
}
