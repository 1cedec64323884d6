// Tables (admin): create, edit, delete, sections and seats, and pairing an
// iPad: one request for a new pairing returns the QR code as SVG with the
// 6-digit code and its expiry in response headers.
import { ApiError } from '/lib/api.js';
import { h, fill, field, titleCase, dialog, confirmDialog, busy, toast, errorText, showError, clearErrors, fieldErrors, calm } from './ui.js';
import { byName } from './floor.js';

/** render draws the tables editor into root and returns its cleanup. */
export function render(root, app) {
  const { data } = app;
  const listEl = h('div.card');
  root.append(
    h('div.view-head', null,
      h('h1', null, 'Tables'),
      h('div.actions', null, h('button.primary', { type: 'button', onclick: () => tableForm(app) }, '+ Table'))),
    listEl,
  );
  const draw = () => {
    const keep = document.activeElement?.dataset?.key;
    const list = [...data.tables.values()].sort((a, b) => (a.section || '').localeCompare(b.section || '') || byName(a, b));
    if (!list.length) {
      fill(listEl, h('p.empty', null, 'No tables yet. Add the first with "+ Table".'));
      return;
    }
    fill(listEl, h('div.table-wrap', null, h('table.grid', null,
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Section'), h('th.num', null, 'Seats'), h('th', null, 'Status'), h('th', null, h('span.sr', null, 'Actions')))),
      h('tbody', null, list.map((t) => h('tr', { dataset: { tableId: t.id } },
        h('td', null, h('strong', null, t.name)),
        h('td', null, t.section || '—'),
        h('td.num', null, String(t.seats)),
        h('td', null, h(`span.status-chip.st-${t.status}`, null, titleCase(t.status))),
        h('td.row-actions', null,
          h('button.small', { type: 'button', dataset: { key: `pair${t.id}` }, onclick: () => pairDialog(app, t) }, 'Pair iPad'),
          h('button.small.ghost', { type: 'button', onclick: () => tableForm(app, t) }, 'Edit'),
          h('button.small.ghost.danger-text', { type: 'button', onclick: (e) => deleteTable(app, t, e.currentTarget) }, 'Delete'))))))));
    if (keep) listEl.querySelector(`[data-key="${CSS.escape(keep)}"]`)?.focus();
  };
  draw();
  return data.on('tables', calm(draw));
}

function tableForm(app, t = null) {
  const sections = [...new Set([...app.data.tables.values()].map((x) => x.section).filter(Boolean))].sort();
  const form = h('form.form', { novalidate: true },
    field('Name', h('input', { name: 'name', required: true, maxlength: 40, value: t?.name ?? '', placeholder: 'T1, Terrace 4…' })),
    h('div.row', null,
      field('Section', h('input', { name: 'section', list: 'section-list', maxlength: 40, value: t?.section ?? '' }), 'Groups tables on the floor.'),
      field('Seats', h('input', { name: 'seats', type: 'number', min: 1, max: 99, step: 1, required: true, value: String(t?.seats ?? 4) }))),
    h('datalist', { id: 'section-list' }, sections.map((s) => h('option', { value: s }))),
    h('div.actions', null, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), h('button.primary', { type: 'submit' }, t ? 'Save' : 'Create table')));
  const { close } = dialog({ title: t ? `Edit ${t.name}` : 'New table', body: form });
  form.elements.name.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const body = { name: el.name.value.trim(), section: el.section.value.trim(), seats: Number(el.seats.value) };
    const bad = {};
    if (!body.name) bad.name = 'Give the table a name.';
    if (!Number.isInteger(body.seats) || body.seats < 1) bad.seats = 'Seats must be a whole number, at least 1.';
    if (Object.keys(bad).length) return fieldErrors(form, bad);
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        const res = t ? await app.call('PATCH', `/api/tables/${t.id}`, body) : await app.call('POST', '/api/tables', body);
        if (res && res.id) app.data.putTable(res);
        toast(t ? `${body.name} saved.` : `${body.name} created.`, 'ok');
        close();
      } catch (err) {
        if (err?.status === 409) fieldErrors(form, { name: err.message || 'A table with that name exists.' });
        else showError(err, form);
      }
    });
  });
}

