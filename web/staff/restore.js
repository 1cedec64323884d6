// Restore a daily snapshot (admin, in Settings): the box's daily copies of
// its database (GET /api/system/snapshots) with a Restore button each. The
// admin types a word to confirm, because a restore discards everything
// since the snapshot; the box then restores while it serves (POST
// /api/system/restore) and every screen, this one too, reloads its data.
import { h, errorText, dialog, busy, toast } from './ui.js';
import { bytes } from './system.js';

/** The word an admin types to confirm a restore. */
export const CONFIRM_WORD = 'RESTORE';

/** dayOf reads the day of a snapshot from its name (rms-YYYY-MM-DD.db). */
function dayOf(name) {
  const m = /^rms-(\d{4})-(\d{2})-(\d{2})\.db$/.exec(name);
  if (!m) return name;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

/** restoreCard builds the Restore card; stop() ends it. */
export function restoreCard(app) {
  const title = h('h2', { id: 'restore-title' }, 'Restore a daily snapshot');
  const status = h('p.restore-done', { role: 'status' });
  const body = h('div', null, h('p.muted', null, 'Loading…'));
  const card = h('section.card.restore', { 'aria-labelledby': 'restore-title' }, title,
    h('p.muted', null, 'The box copies its database once a day. Restoring a copy puts the box back to that moment: ',
      h('strong', null, 'everything since then is discarded from the box'), '. The current database is kept aside, nothing is deleted.'),
    status, body);
  let alive = true;

  const draw = (snaps) => {
    if (!snaps.length) {
      body.replaceChildren(h('p.empty', null, 'No daily snapshots yet. The box writes the first one soon after it starts, unless snapshots are turned off.'));
      return;
    }
    body.replaceChildren(h('table.grid.restore-list', null,
      h('caption.sr', null, 'Daily snapshots, newest first'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Day'), h('th', { scope: 'col' }, 'Written'), h('th', { scope: 'col' }, 'Size'),
        h('th', { scope: 'col' }, h('span.sr', null, 'Action')))),
      h('tbody', null, snaps.map((s) => h('tr', { dataset: { snapshot: s.name } },
        h('td', null, dayOf(s.name)),
        h('td', null, new Date(s.at).toLocaleString()),
        h('td', null, bytes(s.size_bytes)),
        h('td', null, h('button.small', {
          type: 'button',
          'aria-label': `Restore the snapshot of ${dayOf(s.name)}`,
          onclick: () => ask(s),
        }, 'Restore…')))))));
  };

  const load = async () => {
    try {
      const res = await app.call('GET', '/api/system/snapshots');
      if (alive) draw(res.snapshots || []);
    } catch (err) {
      if (alive) {
        body.replaceChildren(h('p.form-error', { role: 'alert' }, errorText(err)),
          h('button', { type: 'button', onclick: load }, 'Try again'));
      }
    }
  };

  // ask shows what a restore discards and restores once the word is typed.
  const ask = (snap) => {
    const day = dayOf(snap.name);
    const input = h('input', { name: 'confirm', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', 'aria-describedby': 'restore-warning' });
    const go = h('button.danger', { type: 'submit', disabled: true }, 'Restore this snapshot');
    const back = h('button', { type: 'button' }, 'Back');
    const error = h('p.form-error', { role: 'alert', hidden: true });
    const typed = () => input.value.trim().toUpperCase() === CONFIRM_WORD;
    input.addEventListener('input', () => { go.disabled = !typed(); });
    const form = h('form.restore-confirm', { novalidate: true },
      h('div.restore-warning', { id: 'restore-warning' },
        h('p', null, h('strong', null, `Everything since ${new Date(snap.at).toLocaleString()} is discarded from this box`),
          ': orders, payments, table changes, users and menu changes made after the snapshot of ', day, '.'),
        h('p', null, 'The current database is kept aside in the box\'s data folder, so it can still be recovered. ',
          'Every screen reloads; people and iPads added after the snapshot must be added or paired again.')),
      error,
      h('label.field', null, h('span.field-label', null, `Type ${CONFIRM_WORD} to confirm`), input),
      h('div.actions', null, back, go));
    const { close } = dialog({ title: `Restore the snapshot of ${day}?`, body: form });
    back.addEventListener('click', close);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!typed()) return;
      busy(go, async () => {
        error.hidden = true;
        go.textContent = 'Restoring…';
        try {
          const res = await app.call('POST', '/api/system/restore', { name: snap.name });
          close();
          status.textContent = `Restored the snapshot of ${day}. The database it replaced is kept as ${res.kept_aside}.`;
          toast(`Restored the snapshot of ${day}. Every screen reloads.`, 'ok');
          load();
        } catch (err) {
          go.textContent = 'Restore this snapshot';
          error.textContent = errorText(err);
          error.hidden = false;
        }
      }).then(() => { go.disabled = !typed(); });
    });
    input.focus();
  };

  load();
  return { el: card, stop: () => { alive = false; } };
}
