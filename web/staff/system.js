// The box (admin, in Settings): free disk, the newest daily backup, the
// database's size (GET /api/system/status) and every printer's state
// (GET /api/printers/status), so the owner sees trouble before service.
import { h, errorText } from './ui.js';

// A daily snapshot older than this means snapshots stopped.
const BACKUP_STALE_MS = 36 * 3600 * 1000;
// Less free disk than this is worth a warning: a day's orders are far
// smaller, but snapshots and upgrades need room.
const DISK_LOW_BYTES = 1024 ** 3;

/** bytes formats a size for people: 1.2 GB, 340 MB, 12 kB. */
export function bytes(n) {
  if (n == null || n < 0) return 'unknown';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

const PRINTER_STATUS = { ok: 'Ready', offline: 'Offline', error: 'Problem' };

/** systemCard builds the Box card; stop() ends it. */
export function systemCard(app) {
  const card = h('section.card.system', { 'aria-labelledby': 'system-title' },
    h('h2', { id: 'system-title' }, 'This box'), h('p.muted', null, 'Loading…'));
  let alive = true;

  const row = (label, value, warn) => h('div.system-row', null,
    h('dt', null, label), h(`dd${warn ? '.system-warn' : ''}`, null, value));

  const draw = (sys, printers) => {
    const disk = sys.disk;
    const low = disk && disk.free_bytes < DISK_LOW_BYTES;
    const last = sys.last_backup;
    const stale = !last || Date.now() - Date.parse(last.at) > BACKUP_STALE_MS;
    const list = printers.length
      ? h('ul.system-printers', null, printers.map((p) => h('li', null,
        h('span', null, p.name || `Printer ${p.id}`), ' ',
        h(`span.pill.${p.enabled === false ? 'warn' : p.status === 'ok' ? 'ok' : 'bad'}`, null,
          p.enabled === false ? 'Off' : PRINTER_STATUS[p.status] || p.status),
        p.queued ? h('span.muted', null, ` ${p.queued} waiting`) : null,
        p.status_message && p.status !== 'ok' ? h('span.muted', null, ` (${p.status_message})`) : null)))
      : h('p.muted', null, 'No printers set up.');
    card.replaceChildren(
      h('h2', { id: 'system-title' }, 'This box'),
      h('dl.system-list', null,
        row('Free disk', disk ? `${bytes(disk.free_bytes)} of ${bytes(disk.total_bytes)}${low ? ' — running low' : ''}` : 'unknown', low),
        row('Last backup', last
          ? `${new Date(last.at).toLocaleString()} (${last.name}, ${bytes(last.size_bytes)})${stale ? ' — more than a day old' : ''}`
          : 'none yet — daily snapshots may be turned off', stale),
        row('Database size', bytes(sys.db_size_bytes))),
      h('h3', null, 'Printers'), list);
  };

  const load = async () => {
    try {
      const [sys, pr] = await Promise.all([
        app.call('GET', '/api/system/status'),
        app.call('GET', '/api/printers/status'),
      ]);
      const printers = Array.isArray(pr) ? pr : (pr?.printers || []);
      if (alive) draw(sys, printers);
    } catch (err) {
      if (alive) {
        card.replaceChildren(h('h2', { id: 'system-title' }, 'This box'),
          h('p.form-error', { role: 'alert' }, errorText(err)), h('button', { type: 'button', onclick: load }, 'Try again'));
      }
    }
  };
  load();
  return { el: card, stop: () => { alive = false; } };
}
