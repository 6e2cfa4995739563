/* Toasts: one per dose, with Take / Skip / Snooze, kept true as the dose changes.
 *
 * live.js calls showToast for each notification and updateToast for each dose change; the
 * page's own badge and rows are live.js's, reached through configureToasts. */

// Words come from Django's JavaScript catalog (/jsi18n/, loaded by base.html before this
// module); English where it is absent.
const gettext = window.gettext || ((text) => text);
const pgettext = window.pgettext || ((context, text) => text);
const interpolate = window.interpolate
  || ((format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name])));

const MAX_TOASTS = 3;
const DONE_TOAST_MS = 4000;
const INFO_TOAST_MS = 15000;
const SNOOZES = [[10, gettext("10 min")], [30, gettext("30 min")], [60, gettext("1 h")]];
// What a toast says when its dose changed elsewhere (another tab, device, the timeline).
const CHANGED_ELSEWHERE = {taken: gettext("Marked as taken."), skipped: gettext("Marked as skipped."),
                           missed: gettext("Missed. You can still record it.")};

const page = {setUnread: () => {}, refreshDose: () => {}};

export function configureToasts(hooks) {
  Object.assign(page, hooks);
}


function toastContainer() {
  let container = document.getElementById("toasts");
  if (!container) {
    container = document.createElement("div");
    container.id = "toasts";
    container.setAttribute("aria-live", "polite");
    document.body.append(container);
  }
  return container;
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

// Escape closes the toast the keyboard is in, as a dialog's would.
document.addEventListener("keydown", (key) => {
  const toast = key.key === "Escape" && key.target instanceof Element
    && key.target.closest("#toasts .toast");
  if (toast) {
    key.preventDefault();
    removeToast(toast);
  }
});

/* Remove a toast; if the keyboard was in it, focus goes on to the next toast, else to the
 * dose's row on the page, else to the main content: never dropped to the page body. */
function removeToast(toast) {
  const hadFocus = toast.contains(document.activeElement);
  const doseId = toast.dataset.toastDose;
  toast.remove();
  if (!hadFocus) return;
  const next = document.querySelector("#toasts .toast button");
  const row = doseId ? document.getElementById(`dose-${doseId}`) : null;
  const target = next || row || document.querySelector("main");
  if (!target) return;
  if (!target.matches("button, a, input, [tabindex]")) target.setAttribute("tabindex", "-1");
  target.focus();
}

function toastFor(doseId) {
  return document.querySelector(`#toasts [data-toast-dose="${CSS.escape(String(doseId))}"]`);
}

/* One toast per dose: a re-alert replaces the toast of its dose where it stands. At most
 * MAX_TOASTS stay; the oldest idle one goes first. */
export function showToast(event) {
  const container = toastContainer();
  // No role of its own: #toasts is the live region that announces it.
  const toast = element("div", {
    class: `toast toast-${event.type || "info"}${event.late ? " toast-late" : ""}${event.quiet ? " toast-quiet" : ""}`,
    "data-notification-id": String(event.id),
  });
  if (event.dose_id) toast.dataset.toastDose = String(event.dose_id);
  const close = element("button", {type: "button", class: "toast-close", "aria-label": gettext("Dismiss")}, "×");
  close.addEventListener("click", () => removeToast(toast));
  toast.append(close, element("p", {class: "toast-title"}, event.title || "PulseRx"),
               element("p", {class: "toast-body"}, event.body || ""));
  if (event.actionable && event.dose_id) {
    toast.append(toastActions(toast, event.dose_id, event.type === "giver_reminder"));
  } else if (event.type !== "giver_reminder") {  // a giver's stays until the dose is recorded
    setTimeout(() => removeToast(toast), INFO_TOAST_MS);
  }
  const previous = event.dose_id ? toastFor(event.dose_id) : null;
  if (previous && !previous.dataset.busy) previous.replaceWith(toast);
  else container.append(toast);
  while (container.children.length > MAX_TOASTS) {
    const idle = Array.from(container.children).find((t) => !t.dataset.busy);
    (idle || container.firstElementChild).remove();
  }
}

/* The dose of a toast changed somewhere else: say so, and offer only what still works. */
export function updateToast(event) {
  const toast = toastFor(event.dose_id);
  if (!toast || toast.dataset.busy) return;
  if (toast.classList.contains("toast-giver_reminder")) {
    // A giver's reminder goes once anyone records the dose.
    if (["taken", "skipped"].includes(event.status)) removeToast(toast);
    return;
  }
  if (!toast.querySelector(".toast-actions")) return;
  const snoozed = event.status === "scheduled" && event.snoozed_until;
  const text = snoozed
    ? interpolate(gettext("Snoozed until %(time)s."), {time: clockTime(event.snoozed_until)}, true)
    : CHANGED_ELSEWHERE[event.status];
  if (!text) return;
  const note = toast.querySelector(".toast-result") || element("p", {class: "toast-result"});
  note.textContent = text;
  toast.append(note);
  if (event.status === "missed") {  // still recordable: Take and Skip stay, Snooze cannot
    for (const button of toast.querySelectorAll('[data-action="snooze"]')) button.remove();
    const group = toast.querySelector(".toast-snooze");
    if (group) group.remove();
    toast.classList.add("toast-missed");
    return;
  }
  toast.querySelector(".toast-actions").remove();
  toast.classList.add("toast-done");
  setTimeout(() => removeToast(toast), DONE_TOAST_MS);
}

// Written as the server writes times for this reader (pulserx/wall_time.py): "8:05 PM" on
// the 12-hour clock, "20:05" on the 24-hour one.
function clockTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return gettext("later");
  const hour = when.getHours(), minute = String(when.getMinutes()).padStart(2, "0");
  if (document.body.dataset.clockFormat === "12h") {
    const half = hour < 12 ? pgettext("before noon", "AM") : pgettext("after noon", "PM");
    return `${hour % 12 || 12}:${minute} ${half}`;
  }
  return `${String(hour).padStart(2, "0")}:${minute}`;
}

