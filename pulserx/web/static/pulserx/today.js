/* The Today page: the "Enable notifications" button.
 *
 * The permission prompt must come from a click (browsers ignore it otherwise). Web Push
 * (push.js, when the site has it) then keeps reminders coming with the page closed; without
 * it, reminders still show as browser notifications while this page is open in the background.
 */

// Words come from Django's JavaScript catalog (/jsi18n/, loaded by base.html before this
// module); English where it is absent.
const gettext = window.gettext || ((text) => text);

const button = document.getElementById("enable-notifications");
const status = document.getElementById("notification-status");

function say(text) {
  status.textContent = text;
  status.hidden = !text;
}

function describePermission() {
  if (Notification.permission === "granted") return gettext("Notifications are on for this browser.");
  if (Notification.permission === "denied") {
    return gettext("Notifications are blocked for this site. Allow them in your browser's site settings.");
  }
  return "";
}

async function loadPush() {
  const url = button.dataset.pushModule;
  if (!url) return null;
  try {
    return await import(url);
  } catch (error) {
    return null;  // this deployment has no Web Push: in-page notifications only
  }
}

async function enable() {
  button.disabled = true;
  try {
    // Ask first, inside the click: Safari drops a prompt that follows an await.
    // Older Safari answers through a callback and returns nothing: read the result after.
    const permission = (await Notification.requestPermission()) || Notification.permission;
    if (permission !== "granted") {
      say(describePermission() || gettext("Notifications stay off. You can turn them on any time."));
      return;
    }
    const push = await loadPush();
    if (push && typeof push.enablePush === "function") {
      try {
        await push.enablePush();
      } catch (error) {
        // In-page notifications work already; say so first, then why push does not.
        const why = error && error.message ? ` ${error.message}` : "";
        say(gettext("Notifications are on only while PulseRx is open in this browser, not when it is closed.") + why);
        return;
      }
      say(gettext("Notifications are on. Reminders reach this device even when PulseRx is closed."));
    } else {
      say(gettext("Notifications are on while PulseRx is open in this browser."));
    }
  } catch (error) {
    say(error && error.message ? error.message : gettext("Notifications could not be turned on."));
  } finally {
    button.disabled = false;
  }
}

if (button && status && "Notification" in window) {
  button.hidden = false;
  if (Notification.permission === "granted") button.textContent = gettext("Notifications on: check again");
  say(describePermission());
  button.addEventListener("click", enable);
}
