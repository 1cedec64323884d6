// The screen's help: every key of the board (a kitchen's bump bar is a
// keyboard) and the legend of the allergen codes on the tickets. Opened by
// the ? button, or H or ? on the keyboard; Escape closes it.
import { byId as $, h } from '/lib/dom.js';
import { ALLERGENS, allergenCode } from '/lib/allergens.js';

export function openHelp() {
  const dlg = /** @type {HTMLDialogElement} */ ($('help'));
  if (dlg.open) return;
  $('legend').replaceChildren(
    ...ALLERGENS.map((a) => h('li', { dataset: { allergen: a } }, h('span', { class: 'alg' }, allergenCode(a)), h('span', null, a))),
  );
  dlg.showModal();
  /** @type {HTMLElement} */ (dlg.querySelector('.help-close')).focus();
}

export function initHelp() {
  $('help-open').addEventListener('click', openHelp);
}
