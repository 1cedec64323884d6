// Shared terminals and PINs (admin, on the Users page): set a user's PIN,
// enroll a device with a one-time code, see who is signed in where, and
// retire a device.
import { h, fill, field, dialog, busy, toast, errorText, showError, clearErrors, fieldErrors, confirmDialog, since } from './ui.js';

/** pinDialog sets (or removes) a user's 4 to 6 digit PIN. */
export function pinDialog(app, u, done) {
  const pin = h('input', { name: 'pin', inputmode: 'numeric', autocomplete: 'off', maxlength: 6, pattern: '[0-9]*' });
  const form = h('form.form', { novalidate: true },
    h('p', null, `${u.username} signs in on shared terminals with this PIN. It must differ from everyone else's.`),
    h('p.form-error', { role: 'alert', hidden: true }),
    field('PIN (4 to 6 digits)', pin),
    h('div.actions', null,
      u.has_pin ? h('button.ghost.danger-text', { type: 'button', onclick: () => save('') }, 'Remove PIN') : null,
      h('button', { type: 'button', onclick: () => close() }, 'Cancel'),
      h('button.primary', { type: 'submit' }, 'Set PIN')));
  const { close } = dialog({ title: 'PIN', body: form });
  pin.focus();
  const save = async (value) => {
    clearErrors(form);
    if (value && !/^[0-9]{4,6}$/.test(value)) return fieldErrors(form, { pin: 'Use 4 to 6 digits.' });
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        const res = await app.call('PATCH', `/api/users/${u.id}`, { pin: value });
        Object.assign(u, res);
        toast(value ? `PIN of ${u.username} set.` : `PIN of ${u.username} removed.`, 'ok');
        close();
        done?.();
      } catch (err) {
        showError(err, form);
      }
    });
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save(pin.value.trim());
  });
}

/** terminalsPanel lists the terminals with their enrollment and sign-in state. */
export function terminalsPanel(app) {
  const box = h('section.card.terminals', { 'aria-label': 'Shared terminals' });
  const load = async () => {
    try {
      draw(await app.call('GET', '/api/terminals'));
    } catch (err) {
      fill(box, h('p.form-error', { role: 'alert' }, errorText(err)));
    }
  };
  const name = h('input', { name: 'name', placeholder: 'Bar, Pass…', maxlength: 50 });
  const add = h('button.primary', { type: 'submit' }, 'New terminal');
  const form = h('form.row', { novalidate: true }, field('Name', name), add);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!name.value.trim()) return;
    await busy(add, async () => {
      try {
        const t = await app.call('POST', '/api/terminals', { name: name.value.trim() });
        name.value = '';
        dialog({ title: `Enroll ${t.name}`, body: [
          h('p', null, 'On the device, open this app, tap "Set up this device as a shared terminal" and enter:'),
          h('p.enroll-code', { dataset: { code: t.code } }, t.code),
          h('p.muted', null, 'The code works once, for 10 minutes.'),
        ] });
        load();
      } catch (err) {
        toast(errorText(err));
      }
    });
  });
  const draw = (list) => {
    fill(box, h('h2', null, 'Shared terminals'),
      h('p.muted', null, 'Devices staff share: they sign in with a PIN and the screen locks itself.'),
      list.length ? h('table.grid', null, h('tbody', null, list.map((t) => h('tr', { dataset: { terminalId: t.id } },
        h('td', null, h('strong', null, t.name)),
        h('td', null, t.enrolled ? (t.signed_in ? `${t.signed_in.username} signed in` : 'Locked') : 'Waiting for its code'),
        h('td', null, t.locked_until && Date.parse(t.locked_until) > Date.now() ? `Too many wrong PINs (${since(t.locked_until)})` : ''),
        h('td.row-actions', null, h('button.small.ghost.danger-text', {
          type: 'button',
          onclick: async (e) => {
            if (!(await confirmDialog(`Retire ${t.name}? Whoever is signed in there is signed out.`, { confirmText: 'Retire', danger: true }))) return;
            await busy(e.currentTarget, async () => {
              try {
                await app.call('DELETE', `/api/terminals/${t.id}`);
                load();
              } catch (err) {
                toast(errorText(err));
              }
            });
          },
        }, 'Retire')))))) : h('p.muted', null, 'No terminals yet.'),
      form);
  };
  fill(box, h('p.muted', null, 'Loading terminals…'));
  load();
  return box;
}
