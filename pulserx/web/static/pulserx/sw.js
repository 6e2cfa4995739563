/* PulseRx service worker, served at /sw.js so that its scope is the whole site.
 *
 * It shows the Web Push reminders that arrive while no PulseRx page is open, and runs the
 * Take / Snooze / Skip buttons on them. The push payload (see webpush.push_payload) is
 * {id, kind, title, body, tag, dose_id, actions: [{action, title, minutes?}], url, action_token?}.
 * A button POSTs to /push/action with the session cookie and `action_token`, the signed
 * per-dose token that stands in for the CSRF token a service worker cannot read.
 */
"use strict";

const ICON = "/static/pulserx/icons/icon-192.png";
const BADGE = "/static/pulserx/icons/badge-96.png";
const FALLBACK = {title: "PulseRx", body: "Open PulseRx to see your reminders.", url: "/"};

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function maxActions() {
  return (self.Notification && self.Notification.maxActions) || 2;
}

self.addEventListener("push", (event) => {
  let message = FALLBACK;
  try {
    message = (event.data && event.data.json()) || FALLBACK;
  } catch (error) {
    // Not JSON: still show something, a push must always end in a visible notification.
  }
  const actions = (message.actions || []).slice(0, maxActions());
  const data = {
    id: message.id, dose_id: message.dose_id, url: message.url || "/",
    token: message.action_token, actions,
  };
  event.waitUntil(self.registration.showNotification(message.title || FALLBACK.title, {
    body: message.body || "",
    tag: message.tag,  // "dose-<id>": the in-page notification for the same dose replaces it
    renotify: Boolean(message.tag) && !message.silent,
    silent: Boolean(message.silent),  // a withdrawn reminder: replaced quietly, not rung again
    requireInteraction: actions.length > 0,
    icon: ICON,
    badge: BADGE,
    data,
    actions: actions.map(({action, title}) => ({action, title})),
  }));
});

self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  const data = notification.data || {};
  notification.close();
  if (event.action && data.dose_id && data.token) {
    event.waitUntil(act(data, event.action).then((done) => done || openApp(data.url)));
  } else {
    event.waitUntil(openApp(data.url));
  }
});

/* True when the server recorded the action (or the dose was already recorded). Anything
 * else (signed out, expired buttons, offline) opens the app so the person can act there. */
async function act(data, action) {
  const spec = (data.actions || []).find((a) => a.action === action) || {};
  const body = {dose_id: data.dose_id, action, token: data.token};
  if (action === "snooze") body.minutes = spec.minutes || 10;
  try {
    const response = await fetch("/push/action", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body),
    });
    return response.ok || response.status === 409;
  } catch (error) {
    return false;
  }
}

async function openApp(url) {
  let target = new URL(url || "/", self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  const windows = await self.clients.matchAll({type: "window", includeUncontrolled: true});
  const open = windows.find((client) => new URL(client.url).origin === target.origin);
  if (open && "focus" in open) return open.focus();
  return self.clients.openWindow(target.href);
}

/* The browser replaced or dropped our subscription (key rotation, expiry): subscribe again
 * and tell the server. The CSRF token comes from /push/key, as cookies are out of reach. */
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(resubscribe(event.oldSubscription, event.newSubscription));
});

async function resubscribe(oldSubscription, newSubscription) {
  const keyResponse = await fetch("/push/key", {credentials: "same-origin"});
  if (!keyResponse.ok) return;
  const {publicKey, csrfToken} = await keyResponse.json();
  const subscription = newSubscription || await self.registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: base64UrlToBytes(publicKey),
  });
  const headers = {"Content-Type": "application/json", "X-CSRFToken": csrfToken};
  const send = (method, body) => fetch("/push/subscriptions", {
    method, credentials: "same-origin", headers, body: JSON.stringify(body),
  });
  if (oldSubscription && oldSubscription.endpoint !== subscription.endpoint) {
    await send("DELETE", {endpoint: oldSubscription.endpoint});
  }
  await send("POST", subscription.toJSON());
}

function base64UrlToBytes(value) {
  const base64 = (value + "=".repeat((4 - (value.length % 4)) % 4))
    .replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
