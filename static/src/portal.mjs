// Progressive enhancement only: every page works without JavaScript.
import { initAll, Radios } from "./govuk-frontend.min.js";

// GOV.UK Frontend's conditional reveal marks each radio that reveals a question with aria-expanded, which ARIA
// does not allow on a radio (axe: aria-allowed-attr, critical; alphagov/govuk-frontend#979). The reveal, and the
// radio's aria-controls pointing at what it reveals, stay; only the attribute ARIA forbids is taken off again.
const syncReveal = Radios.prototype.syncConditionalRevealWithInputState;
Radios.prototype.syncConditionalRevealWithInputState = function syncWithoutAriaExpanded($input) {
  syncReveal.call(this, $input);
  $input.removeAttribute("aria-expanded");
};

initAll();

// accessible-autocomplete puts each suggestion into the page as HTML: every name goes through this first.
const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// The school search: suggestions from the server as the person types; choosing one opens the school's page.
// Enter without choosing one searches, as the form does without JavaScript. Not on the form's error state,
// whose input carries the error message (aria-describedby) the autocomplete's own input would lose.
function enhanceSchoolSearch(autocomplete, input) {
  const form = input.form;
  const url = input.dataset.suggestions;
  const wrapper = document.createElement("div");
  wrapper.className = "portal-autocomplete";
  input.before(wrapper);
  const { id, name, value } = input;
  input.remove();
  let pending;
  autocomplete({
    element: wrapper,
    id,
    name,
    defaultValue: value,
    minLength: 2,
    confirmOnBlur: false,
    showNoOptionsFound: false,
    source(query, populate) {
      pending?.abort();
      pending = new AbortController();
      fetch(`${url}?q=${encodeURIComponent(query)}`, { signal: pending.signal, headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => populate(data.results))
        .catch(() => {}); // an aborted or failed request: the search button still works
    },
    templates: {
      inputValue: (school) => (school ? school.name : ""),
      suggestion: (school) =>
        typeof school === "string"
          ? escapeHtml(school)
          : `${escapeHtml(school.name)}${school.hint ? ` <span class="portal-autocomplete__hint">${escapeHtml(school.hint)}</span>` : ""}`,
    },
    onConfirm: (school) => {
      if (school && school.url) window.location.assign(school.url);
    },
  });
  // Enter in the box itself (no suggestion chosen) searches; the autocomplete would otherwise swallow it.
  wrapper.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Enter" && event.target.tagName === "INPUT") {
        event.preventDefault();
        event.stopPropagation();
        form.requestSubmit();
      }
    },
    true,
  );
}

// The autocomplete's input replaces the field's, and sets aria-describedby to its own hint only: keep the field's
// hint (and any other description) on it too, whenever the autocomplete changes the attribute.
function keepDescribedBy(input, ids) {
  if (!input || !ids) return;
  const apply = () => {
    const current = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    const wanted = [...new Set([...ids.split(/\s+/), ...current])];
    if (wanted.join(" ") !== current.join(" ")) input.setAttribute("aria-describedby", wanted.join(" "));
  };
  apply();
  new MutationObserver(apply).observe(input, { attributes: true, attributeFilter: ["aria-describedby"] });
}

// A long list of people or organisations: type to narrow it. The <select> stays in the form and is what is sent.
// Not on a field in its error state, whose red border and message belong to the <select>.
function enhanceSelect(autocomplete, select) {
  const { id } = select;
  const describedBy = select.getAttribute("aria-describedby");
  const isChoice = (option) => option.value !== "" && option.value !== "0"; // not "Select who will cover"
  const chosen = select.selectedOptions[0];
  autocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: chosen && isChoice(chosen) ? chosen.textContent : "",
    showAllValues: true,
    autoselect: false, // its inline hint is an <input> with no label (axe: label)
    dropdownArrow: () => "",
    source: (query, populate) => {
      const words = query.toLowerCase().split(/\s+/).filter(Boolean);
      populate(
        [...select.options]
          .filter(isChoice)
          .map((option) => option.textContent)
          .filter((text) => words.every((word) => text.toLowerCase().includes(word))),
      );
    },
    templates: {
      inputValue: (text) => text || "",
      suggestion: (text) => escapeHtml(text),
    },
    onConfirm: (text) => {
      const input = document.getElementById(id);
      const option = [...select.options].find((o) => o.textContent === text);
      if (option) option.selected = true;
      else if (input && !input.value.trim()) select.selectedIndex = 0; // cleared: nothing chosen
    },
  });
  keepDescribedBy(document.getElementById(id), describedBy);
}

const searches = [...document.querySelectorAll("input[data-suggestions]:not(.govuk-input--error)")];
const selects = [...document.querySelectorAll("select[data-portal-autocomplete]:not(.govuk-select--error)")];
if (searches.length || selects.length) {
  // A classic script that sets window.accessibleAutocomplete; imported as a module, it still does.
  import("./accessible-autocomplete.min.js").then(() => {
    const autocomplete = window.accessibleAutocomplete;
    searches.forEach((input) => enhanceSchoolSearch(autocomplete, input));
    selects.forEach((select) => enhanceSelect(autocomplete, select));
  });
}

// A long list of checkboxes (the people a meeting may invite by name): a box to type in narrows it. Ticked
// boxes always stay in view, and how many are shown is said politely to screen readers. The box has no name,
// so it is never sent with the form.
document.querySelectorAll("[data-portal-filter]").forEach((container, index) => {
  const items = [...container.querySelectorAll(".govuk-checkboxes__item")];
  if (!items.length) return;
  const group = document.createElement("div");
  group.className = "govuk-form-group";
  const label = document.createElement("label");
  label.className = "govuk-label govuk-label--s";
  label.htmlFor = `portal-filter-${index}`;
  label.textContent = container.dataset.portalFilter;
  const input = document.createElement("input");
  input.className = "govuk-input govuk-!-width-two-thirds";
  input.id = `portal-filter-${index}`;
  input.type = "search";
  input.autocomplete = "off";
  input.spellcheck = false;
  const status = document.createElement("p");
  status.className = "govuk-body-s govuk-!-margin-top-1";
  status.id = `portal-filter-${index}-status`;
  status.setAttribute("aria-live", "polite");
  input.setAttribute("aria-describedby", status.id);
  group.append(label, input, status);
  container.prepend(group);
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    items.forEach((item) => {
      const box = item.querySelector("input");
      const match = (box && box.checked) || words.every((word) => item.textContent.toLowerCase().includes(word));
      item.classList.toggle("govuk-!-display-none", !match); // the class, as the item's display: flex beats [hidden]
      if (match) shown += 1;
    });
    status.textContent = words.length ? `${shown} of ${items.length} people shown` : "";
  });
});
