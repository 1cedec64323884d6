// Users (admin): staff accounts. Create, change role, deactivate or bring
// back, reset a password, delete. Passwords never come back from the API.
import { h, fill, field, titleCase, dialog, confirmDialog, busy, toast, errorText, showError, clearErrors, fieldErrors } from './ui.js';
import { list } from './data.js';
import { pinDialog, terminalsPanel } from './terminals.js';

const ROLES = ['admin', 'waiter', 'chef'];
const ROLE_HINT = {
  admin: 'everything, including menu, users, settings and the report',
  waiter: 'floor, orders, bills and payments',
  chef: 'the kitchen display',
};

/** render draws the users editor into root and returns its cleanup. */
export function render(root, app) {
  let users = [];
  const listEl = h('div.card', null, h('p.muted', null, 'Loading…'));
  const create = createForm(app, () => load());
  root.append(
    h('div.view-head', null, h('h1', null, 'Users')),
    h('div.users-layout', null, listEl, create),
    terminalsPanel(app),
  );
  let alive = true;

  const load = async () => {
    try {
      const body = await app.call('GET', '/api/users');
      if (!alive) return;
      users = list(body, 'users');
      draw();
    } catch (err) {
      if (alive) fill(listEl, h('p.form-error', { role: 'alert' }, errorText(err)), h('button', { type: 'button', onclick: load }, 'Try again'));
    }
  };

  const draw = () => {
    const me = app.user?.id;
    users.sort((a, b) => (b.active - a.active) || a.username.localeCompare(b.username));
    fill(listEl, h('div.table-wrap', null, h('table.grid', null,
      h('thead', null, h('tr', null, h('th', null, 'Username'), h('th', null, 'Role'), h('th', null, 'Status'), h('th', null, h('span.sr', null, 'Actions')))),
      h('tbody', null, users.map((u) => h(`tr${u.active ? '' : '.off'}`, { dataset: { userId: u.id, username: u.username } },
        h('td', null, h('strong', null, u.username), u.id === me ? h('span.muted', null, ' (you)') : null),
        h('td', null, h('select', {
          'aria-label': `Role of ${u.username}`,
          onchange: (e) => patch(u, { role: e.target.value }, e.target, () => { e.target.value = u.role; }),
        }, ROLES.map((r) => h('option', { value: r, selected: u.role === r }, titleCase(r))))),
        h('td', null, h(`button.toggle${u.active ? '.on' : ''}`, {
          type: 'button',
          role: 'switch',
          'aria-checked': String(!!u.active),
          'aria-label': `${u.username} active`,
          onclick: async (e) => {
            const btn = e.currentTarget;
            if (u.active && !(await confirmDialog(`Deactivate ${u.username}? They are signed out everywhere at once.`, { confirmText: 'Deactivate', danger: true }))) return;
            patch(u, { active: !u.active }, btn);
          },
        }, h('span.knob'), u.active ? 'Active' : 'Inactive')),
        h('td.row-actions', null,
          h('button.small.ghost', { type: 'button', onclick: () => resetPassword(app, u) }, 'Reset password'),
          h('button.small.ghost', { type: 'button', dataset: { action: 'pin' }, onclick: () => pinDialog(app, u, draw) }, u.has_pin ? 'PIN ✓' : 'Set PIN'),
          h('button.small.ghost.danger-text', { type: 'button', onclick: (e) => remove(u, e.currentTarget) }, 'Delete'))))))));
  };

  const patch = async (u, body, control, undo) => {
    await busy(control, async () => {
      try {
        const res = await app.call('PATCH', `/api/users/${u.id}`, body);
        Object.assign(u, res && res.id ? res : body);
        toast(`${u.username} updated.`, 'ok');
      } catch (err) {
        undo?.();
        toast(errorText(err));
      }
      draw();
    });
  };

  const remove = async (u, button) => {
    if (!(await confirmDialog(`Delete ${u.username}? They are signed out at once. Deactivating keeps the account for later.`, { confirmText: 'Delete', danger: true }))) return;
    await busy(button, async () => {
      try {
        await app.call('DELETE', `/api/users/${u.id}`);
        toast(`${u.username} deleted.`, 'ok');
        await load();
      } catch (err) {
        toast(errorText(err));
      }
    });
  };

  load();
  return () => { alive = false; };
}

function createForm(app, done) {
  const form = h('form.card.form.user-create', { novalidate: true },
    h('h2', null, 'New user'),
    field('Username', h('input', { name: 'username', required: true, maxlength: 40, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' })),
    field('Role', h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r, selected: r === 'waiter' }, `${titleCase(r)}: ${ROLE_HINT[r]}`)))),
    field('Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' }), 'At least 6 characters. Tell them in person; they can sign in at once.'),
    h('div.actions', null, h('button.primary', { type: 'submit' }, 'Create user')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const body = { username: el.username.value.trim(), role: el.role.value, password: el.password.value };
    const bad = {};
    if (!body.username) bad.username = 'Choose a username.';
    if (!body.password) bad.password = 'Set a password.';
    if (Object.keys(bad).length) return fieldErrors(form, bad);
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        await app.call('POST', '/api/users', body);
        toast(`${body.username} can now sign in as ${body.role}.`, 'ok');
        form.reset();
        el.role.value = 'waiter';
        done();
      } catch (err) {
        if (err?.status === 409) fieldErrors(form, { username: err.message || 'That username is taken.' });
        else showError(err, form);
      }
    });
  });
  return form;
}

function resetPassword(app, u) {
  const form = h('form.form', { novalidate: true },
    h('p', null, `Set a new password for ${u.username}.`),
    field('New password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
    h('div.actions', null, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), h('button.primary', { type: 'submit' }, 'Set password')));
  const { close } = dialog({ title: 'Reset password', body: form });
  form.elements.password.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const password = form.elements.password.value;
    if (!password) return fieldErrors(form, { password: 'Type the new password.' });
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        await app.call('PATCH', `/api/users/${u.id}`, { password });
        toast(`Password of ${u.username} changed.`, 'ok');
        close();
      } catch (err) {
        showError(err, form);
      }
    });
  });
}
