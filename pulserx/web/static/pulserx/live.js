/* Live reminders on every signed-in page.
 *
 * One WebSocket to /ws/notifications/, reopened with exponential backoff and jitter. The
 * socket is at-most-once, so on every (re)connect the page asks /inbox/since for what it
 * missed and handles those exactly like live events, once each (deduplicated by
 * notification id). A reminder shows a toast with Take / Skip / Snooze, a browser
 * notification when the page is hidden, bumps the unread badge and refreshes the dose's
 * row wherever the page shows it.
 *
 * It needs nothing from the page but a signed-in user; it reads, when present:
 *   #pulserx-live[data-user-id, data-last-notification-id, data-unread, data-since-url]
 *   body[data-user-id, data-ws-url], #toasts, [data-unread-count] badges,
 *   [data-dose-id][data-refresh-url] (one dose), [data-live-region][data-refresh-url] (a list).
 */

const RETRY_FIRST_MS = 1000;
const RETRY_CAP_MS = 30000;
const PING_EVERY_MS = 25000;
const PONG_WAIT_MS = 10000;

import {configureToasts, showToast, updateToast} from "./toasts.js";

// Words come from Django's JavaScript catalog (/jsi18n/, loaded by base.html before this
// module); English where it is absent.
const gettext = window.gettext || ((text) => text);
const interpolate = window.interpolate
  || ((format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name])));

const page = document.getElementById("pulserx-live");
const userId = document.body.dataset.userId || (page && page.dataset.userId);
const sinceUrl = (page && page.dataset.sinceUrl) || "/inbox/since";
const storageKey = `pulserx:last-notification:${userId}`;

const state = {
  baseline: null,      // ids up to here were already on the page when it loaded
  cursor: null,        // the highest id handled: the next /inbox/since?after=
  seen: new Set(),     // ids handled on this page (live or fetched): never twice
  unread: null,
  socket: null,
  attempt: 0,
  retryTimer: null,
  pingTimer: null,
  pongTimer: null,
  syncing: null,
  syncAgain: false,
};

function readNumber(value) {
  const number = Number.parseInt(value, 10);
  return Number.isFinite(number) && number >= 0 ? number : null;
}

function storedCursor() {
  try {
    return readNumber(sessionStorage.getItem(storageKey));
  } catch (error) {
    return null;  // storage disabled: the page's own value is enough
  }
}

function saveCursor(id) {
  if (state.cursor !== null && id <= state.cursor) return;
  state.cursor = id;
  try {
    sessionStorage.setItem(storageKey, String(id));
  } catch (error) {
    // not fatal: only the next page load's starting point is lost
  }
}

/* --- the connection */

function socketUrl() {
  const path = document.body.dataset.wsUrl || "/ws/notifications/";
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

function setLiveStatus(status) {
  document.documentElement.dataset.live = status;
  const text = {connected: gettext("Live"), connecting: gettext("Connecting…"),
                offline: gettext("Reconnecting…")}[status];
  for (const element of document.querySelectorAll("[data-live-status]")) {
    element.textContent = text || "";
  }
}

function connect() {
  clearTimeout(state.retryTimer);
  state.retryTimer = null;
  if (state.socket && state.socket.readyState <= WebSocket.OPEN) return;
  setLiveStatus("connecting");
  const socket = new WebSocket(socketUrl());
  state.socket = socket;
  socket.addEventListener("open", () => {
    state.attempt = 0;
    setLiveStatus("connected");
    startHeartbeat(socket);
    sync();  // whatever was published while there was no socket
  });
  socket.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    handleEvent(event);
  });
  socket.addEventListener("close", () => {
    stopHeartbeat();
    if (state.socket !== socket) return;
    state.socket = null;
    setLiveStatus("offline");
    scheduleReconnect();
  });
}

/* 1 s, 2 s, 4 s … capped at 30 s, each drawn from [50 %, 100 %] of the step so that many
 * pages dropped by one server restart do not all come back in the same instant. */
function scheduleReconnect() {
  if (state.retryTimer) return;
  const step = Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** state.attempt);
  const delay = step / 2 + Math.random() * (step / 2);
  state.attempt += 1;
  state.retryTimer = setTimeout(connect, delay);
}

function reconnectNow() {
  if (state.socket && state.socket.readyState <= WebSocket.OPEN) return;
  state.attempt = 0;
  connect();
}