async function deleteTable(app, t, button) {
  if (!(await confirmDialog(`Delete ${t.name}? Its iPad stops working. Past bills keep its name.`, { confirmText: 'Delete', danger: true }))) return;
  await busy(button, async () => {
    try {
      await app.call('DELETE', `/api/tables/${t.id}`);
      app.data.putTable({ id: t.id, deleted: true });
      toast(`${t.name} deleted.`, 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

/**
 * fetchPairing asks for a new pairing of the table as a QR SVG. api()
 * parses JSON only, so this is a plain fetch with the same error mapping.
 */
async function fetchPairing(app, id) {
  let res;
  try {
    res = await fetch(`/api/tables/${id}/pair.svg`, {
      headers: { Authorization: `Bearer ${app.token()}`, Accept: 'image/svg+xml' },
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'The box cannot be reached');
  }
  const text = await res.text();
  if (!res.ok) {
    let env = null;
    try {
      env = JSON.parse(text).error;
    } catch {
      // Not the JSON envelope; the status says enough.
    }
    throw new ApiError(res.status, env?.code || `http_${res.status}`, env?.message || '', env?.fields);
  }
  return {
    svg: text,
    code: res.headers.get('X-Pair-Code') || '',
    expiresAt: res.headers.get('X-Pair-Expires-At') || '',
    url: res.headers.get('X-Pair-Url') || '',
  };
}

/** parseSVG turns the server's SVG text into a node, refusing anything else. */
function parseSVG(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (!svg || svg.nodeName.toLowerCase() !== 'svg' || doc.querySelector('parsererror')) return null;
  // Scripts have no business in a QR code.
  svg.querySelectorAll('script, foreignObject').forEach((n) => n.remove());
  // Without a viewBox the picture would not scale to the box we give it.
  if (!svg.getAttribute('viewBox')) {
    const w = parseFloat(svg.getAttribute('width'));
    const hgt = parseFloat(svg.getAttribute('height'));
    if (w && hgt) svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  }
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('role', 'img');
  return document.importNode(svg, true);
}

function pairDialog(app, t) {
  const qr = h('div.qr');
  const code = h('div.pair-code', { 'aria-live': 'polite' });
  const expiry = h('p.pair-expiry.muted');
  const link = h('p.pair-url.muted.small');
  const again = h('button', { type: 'button' }, 'New code');
  let timer = 0;
  const { close } = dialog({
    title: `Pair an iPad with ${t.name}`,
    wide: true,
    body: h('div.pair', null,
      qr,
      h('div.pair-side', null,
        h('p', null, "On the table's iPad, open the camera and scan the code, or open the table app and type:"),
        code,
        expiry,
        link,
        h('p.muted.small', null, 'Pairing replaces any iPad already paired with this table.'),
        h('div.actions', null, again, h('button.primary', { type: 'button', onclick: () => close() }, 'Done')))),
    onclose: () => clearInterval(timer),
  });

  const load = () => busy(again, async () => {
    clearInterval(timer);
    fill(qr, h('p.muted', null, 'Creating a code…'));
    code.textContent = '';
    expiry.textContent = '';
    link.textContent = '';
    try {
      const p = await fetchPairing(app, t.id);
      const svg = parseSVG(p.svg);
      svg?.setAttribute('aria-label', `QR code to pair ${t.name}`);
      fill(qr, svg || h('p.form-error', null, 'The box sent a QR code this browser cannot show. Use the code instead.'));
      code.textContent = p.code ? `${p.code.slice(0, 3)} ${p.code.slice(3)}` : '—';
      code.dataset.code = p.code;
      if (p.url) fill(link, 'Or open ', h('code', null, p.url), ' in its browser.');
      const until = Date.parse(p.expiresAt);
      const tick = () => {
        if (!Number.isFinite(until)) {
          expiry.textContent = 'Valid for 10 minutes, once.';
          return;
        }
        const left = Math.round((until - Date.now()) / 1000);
        if (left <= 0) {
          expiry.textContent = 'This code has expired. Get a new one.';
          qr.classList.add('expired');
          clearInterval(timer);
          return;
        }
        qr.classList.remove('expired');
        expiry.textContent = `Expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} · works once.`;
      };
      tick();
      timer = setInterval(tick, 1000);
    } catch (err) {
      fill(qr, h('p.form-error', { role: 'alert' }, errorText(err)));
    }
  });
  again.addEventListener('click', load);
  load();
}
