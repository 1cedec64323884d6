// Printers (admin): add a network printer, print a test page, choose its
// station and paper width, enable or disable it, and see its live status
// and how many prints wait for it. Status comes live from printer:updated
// (app.data 'printers'); the list with addresses is admin-only REST.
import { h, fill, field, dialog, confirmDialog, busy, toast, errorText, showError, clearErrors, fieldErrors, calm } from './ui.js';

const STATUS = { ok: 'Printing', offline: 'Offline', error: 'Problem' };

/** render draws the printers editor into root and returns its cleanup. */
export function render(root, app) {
  const { data } = app;
  const listEl = h('div.card', null, h('p.muted', null, 'Loading…'));
  root.append(
    h('div.view-head', null,
      h('h1', null, 'Printers'),
      h('div.actions', null, h('button.primary', { type: 'button', onclick: () => printerForm(app, null, load) }, '+ Printer'))),
    h('p.muted.view-note', null, 'Network thermal printers (ESC/POS, usually port 9100). Kitchen printers print the tickets of their station; receipt printers print bills and receipts.'),
    listEl,
  );
  let printers = null;
  let alive = true;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    try {
      const list = await app.call('GET', '/api/printers');
      if (!alive || mine !== seq) return;
      printers = Array.isArray(list) ? list : [];
      draw();
    } catch (err) {
      if (alive && !printers) fill(listEl, h('p.form-error', { role: 'alert' }, errorText(err)), h('button', { type: 'button', onclick: load }, 'Try again'));
      else if (alive) toast(errorText(err));
    }
  };
  const draw = () => {
    if (!printers) return;
    if (!printers.length) {
      fill(listEl, h('p.empty', null, 'No printers yet. Add one with "+ Printer"; the bill can always be printed from the browser.'));
      return;
    }
    // The live state (status, queue) is newer than the admin list.
    const rows = printers.map((p) => ({ ...p, ...(data.printers.live.get(p.id) || {}) }));
    fill(listEl, h('div.table-wrap', null, h('table.grid.printers', null,
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Prints'), h('th', null, 'Address'), h('th.num', null, 'Width'),
        h('th', null, 'Status'), h('th.num', null, 'Waiting'), h('th', null, 'Enabled'), h('th', null, h('span.sr', null, 'Actions')))),
      h('tbody', null, rows.map((p) => h('tr', { dataset: { printerId: p.id, status: p.status } },
        h('td', null, h('strong', null, p.name)),
        h('td', null, p.kind === 'kitchen' ? `Tickets: ${p.station || 'every station'}` : 'Bills and receipts'),
        h('td', null, h('code', null, p.address)),
        h('td.num', null, String(p.width_chars)),
        h('td', null, h(`span.status-chip.pr-${p.enabled ? p.status : 'disabled'}`, null, p.enabled ? STATUS[p.status] || p.status : 'Disabled'),
          p.enabled && p.status !== 'ok' && p.status_message ? h('small.note', null, p.status_message) : null),
        h('td.num', null, String(p.queued ?? 0)),
        h('td', null, h('label.switch', null, h('input', {
          type: 'checkbox',
          checked: p.enabled,
          'aria-label': `${p.name} enabled`,
          onchange: (e) => setEnabled(app, p, e.currentTarget, load),
        }))),
        h('td.row-actions', null,
          h('button.small', { type: 'button', disabled: !p.enabled, onclick: (e) => testPage(app, p, e.currentTarget) }, 'Test page'),
          h('button.small.ghost', { type: 'button', onclick: () => printerForm(app, p, load) }, 'Edit'),
          h('button.small.ghost.danger-text', { type: 'button', onclick: (e) => deletePrinter(app, p, e.currentTarget, load) }, 'Delete'))))))));
  };
  load();
  const off = data.on('printers', calm((p) => {
    // A printer this list does not know (added elsewhere) needs its address.
    if (p && printers && !printers.some((x) => x.id === p.id)) load();
    else draw();
  }));
  return () => {
    alive = false;
    off();
  };
}

function stations(app) {
  const set = new Set(['kitchen', 'bar']);
  for (const c of app.data.menu.categories) for (const it of c.items) if (it.station) set.add(it.station);
  return [...set].sort();
}

