// Settings (admin): restaurant name, currency, tax, auto-confirm, receipts,
// timezone (only the fields that changed are sent), the box's disk, backup,
// database and printers, HTTPS and its certificate, and the software update
// card.
import { h, field, busy, toast, errorText, showError, clearErrors, fieldErrors } from './ui.js';
import { updateCard } from './update.js';
import { systemCard } from './system.js';
import { restoreCard } from './restore.js';
import { httpsCard } from './https.js';

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'CAD', 'AUD', 'JPY'];

/** render draws the settings form into root and returns its cleanup. */
export function render(root, app) {
  const form = h('form.card.form.settings', { novalidate: true }, h('p.muted', null, 'Loading…'));
  const update = updateCard(app);
  const system = systemCard(app);
  const restore = restoreCard(app);
  const https = httpsCard(app);
  root.append(h('div.view-head', null, h('h1', null, 'Settings')), form, system.el, restore.el, https.el, update.el);
  let alive = true;
  let current = null;

  const draw = (s) => {
    current = s;
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    form.replaceChildren(
      h('p.form-error', { role: 'alert', hidden: true }),
      field('Restaurant name', h('input', { name: 'restaurant_name', required: true, maxlength: 80, value: s.restaurant_name ?? '' }), 'Shown on the iPads and on this app.'),
      h('div.row', null,
        field('Currency', h('input', { name: 'currency', list: 'currency-list', maxlength: 3, value: s.currency ?? '', autocapitalize: 'characters', spellcheck: 'false' }), 'Three-letter code: EUR, USD, GBP…'),
        field('Tax rate (%)', h('input', { name: 'tax_rate_bp', inputmode: 'decimal', value: String((s.tax_rate_bp ?? 0) / 100) }), 'For example 20 or 7.7.')),
      h('datalist', { id: 'currency-list' }, CURRENCIES.map((c) => h('option', { value: c }))),
      h('label.check', null, h('input', { type: 'checkbox', name: 'prices_include_tax', checked: !!s.prices_include_tax }),
        'Menu prices include tax'),
      h('label.check', null, h('input', { type: 'checkbox', name: 'auto_confirm_orders', checked: !!s.auto_confirm_orders }),
        'Confirm guest orders automatically (they go straight to the kitchen)'),
      h('label.check', null, h('input', { type: 'checkbox', name: 'print_receipts', checked: !!s.print_receipts }),
        'Print a receipt when a bill is settled (on the first receipt printer)'),
      field('Timezone', h('input', { name: 'timezone', list: 'tz-list', value: s.timezone ?? '', spellcheck: 'false' }), 'Where the restaurant is, like Europe/Paris: the daily report follows its midnight.'),
      h('datalist', { id: 'tz-list' }, zones.map((z) => h('option', { value: z }))),
      field('Menu languages', h('input', { name: 'languages', value: (s.languages || ['en']).join(', '), spellcheck: 'false', autocapitalize: 'none' }),
        'Two-letter codes, the kitchen’s first (orders and tickets use it): en, it, de. Guests pick from these; each name then gets a translation field.'),
      h('h2', null, 'Service'),
      field('Courses', h('input', { name: 'courses', value: (s.courses || []).join(', ') }), 'In order, separated by commas: Starters, Mains, Desserts.'),
      h('label.check', null, h('input', { type: 'checkbox', name: 'fire_courses', checked: !!s.fire_courses }),
        'Hold later courses until staff fire them (or the table says it is ready)'),
      field('Kitchen display stations', h('input', { name: 'kds_stations', value: (s.kds_stations || []).join(', '), spellcheck: 'false', autocapitalize: 'none' }),
        'What the TV at /kds shows, as the dishes’ stations, separated by commas: kitchen. Drinks go to the bar’s own screen, /kds?station=bar. Empty: every station.'),
      field('Reasons for voids, comps and discounts', h('textarea', { name: 'correction_reasons', rows: 4, value: (s.correction_reasons || []).join('\n') }), 'One per line; staff may always type another.'),
      field('Lock shared terminals after (seconds)', h('input', { name: 'terminal_lock_seconds', inputmode: 'numeric', value: String(s.terminal_lock_seconds ?? 60) })),
      h('div.actions', null, h('button.primary', { type: 'submit' }, 'Save settings')));
  };

  const load = async () => {
    try {
      const s = await app.call('GET', '/api/settings');
      if (alive) draw(s);
    } catch (err) {
      if (alive) form.replaceChildren(h('p.form-error', { role: 'alert' }, errorText(err)), h('button', { type: 'button', onclick: load }, 'Try again'));
    }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!current) return;
    clearErrors(form);
    const el = form.elements;
    const rate = Number(String(el.tax_rate_bp.value).replace(',', '.'));
    const next = {
      restaurant_name: el.restaurant_name.value.trim(),
      currency: el.currency.value.trim().toUpperCase(),
      tax_rate_bp: Math.round(rate * 100),
      prices_include_tax: el.prices_include_tax.checked,
      auto_confirm_orders: el.auto_confirm_orders.checked,
      print_receipts: el.print_receipts.checked,
      timezone: el.timezone.value.trim(),
      languages: el.languages.value.split(/[\s,]+/).map((x) => x.trim().toLowerCase()).filter(Boolean),
      courses: el.courses.value.split(',').map((c) => c.trim()).filter(Boolean),
      fire_courses: el.fire_courses.checked,
      kds_stations: el.kds_stations.value.split(',').map((c) => c.trim()).filter(Boolean),
      correction_reasons: el.correction_reasons.value.split('\n').map((c) => c.trim()).filter(Boolean),
      terminal_lock_seconds: Math.floor(Number(el.terminal_lock_seconds.value)),
    };
    const bad = {};
    if (!next.restaurant_name) bad.restaurant_name = 'The restaurant needs a name.';
    if (!/^[A-Z]{3}$/.test(next.currency)) bad.currency = 'Use a three-letter code such as EUR.';
    if (!Number.isFinite(rate) || rate < 0 || rate > 100 || String(el.tax_rate_bp.value).trim() === '') bad.tax_rate_bp = 'Enter a percentage between 0 and 100.';
    if (!next.timezone) bad.timezone = 'Choose a timezone, like Europe/Paris.';
    if (!next.languages.length || next.languages.some((x) => !/^[a-z]{2}$/.test(x))) bad.languages = 'List two-letter codes such as en, it, de.';
    if (Object.keys(bad).length) return fieldErrors(form, bad);
    const patch = {};
    for (const [k, v] of Object.entries(next)) if (JSON.stringify(current[k]) !== JSON.stringify(v)) patch[k] = v;
    if (!Object.keys(patch).length) {
      toast('Nothing changed.', 'info');
      return;
    }
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        const res = await app.call('PATCH', '/api/settings', patch);
        const saved = res && typeof res === 'object' && 'currency' in res ? res : { ...current, ...patch };
        app.data.setSettings(saved);
        draw(saved);
        toast('Settings saved.', 'ok');
      } catch (err) {
        showError(err, form);
      }
    });
  });

  load();
  return () => { alive = false; update.stop(); system.stop(); restore.stop(); https.stop(); };
}