/* Take, Skip and Snooze; a giver's reminder has Given and Skip (snoozing is the patient's). */
function toastActions(toast, doseId, giver) {
  const actions = element("div", {class: "toast-actions"});
  const take = element("button", {type: "button", "data-action": "take"},
                       giver ? gettext("Given") : gettext("Take"));
  const skip = element("button", {type: "button", class: "btn-secondary", "data-action": "skip"}, gettext("Skip"));
  // The snooze buttons are named by what they show ("10 min"), inside a group named Snooze.
  const snooze = element("div", {class: "toast-snooze", role: "group", "aria-label": gettext("Snooze")});
  for (const [minutes, label] of SNOOZES) {
    snooze.append(element("button", {
      type: "button", class: "btn-secondary", "data-action": "snooze",
      "data-minutes": String(minutes),
    }, label));
  }
  actions.append(take, skip);
  if (!giver) actions.append(snooze);
  actions.addEventListener("click", (click) => {
    const button = click.target.closest("button[data-action]");
    if (button) act(toast, actions, doseId, button.dataset.action, button.dataset.minutes);
  });
  return actions;
}

function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
  const meta = document.querySelector('meta[name="csrf-token"]');
  const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
  return (meta && meta.content) || (input && input.value) || "";
}

async function act(toast, actions, doseId, action, minutes) {
  // Read before the buttons are disabled: a disabled button loses the focus.
  const hadFocus = actions.contains(document.activeElement);
  const buttons = actions.querySelectorAll("button");
  for (const button of buttons) button.disabled = true;
  toast.dataset.busy = "true";
  const body = new FormData();
  if (minutes) body.append("minutes", minutes);
  let message;
  let done = false;
  try {
    const response = await fetch(`/doses/${encodeURIComponent(doseId)}/${action}`, {
      method: "POST", body, credentials: "same-origin",
      headers: {Accept: "application/json", "X-CSRFToken": csrfToken()},
    });
    const data = await response.json().catch(() => ({}));
    done = response.ok || response.status === 409;  // 409: already recorded elsewhere
    message = data.message || data.error
      || interpolate(gettext("PulseRx could not do that (%(status)s)."), {status: response.status}, true);
    if ("unread" in data) page.setUnread(data.unread);
  } catch (error) {
    message = gettext("PulseRx is unreachable. Try again in a moment.");
  }
  const note = toast.querySelector(".toast-result") || element("p", {class: "toast-result"});
  note.textContent = message;
  note.setAttribute("tabindex", "-1");
  toast.append(note);
  delete toast.dataset.busy;
  if (done) {
    actions.remove();
    toast.classList.add("toast-done");
    if (hadFocus) note.focus();  // the pressed button is gone: stay on what it did
    page.refreshDose(doseId);
    setTimeout(() => removeToast(toast), DONE_TOAST_MS);
  } else {
    for (const button of buttons) button.disabled = false;
    if (hadFocus) note.focus();
  }
}
