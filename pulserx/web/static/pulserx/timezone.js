// The browser's time zone: pre-fills sign-up and settings forms, and tells the server where a
// signed-in person is now (Today asks a patient which clock reminders follow there; a
// caregiver's own clock follows).
// Loaded as a module on every page; does nothing where its hooks are absent.

const browserZone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
})();

function hasOption(select, value) {
  return Array.from(select.options).some((option) => option.value === value);
}

// <select data-timezone-autofill>: choose the browser's zone when nothing is chosen yet.
function autofill() {
  for (const select of document.querySelectorAll("select[data-timezone-autofill]")) {
    if (!select.value && hasOption(select, browserZone)) select.value = browserZone;
  }
}

// Sign-up: the time zone only matters for patient accounts.
function toggleForAccountType() {
  const field = document.querySelector("[data-patient-only]");
  const radios = document.querySelectorAll('input[name="account_type"]');
  if (!field || radios.length === 0) return;
  const update = () => {
    const chosen = document.querySelector('input[name="account_type"]:checked');
    field.hidden = chosen !== null && chosen.value !== "patient";
  };
  radios.forEach((radio) => radio.addEventListener("change", update));
  update();
}

// Today's travel question, fetched when the browser reports a zone nobody chose a clock for.
async function showTravelPrompt() {
  const slot = document.getElementById("travel-slot");
  if (!slot || slot.querySelector(".travel-prompt")) return;
  const response = await fetch(slot.dataset.travelUrl, {credentials: "same-origin"});
  if (response.ok) slot.outerHTML = await response.text();
}

// <body data-timezone-url data-reported-timezone>: report a change of zone, once per change.
// The server never moves reminders on its own: it asks (on Today) which clock to follow.
async function report() {
  const url = document.body.dataset.timezoneUrl;
  if (!url || !browserZone || document.body.dataset.reportedTimezone === browserZone) return;
  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
      body: new URLSearchParams({ timezone: browserZone }),
    });
    if (!response.ok) return;
    const result = await response.json();
    document.body.dataset.reportedTimezone = result.timezone;
    if (result.ask) await showTravelPrompt();
  } catch {
    // Offline or the server is restarting: the next page load tries again.
  }
}

autofill();
toggleForAccountType();
report();
