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
