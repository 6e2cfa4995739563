// Passkeys (WebAuthn): signing in with one (the button, or the email field's autofill), using
// one instead of the two-step code, and making one in Settings. The server's options are JSON
// with base64url bytes; the browser's API wants ArrayBuffers, and its answer goes back as
// base64url JSON in a form field, posted as an ordinary form (the server answers with a page,
// and any refusal as a message on it).
// Loaded as a module where a page has passkey forms; does nothing elsewhere.

// Words from Django's JavaScript catalog (/jsi18n/, loaded by base.html); English without it.
const gettext = window.gettext || ((text) => text);
const supported = Boolean(window.PublicKeyCredential && navigator.credentials);

function toBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withIds(descriptors) {
  return (descriptors || []).map((d) => ({ ...d, id: toBytes(d.id) }));
}

function creationOptions(json) {
  return {
    ...json,
    challenge: toBytes(json.challenge),
    user: { ...json.user, id: toBytes(json.user.id) },
    excludeCredentials: withIds(json.excludeCredentials),
  };
}

function requestOptions(json) {
  return { ...json, challenge: toBytes(json.challenge), allowCredentials: withIds(json.allowCredentials) };
}

function credentialJSON(credential) {
  const r = credential.response;
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData);
    response.signature = toBase64url(r.signature);
    if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
  }
  return JSON.stringify({
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
  });
}

// The server's own refusal, already in the reader's language.
class Refusal extends Error {}

async function fetchOptions(form) {
  const response = await fetch(form.dataset.passkeyGet, {
    method: "POST",
    headers: { "X-CSRFToken": form.elements.csrfmiddlewaretoken.value, Accept: "application/json" },
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Refusal(body.error || gettext("Passkeys are not available right now. Try again later."));
  return body;
}

// The device's refusal, in words: the person closed the prompt or took too long (NotAllowedError),
// the device already holds a passkey of this account (InvalidStateError), or the browser does
// not allow passkeys at this address (SecurityError: an IP address, plain http elsewhere than
// localhost).
function failure(error, making) {
  if (error instanceof Refusal) return error.message;
  const name = error && error.name;
  if (name === "InvalidStateError") return gettext("This device already has a passkey for your account.");
  if (name === "SecurityError") return gettext("This browser does not allow passkeys at this address.");
  if (name === "NotAllowedError") {
    return making ? gettext("No passkey was made. Try again when you are ready.") : gettext("No passkey was used. Try again, or sign in with your password.");
  }
  return gettext("Something went wrong with the passkey. Try again.");
}

function showStatus(form, text) {
  const status = form.querySelector("[data-passkey-status]");
  if (status) status.textContent = text;
}

// Every ceremony ends here: the device's answer goes to the server in the form, which
// answers with the next page (or the same page with the refusal as a message).
function send(form, credential) {
  form.querySelector("button").disabled = true;
  form.elements.credential.value = credentialJSON(credential);
  form.submit();
}

// Autofill (WebAuthn conditional mediation): on the sign-in page, the email field's
// suggestions list the device's passkeys for the site; the request waits, unseen, until the
// person picks one. The browser allows one pending request, so any other ceremony stops it
// first. The server keeps one challenge per ceremony: the options asked for next replace this
// request's challenge, so they are only asked for once this request's options have arrived.
const autofill = { form: null, controller: null, asked: Promise.resolve() };
const CHALLENGE_LASTS = 5 * 60 * 1000; // passkeys.CHALLENGE_FOR, if the options leave it out
let conditionalAvailable = null;

function offerInAutofill() {
  const { form } = autofill;
  const controller = new AbortController();
  conditionalAvailable ||= Promise.resolve(Boolean(PublicKeyCredential.isConditionalMediationAvailable)
    && PublicKeyCredential.isConditionalMediationAvailable());
  const asked = conditionalAvailable.then((available) =>
    available && !controller.signal.aborted ? fetchOptions(form) : null);
  Object.assign(autofill, { controller, asked: asked.catch(() => {}) });
  asked
    .then((options) => {
      if (!options || controller.signal.aborted) return null;
      // The request may wait longer than its challenge lasts: ask again before it ends.
      setTimeout(() => renewAutofill(controller), (options.timeout || CHALLENGE_LASTS) * 0.9);
      return navigator.credentials.get({ publicKey: requestOptions(options), mediation: "conditional", signal: controller.signal });
    })
    .then((credential) => {
      if (credential && !controller.signal.aborted) send(form, credential);
    })
    .catch((error) => {
      // Stopped for another ceremony, or the person's own doing: nothing to say.
      if (controller.signal.aborted || (error && error.name === "NotAllowedError")) return;
      showStatus(form, failure(error, false));
    });
}

async function stopAutofill() {
  if (autofill.controller) autofill.controller.abort();
  autofill.controller = null;
  await autofill.asked;
}

async function renewAutofill(controller) {
  if (autofill.controller !== controller) return;
  await stopAutofill();
  offerInAutofill();
}

function ceremony(form, run, making) {
  const button = form.querySelector("button");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    showStatus(form, gettext("Waiting for your passkey…"));
    try {
      await stopAutofill();
      send(form, await run());
    } catch (error) {
      showStatus(form, failure(error, making));
      button.disabled = false;
      if (autofill.form) offerInAutofill();
    }
  });
}

for (const element of document.querySelectorAll("[data-passkey-unsupported]")) element.hidden = supported;

if (supported) {
  for (const form of document.querySelectorAll("form[data-passkey-get]")) {
    form.hidden = false;
    ceremony(form, async () => navigator.credentials.get({ publicKey: requestOptions(await fetchOptions(form)) }), false);
    if ("passkeyAutofill" in form.dataset) {
      autofill.form = form;
      offerInAutofill();
    }
  }
  for (const form of document.querySelectorAll("form[data-passkey-create]")) {
    const options = JSON.parse(document.getElementById(form.dataset.passkeyCreate).textContent);
    ceremony(form, () => navigator.credentials.create({ publicKey: creationOptions(options) }), true);
  }
} else {
  for (const form of document.querySelectorAll("form[data-passkey-create]")) form.querySelector("button").disabled = true;
}
