// The allergen filter: guests say once what they must avoid ("no nuts, no
// gluten"), chosen from the EU's fourteen only, and the menu shows the
// dishes that fit, with how many it hides and one tap to show them all
// again. The choice lasts for the table's visit (kept on the iPad with the
// table's id) and is dropped with the cart when the next party comes.
import { h, fill, byId as $ } from '/lib/dom.js';
import { ALLERGENS } from '/lib/allergens.js';
import { renderMenu } from './menu.js';
import { closeSheet, renderSheet } from './sheet.js';
import { openSide, renderSide, setView } from './side.js';
import { S, load, store, t } from './state.js';

export const AVOID_KEY = 'rms.table.avoid';

/** loadAvoid takes the table's saved choice back after a reload. */
export function loadAvoid() {
  const saved = load(AVOID_KEY);
  const list = saved && saved.table_id === S.tableId && Array.isArray(saved.avoid) ? saved.avoid : [];
  S.avoid = new Set(list.filter((a) => ALLERGENS.includes(a)));
}

function saveAvoid() {
  store(AVOID_KEY, S.avoid.size ? { table_id: S.tableId, avoid: [...S.avoid] } : null);
}

/** allergenName is an allergen of the list in the guests' language. */
export const allergenName = (a) => t('al_' + a);

/** dishAllergens are a dish's allergens that are on the list (never free text). */
export function dishAllergens(it) {
  const have = new Set((it.allergens || []).map((a) => String(a).trim().toLowerCase()));
  return ALLERGENS.filter((a) => have.has(a));
}

/** fits tells whether a dish has none of the allergens the guests avoid. */
export function fits(it) {
  return !S.avoid.size || !dishAllergens(it).some((a) => S.avoid.has(a));
}

/** allergenChips shows a dish's allergens, translated, for a card or a sheet. */
export function allergenChips(it) {
  return h('div', { class: 'allergens' }, dishAllergens(it).map((a) => h('span', { class: 'allergen', 'data-allergen': a }, allergenName(a))));
}

/**
 * avoidedIn names what of the guests' filter a dish contains, for a line
 * already in the cart ('' when it fits).
 */
export function avoidedIn(it) {
  if (!it || !S.avoid.size) return '';
  return dishAllergens(it).filter((a) => S.avoid.has(a)).map(allergenName).join(', ');
}

/** setAvoid changes the choice and shows the menu that fits it. */
export function setAvoid(list) {
  S.avoid = new Set(list.filter((a) => ALLERGENS.includes(a)));
  saveAvoid();
  renderAllergyButton();
  renderMenu();
  renderSide();
  if (S.sheet && S.sheet.kind === 'allergy') renderSheet();
}

export function clearAvoid() {
  setAvoid([]);
}

function toggle(a) {
  const next = new Set(S.avoid);
  if (next.has(a)) next.delete(a);
  else next.add(a);
  setAvoid([...next]);
}

/** avoidList names the chosen allergens in the list's order. */
export function avoidList() {
  return ALLERGENS.filter((a) => S.avoid.has(a)).map(allergenName).join(', ');
}

/** renderAllergyButton labels the filter's button: off, or how many are avoided. */
export function renderAllergyButton() {
  const btn = $('btn-allergy');
  if (!btn) return;
  const on = S.avoid.size > 0;
  btn.classList.toggle('is-on', on);
  btn.setAttribute('aria-pressed', on ? 'true' : 'false');
  fill(btn, h('span', { class: 'allergy-ico', 'aria-hidden': 'true' }, on ? '✓' : '⚠'), h('span', null, on ? t('allergy_on', { n: S.avoid.size }) : t('allergy_button')));
}

export function openAllergy() {
  S.sheet = { kind: 'allergy' };
  renderSheet();
}

/** filterBar says the filter is on, what it hides, and clears it with one tap. */
export function filterBar(hidden) {
  if (!S.avoid.size) return null;
  return h(
    'div',
    { class: 'filter-bar', id: 'filter-bar', role: 'status' },
    h(
      'p',
      { class: 'filter-text' },
      h('strong', null, t('filter_on', { list: avoidList() })),
      ' ',
      h('span', { id: 'filter-hidden', 'data-hidden': hidden }, t('filter_hidden', { n: hidden })),
    ),
    h('button', { class: 'btn btn-secondary filter-clear', id: 'filter-clear', type: 'button', onclick: clearAvoid }, t('filter_clear')),
  );
}

/** allergySheet is the filter's sheet: the fourteen chips and the word about the kitchen. */
export function allergySheet(sheet) {
  sheet.classList.remove('has-photo');
  sheet.append(
    h('h2', { class: 'sheet-title' }, t('allergy_title')),
    h('p', { class: 'sheet-sub' }, t('allergy_lead')),
    h(
      'div',
      { class: 'avoid-chips', role: 'group', 'aria-label': t('allergy_title') },
      ALLERGENS.map((a) =>
        h(
          'button',
          {
            class: 'avoid-chip' + (S.avoid.has(a) ? ' is-on' : ''),
            type: 'button',
            'data-avoid': a,
            'aria-pressed': S.avoid.has(a) ? 'true' : 'false',
            onclick: () => toggle(a),
          },
          h('span', { class: 'avoid-mark', 'aria-hidden': 'true' }),
          allergenName(a),
        ),
      ),
    ),
    h(
      'div',
      { class: 'allergy-tell' },
      h('p', null, t('allergy_tell')),
      h('button', { class: 'btn btn-quiet', id: 'allergy-note', type: 'button', onclick: toNote }, t('allergy_note_button')),
    ),
    h(
      'div',
      { class: 'sheet-actions' },
      S.avoid.size ? h('button', { class: 'btn btn-secondary btn-xl', id: 'allergy-clear', type: 'button', onclick: clearAvoid }, t('filter_clear')) : null,
      h('button', { class: 'btn btn-primary btn-xl', id: 'allergy-done', type: 'button', onclick: closeSheet }, t('allergy_done')),
    ),
  );
}

// The note for the kitchen is where an allergy is told: the cart opens on
// it (its field shows once something is in the cart).
function toNote() {
  closeSheet();
  setView('cart');
  openSide();
  const note = $('order-note');
  if (note) note.focus();
}
