// The header: the table's name, the service buttons and the connection line.
import { h, append, fill, byId as $ } from '/lib/dom.js';
import { languageName } from '/lib/i18n.js';
import { renderAllergyButton } from './allergy.js';
import { renderMenu } from './menu.js';
import { renderOrders } from './orders.js';
import { renderSheet } from './sheet.js';
import { renderDrawer, renderSide } from './side.js';
import { LANG_KEY, S, clock, icon, tableLabel, t, words, store } from './state.js';

export function renderAll() {
  renderWords();
  renderLangs();
  renderAllergyButton();
  renderDrawer();
  renderTable();
  renderMenu();
  renderSide();
  renderConn();
}

export function renderConn() {
  const el = $('conn');
  const down = S.conn !== 'connected' || S.restDown;
  if (!down) {
    el.hidden = true;
    return;
  }
  fill(el);
  el.hidden = false;
  let text;
  if (S.conn === 'offline' || (S.restDown && S.conn !== 'connecting')) {
    el.className = 'conn conn-offline';
    text = t('offline_since', { time: clock(S.connSince) });
  } else if (S.conn === 'connecting') {
    el.className = 'conn conn-wait';
    text = t('connecting');
  } else {
    el.className = 'conn conn-wait';
    text = t('reconnecting');
  }
  append(el, [icon('wifi'), h('span', null, text)]);
}

export function renderTable() {
  const tb = S.table;
  $('table-name').textContent = tableLabel();
  const req = tb && tb.open_request ? tb.open_request.kind : null;
  serviceButton($('btn-waiter'), 'waiter', req === 'waiter', t('call_waiter'), t('waiter_called'));
  serviceButton($('btn-bill'), 'bill', req === 'bill', t('bill'), t('bill_requested'));
  // "Ready for the next course" shows when the restaurant holds courses
  // and one of ours is waiting; the box then sends it to the kitchen.
  const next = $('btn-next');
  const waiting = Boolean(S.settings.fire_courses) && [...S.orders.values()].some((o) =>
    !['paid', 'cancelled'].includes(o.status) && (o.items || []).some((i) => i.quantity > 0 && !i.fired_at));
  next.hidden = !waiting && req !== 'next_course';
  if (!next.hidden) serviceButton(next, 'next_course', req === 'next_course', t('next_course'), t('next_course_asked'));
}

export function serviceButton(btn, kind, sent, label, sentLabel) {
  fill(btn);
  btn.classList.toggle('is-sent', sent);
  btn.setAttribute('aria-pressed', sent ? 'true' : 'false');
  btn.disabled = S.busy.has(kind);
  append(btn, [icon(sent ? 'check' : kind === 'bill' ? 'bill' : 'bell'), h('span', { class: 'svc-label' }, sent ? sentLabel : label)]);
}

/** renderWords puts the page's fixed words (data-i18n) in the guests' language. */
export function renderWords() {
  document.documentElement.lang = S.lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n'));
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
}

/** renderLangs offers the restaurant's languages, when it has more than one. */
export function renderLangs() {
  const box = $('langs');
  const langs = S.settings.languages || [];
  box.hidden = langs.length < 2;
  fill(box);
  if (langs.length < 2) return;
  box.setAttribute('aria-label', t('language'));
  for (const code of langs) {
    box.appendChild(
      h(
        'button',
        {
          class: 'lang' + (code === S.lang ? ' is-on' : ''),
          type: 'button',
          lang: code,
          'data-lang': code,
          'aria-pressed': code === S.lang ? 'true' : 'false',
          onclick: () => setLang(code, true),
        },
        h('span', { class: 'lang-long' }, languageName(code)),
        // Portrait shows only the code; the name stays in the button's name.
        h('span', { class: 'lang-short' }, code.toUpperCase()),
      ),
    );
  }
}

/**
 * setLang switches the menu and the app's words to code (one of the
 * restaurant's languages); remember keeps it across reloads.
 */
export async function setLang(code, remember) {
  const langs = S.settings.languages || [];
  if (!langs.includes(code)) code = langs[0] || 'en';
  S.lang = code;
  store(LANG_KEY, remember ? code : null);
  await words.use(code);
  if (S.lang !== code) return;
  renderAll();
  renderOrders();
  if (S.sheet) renderSheet();
}
