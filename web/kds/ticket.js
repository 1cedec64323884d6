// One ticket as the kitchen sees it: table, age, lines with allergens and
// notes, and the one action it needs next.
import { h } from '/lib/dom.js';
import { allergenCode } from '/lib/allergens.js';
import { S, prefs, menuItems, newUntil, now, stationLines, tableName, startedAt, courseName } from './state.js';
import { start, bump, toggleLine, reprint, acknowledge } from './actions.js';
import { select } from './keys.js';

/** courseLabel names the courses of a ticket of a split order. */
const courseLabel = (o) => (o._courses || []).map(courseName).join(' · ');

/** fmtAge shows a duration as m:ss or h:mm:ss. */
export function fmtAge(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** ageClass colours a ticket by its age against the warn and late minutes. */
export function ageClass(ms) {
  const min = ms / 60000;
  if (min >= prefs.late) return 'age-late';
  if (min >= prefs.warn) return 'age-warn';
  return 'age-ok';
}

/** kitchenPrinters tells whether a kitchen printer could take a reprint. */
function kitchenPrinters() {
  return Boolean(S.printers && S.printers.list().some((p) => p.enabled && p.kind === 'kitchen'));
}

export function renderTicket(o, index) {
  const ghost = o.status === 'cancelled';
  // A held course is shown as coming: no start, no crossing off.
  const held = Boolean(o._held);
  const inert = ghost || held;
  const age = now() - Date.parse(startedAt(o));
  const lines = stationLines(o);
  const selected = o.id === S.selectedId;
  const cls = [
    'ticket',
    'st-' + o.status,
    ageClass(age),
    selected && 'selected',
    held && 'held',
    (newUntil.get(o._key) || newUntil.get(o.id) || 0) > Date.now() && 'flash-new',
  ].filter(Boolean).join(' ');
  const statusLabel = held ? 'COMING' : { confirmed: 'NEW', preparing: 'COOKING', cancelled: 'CANCELLED' }[o.status] || o.status;
  const items = lines.map((it, i) => {
    const allergens = menuItems.get(it.menu_item_id)?.allergens || [];
    return h(
      'div',
      {
        class: ['line', it.done && 'done', selected && !held && i === S.cursorLine && 'cursor'].filter(Boolean).join(' '),
        dataset: { item: it.id },
        role: 'button',
        'aria-pressed': it.done ? 'true' : 'false',
        onclick: inert ? null : (e) => {
          e.stopPropagation();
          S.selectedId = o.id;
          S.cursorLine = i;
          toggleLine(o.id, it.id);
        },
      },
      h('span', { class: 'qty' }, `${it.quantity}×`, it.seat ? h('small', { class: 'seat' }, ` s${it.seat}`) : null),
      h('span', { class: 'what' }, h('span', { class: 'name' }, it.name), algCodes(allergens)),
      mods(it),
      it.notes ? h('span', { class: 'note' + (allergyNote(it.notes) ? ' note-allergy' : '') }, allergyNote(it.notes) ? '⚠ ' : '', it.notes) : null,
    );
  });
  const action = ghost
    ? h('button', { class: 'btn act act-ack', type: 'button', onclick: (e) => (e.stopPropagation(), acknowledge(o.id)) }, 'Seen ✓')
    : held
      ? null
      : o.status === 'confirmed'
        ? h('button', { class: 'btn act act-start', type: 'button', onclick: (e) => (e.stopPropagation(), start(o.id)) }, 'Start')
        : h('button', { class: 'btn act act-bump', type: 'button', onclick: (e) => (e.stopPropagation(), bump(o.id, o._view ? o._key : null)) }, 'Bump ✓');
  return h(
    'article',
    {
      class: cls,
      dataset: { id: o.id, status: o.status, course: o._view ? o._course : '', held: held ? 'true' : '' },
      onclick: ghost ? () => acknowledge(o.id) : () => select(o.id),
    },
    h(
      'header',
      { class: 't-head' },
      h('div', { class: 't-row1' }, h('span', { class: 'pos' }, String(index + 1)), h('span', { class: 't-table' }, tableName(o.table_id))),
      h(
        'div',
        { class: 't-row2' },
        h('span', { class: 't-status' }, statusLabel),
        // Paid up front: cook it all the same, the badge only tells the pass.
        o.paid_at && !ghost ? h('span', { class: 't-paid' }, 'PAID') : null,
        held ? null : h('span', { class: 't-timer', dataset: { since: startedAt(o) } }, fmtAge(age)),
      ),
      o._view && o._courses.length ? h('div', { class: 't-course' }, courseLabel(o)) : null,
    ),
    o.notes ? h('div', { class: 't-notes' + (allergyNote(o.notes) ? ' note-allergy' : '') }, allergyNote(o.notes) ? '⚠ ' : '✎ ', o.notes) : null,
    h('div', { class: 't-items', role: 'group', 'aria-label': 'Items' }, items),
    h('div', { class: 't-more', hidden: true }, '▼ more'),
    h('footer', { class: 't-actions' }, h('span', { class: 't-num' }, `#${o.id}`),
      !ghost && kitchenPrinters() ? h('button', {
        class: 'btn btn-small act-reprint',
        type: 'button',
        title: 'Print this ticket again',
        'aria-label': `Reprint ticket ${o.id}`,
        onclick: (e) => (e.stopPropagation(), reprint(o.id, o._view && o._courses?.length === 1 ? o._courses[0] : 0)),
      }, 'Reprint') : null,
      action),
    ghost ? h('div', { class: 't-ghost', role: 'alert' }, 'CANCELLED',
      o.cancel_reason ? h('small', { class: 't-reason' }, o.cancel_reason) : null,
      h('small', { class: 't-ack-hint' }, 'Tap or press C when seen')) : null,
  );
}

/**
 * algCodes shows a dish's standard allergens as small codes (the legend is
 * in the help), so they do not shout over a guest's own allergy note.
 */
function algCodes(list) {
  if (!list.length) return null;
  const names = list.join(', ');
  return h('span', { class: 'algs', title: names, 'aria-label': 'Allergens: ' + names, role: 'img' },
    list.map((a) => h('span', { class: 'alg', 'aria-hidden': 'true' }, allergenCode(a))));
}

// A note that speaks of an allergy or an intolerance is the loudest thing
// on a ticket: red, with a warning sign, never hidden.
const ALLERGY_WORDS = /allerg|intoler|coeliac|celiac|anaphyla|epipen|unverträglich/i;

/** allergyNote tells whether a note (a line's or the order's) is about an allergy. */
export const allergyNote = (text) => ALLERGY_WORDS.test(text || '');

/**
 * mods lists a line's choices under it, in the kitchen's language as the
 * order keeps them; an allergy choice ("no nuts") is loud, so nobody
 * misses it at two metres.
 */
export function mods(it) {
  const list = it.modifiers || [];
  if (!list.length) return null;
  return h(
    'span',
    { class: 'mods' },
    list.map((m) => h('span', { class: 'mod' + (m.allergy ? ' mod-allergy' : '') }, m.allergy ? '⚠ ' + m.name : m.name)),
  );
}
