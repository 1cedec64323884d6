// 86 from the kitchen: the chef takes a dish off the menu when it runs out
// (and brings it back) from the TV, with a confirming step. The box tells
// every screen over the menu room at once; new orders of it are refused.
import { ApiError } from '/lib/api.js';
import { byId as $, h } from '/lib/dom.js';
import { menuItems, keepItem, atStation } from './state.js';
import { auth } from './data.js';
import { ask } from './confirm.js';
import { toast } from './actions.js';
import { schedule } from './board.js';

/** The dishes of this screen's stations, in the menu's order. */
const ours = () => [...menuItems.values()].filter((it) => !it.deleted && atStation(it.station));

export function open86() {
  const dlg = /** @type {HTMLDialogElement} */ ($('e86'));
  if (dlg.open) return;
  $('e86-msg').textContent = '';
  dlg.showModal();
  draw86();
  const first = /** @type {HTMLElement|null} */ (dlg.querySelector('.e86-item.out') || dlg.querySelector('.e86-item'));
  (first || /** @type {HTMLElement} */ (dlg.querySelector('.e86-close'))).focus();
}

/** What the open list shows now, to redraw it only when a dish changed. */
let drawn = '';

/** draw86 shows how many dishes are 86'd on the header button, and the open list. */
export function draw86() {
  const list = ours();
  const out = list.filter((it) => !it.available);
  const btn = $('e86-open');
  btn.textContent = out.length ? `86 · ${out.length}` : '86';
  btn.classList.toggle('has-86', out.length > 0);
  btn.setAttribute('aria-label', out.length ? `86 · ${out.length} dishes off the menu` : '86 list: dishes off the menu');
  btn.title = out.length ? `86'd: ${out.map((it) => it.name).join(', ')} (M)` : '86 a dish or bring it back (M)';
  const dlg = /** @type {HTMLDialogElement} */ ($('e86'));
  if (!dlg.open) {
    drawn = '';
    return;
  }
  // Redrawn only when a dish changed: a button replaced under a finger
  // would swallow the tap.
  const sig = list.map((it) => `${it.id}:${it.available}:${it.name}`).join('|');
  if (sig === drawn) return;
  drawn = sig;
  const focused = /** @type {HTMLElement|null} */ (document.activeElement)?.dataset?.itemId;
  $('e86-list').replaceChildren(
    ...list.map((it) =>
      h(
        'button',
        {
          class: 'e86-item' + (it.available ? '' : ' out'),
          type: 'button',
          dataset: { itemId: it.id },
          'aria-pressed': it.available ? 'false' : 'true',
          onclick: () => toggle86(it.id),
        },
        h('span', { class: 'e86-name' }, it.name),
        it.available ? null : h('span', { class: 'e86-tag' }, "86'd"),
      ),
    ),
  );
  if (!list.length) $('e86-list').append(h('p', { class: 'e86-lead' }, 'No dishes for this screen yet.'));
  if (focused) /** @type {HTMLElement|null} */ ($('e86-list').querySelector(`[data-item-id="${focused}"]`))?.focus();
}

/** say tells the outcome where the chef looks: in the list while it is open. */
function say(msg) {
  if (/** @type {HTMLDialogElement} */ ($('e86')).open) $('e86-msg').textContent = msg;
  else toast(msg);
}

async function toggle86(id) {
  const it = menuItems.get(id);
  if (!it) return;
  const back = !it.available;
  const ok = await ask(
    back
      ? { title: `Bring back ${it.name}?`, text: 'Guests and waiters can order it again, on every screen.', yes: 'Bring it back' }
      : {
          title: `86 ${it.name}?`,
          text: 'Nobody can order it until you bring it back: the iPads and the staff app show it sold out at once.',
          yes: '86 it',
          danger: true,
        },
  );
  if (ok) {
    try {
      const res = await auth.call('PATCH', `/api/menu/items/${id}/availability`, { available: back });
      keepItem(res && typeof res.id === 'number' ? res : { ...it, available: back });
      say(back ? `${it.name} is back on the menu.` : `${it.name} is 86'd.`);
    } catch (err) {
      const why = err instanceof ApiError ? (err.status === 0 ? 'the box cannot be reached' : err.message || err.code) : String(err);
      say(`Could not change ${it.name}: ${why}`);
    }
    schedule();
  }
  draw86();
  /** @type {HTMLElement|null} */ ($('e86-list').querySelector(`[data-item-id="${id}"]`))?.focus();
}

/** Arrow keys move between the dishes, as on the board. */
function onListKey(e) {
  const items = /** @type {HTMLElement[]} */ ([...$('e86-list').querySelectorAll('.e86-item')]);
  const at = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
  if (!items.length) return;
  const cols = getComputedStyle($('e86-list')).gridTemplateColumns.split(' ').length || 1;
  const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols }[e.key];
  if (!step) return;
  e.preventDefault();
  const next = at < 0 ? 0 : Math.min(items.length - 1, Math.max(0, at + step));
  items[next].focus();
}

export function init86() {
  $('e86-open').addEventListener('click', open86);
  $('e86').addEventListener('keydown', onListKey);
}

/** onMenuItem applies a menu:updated event. */
export function onMenuItem(it) {
  keepItem(it);
  draw86();
}
