// Software update (admin, in Settings): the running version, an upload of
// a signed release (the binary and its .minisig, chosen together), and the
// last upgrade's steps in plain words, followed live while it runs. The box
// restarts during an upgrade: a failed poll then means "restarting", not
// an error.
import { h, busy, errorText, formError, clearErrors } from './ui.js';

const STATES = {
  queued: ['Waiting to start', 'info'],
  running: ['Upgrading…', 'info'],
  done: ['Upgraded', 'ok'],
  refused: ['Refused: nothing was changed', 'error'],
  rolled_back: ['Rolled back: the previous version serves again', 'error'],
  failed: ['Failed: see journalctl -u rms-upgrade on the box', 'error'],
};

const capital = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.') : '');

/** updateCard builds the Software update card; stop() ends its polling. */
export function updateCard(app) {
  const card = h('section.card.update', { 'aria-labelledby': 'update-title' },
    h('h2', { id: 'update-title' }, 'Software update'), h('p.muted', null, 'Loading…'));
  let alive = true;
  let timer = 0;
  let view = null;

  const stepsOf = (last) => h('ol.update-steps', null, (last.steps || []).map((s) =>
    h('li', null, h('time.muted', { datetime: s.at }, new Date(s.at).toLocaleTimeString()), ' ', s.text)));

  const draw = (v, restarting) => {
    view = v;
    const last = v.last;
    const [label, kind] = last ? (STATES[last.state] || [last.state, 'info']) : [];
    const form = v.can_upload ? h('form.update-form', { novalidate: true },
      h('p.form-error', { role: 'alert', hidden: true }),
      h('label.field', null, h('span.field-label', null, 'Release file and its signature'),
        h('input', { type: 'file', name: 'files', multiple: true }),
        h('small.hint', null, 'Choose both files at once, e.g. rms-linux-arm64 and rms-linux-arm64.minisig.')),
      h('div.actions', null, h('button.primary', { type: 'submit' }, 'Upgrade'))) : null;
    form?.addEventListener('submit', (e) => upload(e, form));
    card.replaceChildren(...[
      h('h2', { id: 'update-title' }, 'Software update'),
      h('p', null, 'Running rms ', h('strong', null, v.version), ` for ${v.target}, database schema ${v.schema_version}.`),
      h('p.muted', null, v.release_key ? `Release key ${v.release_key}: only releases signed with it are accepted.` : 'This build has no release key.'),
      form || h('p.muted', null, capital(v.why || '')),
      last ? h('div.update-last', null,
        h('p', null, h(`strong.update-state.${kind}`, null, label),
          last.to ? ` — ${last.from || '?'} → ${last.to}` : '', last.by ? ` (by ${last.by})` : ''),
        restarting ? h('p.muted', null, 'The box is restarting…') : null,
        stepsOf(last)) : null,
    ].filter(Boolean));
    if (busyState(last)) schedule();
  };

  const busyState = (last) => last && (last.state === 'queued' || last.state === 'running');
  const schedule = () => {
    clearTimeout(timer);
    if (alive) timer = setTimeout(load, 2000);
  };

  const load = async () => {
    try {
      const v = await app.call('GET', '/api/system/upgrade');
      if (alive) draw(v, false);
    } catch (err) {
      if (!alive) return;
      // During an upgrade the box restarts: keep following it.
      if (view && busyState(view.last) && (err.status === 0 || err.status >= 500)) {
        draw(view, true);
        return;
      }
      card.replaceChildren(h('h2', { id: 'update-title' }, 'Software update'),
        h('p.form-error', { role: 'alert' }, errorText(err)), h('button', { type: 'button', onclick: load }, 'Try again'));
    }
  };

  const upload = async (e, form) => {
    e.preventDefault();
    clearErrors(form);
    const files = [...form.elements.files.files];
    const sig = files.find((f) => f.name.endsWith('.minisig'));
    const bin = files.find((f) => !f.name.endsWith('.minisig'));
    if (!bin || !sig || files.length !== 2) {
      formError(form, 'Choose two files together: the release (like rms-linux-arm64) and its signature (rms-linux-arm64.minisig).');
      return;
    }
    const body = new FormData();
    body.append('file', bin, bin.name);
    body.append('signature', sig, sig.name);
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        const last = await app.call('POST', '/api/system/upgrade', body);
        draw({ ...view, can_upload: false, why: 'An upgrade is under way.', last }, false);
      } catch (err) {
        formError(form, errorText(err));
      }
    });
  };

  load();
  return { el: card, stop: () => { alive = false; clearTimeout(timer); } };
}
