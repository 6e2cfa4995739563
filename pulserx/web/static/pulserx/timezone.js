// The browser's time zone: pre-fills sign-up and settings forms, and tells the server where a
// signed-in person is now (a patient's "follow the clock where I am" reminders move with them;
// a caregiver's own clock follows).
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

function showToast(title, body) {
  const region = document.getElementById("toasts");
  if (!region) return;
  const toast = document.createElement("div");
  toast.className = "toast";
  const heading = document.createElement("p");
  heading.className = "toast-title";
  heading.textContent = title;
  const text = document.createElement("p");
  text.className = "toast-body";
  text.textContent = body;
  toast.append(heading, text);
  region.append(toast);
  setTimeout(() => toast.remove(), 8000);
}

// <body data-timezone-url data-current-timezone>: report a change of zone, once per change.
async function report() {
  const url = document.body.dataset.timezoneUrl;
  if (!url || !browserZone || document.body.dataset.currentTimezone === browserZone) return;
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
    document.body.dataset.currentTimezone = result.timezone;
    if (result.replanned) {
      showToast("Reminders moved to local time",
        `You are in ${result.timezone.replace(/_/g, " ")}; reminders now follow this clock.`);
    }
  } catch {
    // Offline or the server is restarting: the next page load tries again.
  }
}

autofill();
toggleForAccountType();
report();
