/* Web Push for this browser: register the service worker, subscribe, tell the server.
 *
 *   import {enablePush} from "/static/pulserx/push.js";
 *   button.addEventListener("click", () => enablePush().then(...).catch((e) => show(e.message)));
 *
 * Call enablePush() from a click handler: browsers only show the permission prompt in
 * response to a user gesture. Errors are thrown with a message fit to show the person.
 */

// Words come from Django's JavaScript catalog (/jsi18n/, loaded by base.html before this
// module); English where it is absent.
const gettext = window.gettext || ((text) => text);
const interpolate = window.interpolate
  || ((format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name])));

const SUBSCRIPTIONS = "/push/subscriptions";
const SUBSCRIBE_REFUSED = gettext("This browser did not let PulseRx reach it while PulseRx is " +
  "closed (its push service refused). Check this site's notification settings in the " +
  "browser, then press the button again.");

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/* "unsupported", "denied", "on" (this browser is subscribed) or "off". */
export async function pushState() {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = registration && await registration.pushManager.getSubscription();
  return subscription && Notification.permission === "granted" ? "on" : "off";
}

export async function enablePush() {
  if (!pushSupported()) throw new Error(gettext("This browser cannot show push notifications."));
  // Ask before anything else is awaited: Safari honours the request only inside the gesture.
  const permission = await requestPermission();
  if (permission !== "granted") {
    throw new Error(gettext("Notifications are blocked for this site. Allow them in your browser's site settings, then try again."));
  }
  const registration = await navigator.serviceWorker.register("/sw.js", {scope: "/"});
  await navigator.serviceWorker.ready;
  const response = await fetch("/push/key", {credentials: "same-origin"});
  const key = await response.json();
  if (!response.ok) throw new Error(key.error || gettext("Push notifications are not available."));
  const applicationServerKey = base64UrlToBytes(key.publicKey);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameBytes(subscription.options.applicationServerKey, applicationServerKey)) {
    await subscription.unsubscribe();  // made with an older server key: it would be refused
    subscription = null;
  }
  try {
    subscription = subscription || await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey,
    });
  } catch (refused) {
    // The browser's own words ("Registration failed - permission denied") are for
    // developers; the person is told what it means for them and what to try.
    console.warn("push subscription refused", refused);
    throw new Error(SUBSCRIBE_REFUSED);
  }
  await send("POST", subscription.toJSON());
  return subscription;
}

export async function disablePush() {
  if (!pushSupported()) return;
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = registration && await registration.pushManager.getSubscription();
  if (!subscription) return;
  await send("DELETE", {endpoint: subscription.endpoint});
  await subscription.unsubscribe();
}

function requestPermission() {
  // Older Safari takes a callback and returns nothing; the others return a promise.
  return new Promise((resolve) => {
    const result = Notification.requestPermission(resolve);
    if (result) result.then(resolve);
  });
}

async function send(method, body) {
  const response = await fetch(SUBSCRIPTIONS, {
    method,
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.error || interpolate(
      gettext("Could not save this browser's subscription (%(status)s)."), {status: response.status}, true));
  }
}

function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
}

function base64UrlToBytes(value) {
  const base64 = (value + "=".repeat((4 - (value.length % 4)) % 4))
    .replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function sameBytes(buffer, bytes) {
  if (!buffer) return false;
  const other = new Uint8Array(buffer);
  return other.length === bytes.length && other.every((b, i) => b === bytes[i]);
}
