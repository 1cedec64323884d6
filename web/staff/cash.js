// Cash at the table: quick buttons for what a guest hands over (exact, the
// next round amounts, the next notes) and the change due, shown large until
// the waiter taps Done. Used by the bill (bill.js).
import { h, money, fractionDigits } from './ui.js';

// Round amounts in whole units of the currency: the next multiple of the
// steps (25, 30 for 23.40), then single notes above the total (50, 100).
// Currencies whose unit is worth little count in hundreds.
const HUNDREDS = new Set(['JPY', 'KRW', 'HUF', 'ISK', 'CLP', 'INR', 'RUB', 'CZK', 'TWD', 'PHP', 'THB']);
const STEPS = [5, 10];
const NOTES = [20, 50, 100, 200, 500];

/**
 * noteSuggestions lists what a guest may hand over for totalCents (minor
 * units): the next round amounts and notes above it, smallest first, at
 * most four.
 * @param {number} totalCents
 * @param {string} currency
 * @returns {number[]}
 */
export function noteSuggestions(totalCents, currency) {
  if (!(totalCents > 0)) return [];
  const unit = 10 ** fractionDigits(currency) * (HUNDREDS.has(currency) ? 100 : 1);
  const out = new Set();
  for (const s of STEPS) {
    const step = s * unit;
    const up = Math.ceil(totalCents / step) * step;
    if (up > totalCents) out.add(up);
  }
  for (const n of NOTES) {
    const note = n * unit;
    if (note > totalCents) out.add(note);
  }
  return [...out].sort((a, b) => a - b).slice(0, 4);
}

/**
 * quickCash draws the buttons: Exact, then the suggestions for the amount
 * plus tip; pick(cents) puts one in "Cash given".
 * @param {number} totalCents amount plus tip
 * @param {string} currency
 * @param {number} given what "Cash given" holds now (NaN when empty)
 * @param {(cents: number) => void} pick
 */
export function quickCash(totalCents, currency, given, pick) {
  if (!(totalCents > 0)) return null;
  const btn = (cents, label, key) => h('button.note-btn', {
    type: 'button',
    dataset: { note: key },
    'aria-pressed': String(given === cents),
    onclick: () => pick(cents),
  }, label);
  return h('div.quick-cash', { role: 'group', 'aria-label': 'Cash given' },
    btn(totalCents, 'Exact', 'exact'),
    noteSuggestions(totalCents, currency).map((c) => btn(c, money(c, currency), String(c))));
}

/**
 * changePanel is the change due after a cash payment, large, until the
 * waiter taps Done (done()).
 * @param {{change: number, given: number, paid: number}} c
 * @param {string} currency
 * @param {() => void} done
 */
export function changePanel(c, currency, done) {
  return h('section.change-due', { role: 'alert', 'aria-labelledby': 'change-due-h' },
    h('h2', { id: 'change-due-h' }, 'Change due'),
    h('p.change-amount', null, money(c.change, currency)),
    h('p.change-from', null, `${money(c.given, currency)} given for ${money(c.paid, currency)}`),
    h('button.primary.big', { type: 'button', dataset: { action: 'change-done' }, onclick: done }, 'Done, change given'));
}