/* A socket can die silently (a laptop asleep, a proxy dropping idle connections): a ping
 * left unanswered closes it, which reconnects and re-syncs. */
function startHeartbeat(socket) {
  stopHeartbeat();
  state.pingTimer = setInterval(() => {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({type: "ping"}));
    clearTimeout(state.pongTimer);
    state.pongTimer = setTimeout(() => socket.close(), PONG_WAIT_MS);
  }, PING_EVERY_MS);
}

function stopHeartbeat() {
  clearInterval(state.pingTimer);
  clearTimeout(state.pongTimer);
}

/* --- catching up */

async function fetchSince(after) {
  const url = after === null ? sinceUrl : `${sinceUrl}?after=${after}`;
  const response = await fetch(url, {
    credentials: "same-origin", headers: {Accept: "application/json"},
  });
  if (!response.ok) throw new Error(`inbox/since answered ${response.status}`);
  return response.json();
}

/* Fetch every notification after the cursor, oldest first; one sync at a time (a second
 * request made meanwhile runs once the first ends). */
function sync() {
  if (state.syncing) {
    state.syncAgain = true;
    return state.syncing;
  }
  state.syncing = (async () => {
    try {
      let more = true;
      while (more) {
        const data = await fetchSince(state.cursor);
        if (state.cursor === null) {  // nothing known yet: start from the newest
          state.baseline = data.last_id;
          saveCursor(data.last_id);
          more = false;
        } else {
          for (const event of data.notifications) handleNotification(event);
          more = Boolean(data.more) && data.notifications.length > 0;
        }
        setUnread(data.unread);
      }
    } catch (error) {
      // signed out or offline: the next reconnect tries again
    } finally {
      state.syncing = null;
      if (state.syncAgain) {
        state.syncAgain = false;
        sync();
      }
    }
  })();
  return state.syncing;
}

/* --- events */

function handleEvent(event) {
  if (!event || typeof event !== "object") return;
  if (event.type === "pong") {
    clearTimeout(state.pongTimer);
  } else if (event.kind === "notification") {
    if (handleNotification(event)) setUnread((state.unread || 0) + 1);
  } else if (event.kind === "dose") {
    updateToast(event);
    withdrawSystemNotifications(event);
    refreshDose(event.dose_id, event.patient_id);
    refreshAdherence(event.patient_id);
    sync();  // recording a dose marks its reminders read: fetch the true unread count
  }
}

/* Returns true the first time a notification is handled on this page. */
function handleNotification(event) {
  const id = readNumber(event.id);
  if (id === null || state.seen.has(id) || (state.baseline !== null && id <= state.baseline)) {
    return false;
  }
  state.seen.add(id);
  saveCursor(id);
  showToast(event);
  if (!event.quiet) showSystemNotification(event);  // quiet hours: silent, in-page only
  refreshDose(event.dose_id, event.patient_id);
  return true;
}

/* --- the page: badge, rows, regions */

function setUnread(count) {
  const value = readNumber(count);
  if (value === null) return;
  state.unread = value;
  for (const badge of document.querySelectorAll("[data-unread-count]")) {
    badge.textContent = String(value);
    badge.hidden = value === 0;
  }
  for (const text of document.querySelectorAll("[data-unread-text]")) {
    text.textContent = value
      ? interpolate(gettext("%(count)s unread"), {count: value}, true) : gettext("All read");
  }
  document.title = (value ? `(${value}) ` : "") + document.title.replace(/^\(\d+\) /, "");
}

/* The element is also the request's source: htmx lets one request per source run at once
 * and drops the rest, so without it a row's refresh would drop the adherence card's. */
function swapFrom(element, url) {
  if (window.htmx) {
    return window.htmx.ajax("GET", url, {source: element, target: element, swap: "outerHTML"});
  }
  return fetch(url, {credentials: "same-origin"}).then((response) => {
    if (!response.ok) return;
    return response.text().then((html) => { element.outerHTML = html; });
  });
}

/* Re-render what shows this dose: the inbox lists whole (a new item, read marks), each
 * row outside them, and a day's timeline that does not show the dose yet (a test reminder,
 * a dose planned since the page loaded). */
function aboutPatient(region, patientId) {
  return !patientId || !region.dataset.patientId || region.dataset.patientId === String(patientId);
}