function printerForm(app, p, reload) {
  const kind = h('select', { name: 'kind' }, h('option', { value: 'kitchen', selected: p?.kind !== 'receipt' }, 'Kitchen tickets'),
    h('option', { value: 'receipt', selected: p?.kind === 'receipt' }, 'Bills and receipts'));
  const station = h('input', { name: 'station', list: 'station-list', maxlength: 30, value: p?.station ?? 'kitchen', placeholder: 'every station' });
  const stationField = field('Station', station, 'The menu items\' station it prints, like kitchen or bar. Empty: every station.');
  const form = h('form.form', { novalidate: true },
    h('p.form-error', { role: 'alert', hidden: true }),
    field('Name', h('input', { name: 'name', required: true, maxlength: 50, value: p?.name ?? '', placeholder: 'Grill, Bar, Till…' })),
    field('Address', h('input', { name: 'address', required: true, value: p?.address ?? '', placeholder: '192.168.1.50:9100', spellcheck: 'false', autocapitalize: 'none' }),
      'Its IP address and port; most printers print theirs when the feed button is held at power-on.'),
    h('div.row', null,
      field('Prints', kind),
      field('Paper width', h('select', { name: 'width_chars' }, [[32, '58 mm (32 characters)'], [42, '80 mm (42 characters)'], [48, '80 mm (48 characters)']]
        .map(([w, label]) => h('option', { value: String(w), selected: (p?.width_chars ?? 42) === w }, label))))),
    stationField,
    h('datalist', { id: 'station-list' }, stations(app).map((s) => h('option', { value: s }))),
    h('label.check', null, h('input', { type: 'checkbox', name: 'enabled', checked: p ? p.enabled : true }), 'Enabled'),
    h('div.actions', null, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), h('button.primary', { type: 'submit' }, p ? 'Save' : 'Add printer')));
  const showStation = () => { stationField.hidden = kind.value !== 'kitchen'; };
  kind.addEventListener('change', showStation);
  showStation();
  const { close } = dialog({ title: p ? `Edit ${p.name}` : 'New printer', body: form });
  form.elements.name.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const body = {
      name: el.name.value.trim(),
      address: el.address.value.trim(),
      kind: el.kind.value,
      station: el.kind.value === 'kitchen' ? el.station.value.trim() : '',
      width_chars: Number(el.width_chars.value),
      enabled: el.enabled.checked,
    };
    const bad = {};
    if (!body.name) bad.name = 'Give the printer a name people recognise.';
    if (!/^[^\s:/]+:\d{1,5}$/.test(body.address) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(body.address)) bad.address = 'Enter the address and port, like 192.168.1.50:9100.';
    if (Object.keys(bad).length) return fieldErrors(form, bad);
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        if (p) await app.call('PATCH', `/api/printers/${p.id}`, body);
        else await app.call('POST', '/api/printers', body);
        toast(p ? `${body.name} saved.` : `${body.name} added. Print a test page to check it.`, 'ok');
        close();
        reload();
      } catch (err) {
        if (err?.status === 409) fieldErrors(form, { name: err.message || 'A printer with that name exists.' });
        else showError(err, form);
      }
    });
  });
}

async function setEnabled(app, p, input, reload) {
  const enabled = input.checked;
  input.disabled = true;
  try {
    await app.call('PATCH', `/api/printers/${p.id}`, { enabled });
    toast(enabled ? `${p.name} is back in service.` : `${p.name} is out of service: it gets no new prints.`, 'ok');
  } catch (err) {
    input.checked = !enabled;
    toast(errorText(err));
  } finally {
    input.disabled = false;
    reload();
  }
}

async function testPage(app, p, button) {
  await busy(button, async () => {
    try {
      await app.call('POST', `/api/printers/${p.id}/test`);
      toast(`Test page sent to ${p.name}.${p.status !== 'ok' ? ' It prints once the printer is back.' : ''}`, 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

async function deletePrinter(app, p, button, reload) {
  const waiting = p.queued ? ` Its ${p.queued} waiting print${p.queued === 1 ? '' : 's'} will be dropped.` : '';
  if (!(await confirmDialog(`Delete ${p.name}?${waiting}`, { confirmText: 'Delete', danger: true }))) return;
  await busy(button, async () => {
    try {
      await app.call('DELETE', `/api/printers/${p.id}`);
      toast(`${p.name} deleted.`, 'ok');
      reload();
    } catch (err) {
      toast(errorText(err));
    }
  });
}
