/* The medication form, enhanced: "Add another time" clones a row in place (without
 * JavaScript it posts the form back for one more row), each row gets a Remove button, and
 * only the options of the chosen recurrence are shown. */

const form = document.querySelector("[data-medication-form]");

function showRecurrenceOptions() {
  const chosen = form.querySelector('input[name="recurrence"]:checked');
  const value = chosen ? chosen.value : "daily";
  for (const group of form.querySelectorAll("[data-recurrence-for]")) {
    group.hidden = !group.dataset.recurrenceFor.split(" ").includes(value);
  }
  for (const group of form.querySelectorAll("[data-recurrence-hide]")) {
    group.hidden = group.dataset.recurrenceHide.split(" ").includes(value);
  }
}

function rows() {
  return form.querySelector("[data-time-rows]");
}

function updateRemoveButtons() {
  const all = rows().querySelectorAll("[data-time-row]");
  for (const row of all) {
    row.querySelector("[data-remove-time]").hidden = all.length < 2;
  }
}

function addRow() {
  const template = document.getElementById("time-row-template");
  const row = template.content.firstElementChild.cloneNode(true);
  rows().append(row);
  updateRemoveButtons();
  row.querySelector('input[name="time"]').focus();
}

if (form) {
  form.addEventListener("change", (event) => {
    if (event.target.name === "recurrence") showRecurrenceOptions();
  });
  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-time]");
    if (add) {
      event.preventDefault();
      addRow();
      return;
    }
    const remove = event.target.closest("[data-remove-time]");
    if (remove) {
      const row = remove.closest("[data-time-row]");
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      updateRemoveButtons();
      if (next) next.querySelector('input[name="time"]').focus();
    }
  });
  showRecurrenceOptions();
  updateRemoveButtons();
}