function refreshAdherence(patientId) {
  for (const card of document.querySelectorAll('[data-live-region="adherence"]')) {
    if (aboutPatient(card, patientId)) swapFrom(card, card.dataset.refreshUrl).catch(() => {});
  }
}

function refreshDose(doseId, patientId) {
  const lists = Array.from(document.querySelectorAll('[data-live-region="notifications"]'));
  for (const list of lists) swapFrom(list, list.dataset.refreshUrl).catch(() => {});
  if (!doseId) return;
  const selector = `[data-dose-id="${CSS.escape(String(doseId))}"]`;
  for (const row of document.querySelectorAll(selector)) {
    if (row.dataset.refreshUrl && !lists.some((list) => list.contains(row))) {
      const said = recentWords(row);
      swapFrom(row, row.dataset.refreshUrl).then(() => keepWords(row.id, said)).catch(() => {});
    }
  }
  for (const timeline of document.querySelectorAll('[data-live-region="doses"]')) {
    if (!timeline.querySelector(selector) && aboutPatient(timeline, patientId)) {
      swapFrom(timeline, timeline.dataset.refreshUrl).catch(() => {});
    }
  }
}

/* What the person's own action just said in a row ("Corrected: not recorded.", a refusal):
 * the live event that action causes re-renders the row a moment later, and the words must
 * not vanish before they are read. Kept through refreshes for SAID_FOR_MS after the first. */
const SAID_FOR_MS = 10000;

function recentWords(row) {
  const said = Array.from(row.querySelectorAll(".dose-notice, .dose-error"));
  const now = Date.now();
  for (const words of said) words.dataset.firstRefresh ||= String(now);
  return said.filter((words) => now - Number(words.dataset.firstRefresh) < SAID_FOR_MS);
}

function keepWords(rowId, said) {
  const row = rowId && document.getElementById(rowId);
  if (!row || !said.length || row.querySelector(".dose-notice, .dose-error")) return;
  const actions = row.querySelector(".dose-actions");
  for (const words of said) {
    if (actions) actions.before(words); else row.append(words);
  }
}

/* --- the browser's own notification, for a page in the background */

function showSystemNotification(event) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  if (document.visibilityState !== "hidden") return;
  // The same tag as the push notification (sw.js): one reminder, one notification.
  const tag = event.dose_id ? `dose-${event.dose_id}` : `notification-${event.id}`;
  const options = {body: event.body || "", tag, icon: "/static/pulserx/icons/icon-192.png"};
  try {
    const shown = new Notification(event.title || "PulseRx", options);
    shown.addEventListener("click", () => { window.focus(); shown.close(); });
  } catch (error) {
    // Android Chrome only allows notifications through the service worker.
    if (navigator.serviceWorker) {
      navigator.serviceWorker.getRegistration().then((registration) => {
        if (registration) registration.showNotification(event.title || "PulseRx", options);
      }).catch(() => {});
    }
  }
}

/* A dose recorded (here or elsewhere, by anyone): its reminders shown by the service worker
 * on this device go too (the server also replaces pushed ones: notifications/withdraw.py). */
function withdrawSystemNotifications(event) {
  if (!["taken", "skipped"].includes(event.status) || !navigator.serviceWorker) return;
  navigator.serviceWorker.getRegistration().then((registration) => {
    if (!registration) return undefined;
    return registration.getNotifications({tag: `dose-${event.dose_id}`})
      .then((shown) => shown.forEach((notification) => notification.close()));
  }).catch(() => {});
}

/* --- start */

function start() {
  if (!userId || !("WebSocket" in window)) return;
  configureToasts({setUnread, refreshDose});
  const fromPage = page ? readNumber(page.dataset.lastNotificationId) : null;
  state.baseline = fromPage;
  state.cursor = fromPage !== null ? fromPage : storedCursor();
  if (fromPage !== null) saveCursor(fromPage);
  if (page) setUnread(page.dataset.unread);
  document.body.addEventListener("pulserx:unread", (event) => setUnread(event.detail.count));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (state.socket && state.socket.readyState === WebSocket.OPEN) sync();
    else reconnectNow();
  });
  window.addEventListener("online", reconnectNow);
  window.addEventListener("pageshow", (event) => { if (event.persisted) reconnectNow(); });
  connect();
}

start();
