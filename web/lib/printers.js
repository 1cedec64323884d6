// The printers' live state, shared by the staff app and the kitchen display:
// loaded from GET /api/printers/status (any staff, no addresses) and kept
// current from printer:updated, which the orders and kds rooms carry. An
// offline printer must be loud: printerAlert draws the banner both apps show.
import { listOf } from './api.js';
import { Live } from './live.js';
import { h, fill } from './dom.js';

/** PrinterStates is the live collection of printer states of one screen. */
export class PrinterStates {
  /**
   * @param {{call: Function, rt: any, onChange: (p: any) => void}} opts rt is
   *   the realtime client (the screen subscribes its rooms itself); onChange
   *   gets the printer that changed, or null after a full load
   */
  constructor({ call, rt, onChange }) {
    this.call = call;
    this.onChange = onChange;
    this.live = new Live((p) => !p.deleted);
    rt.on('printer:updated', (p, meta) => {
      if (this.live.put(p, meta.seq)) this.onChange(p);
    });
  }

  /** load fetches every printer's state and returns the list's seq. */
  async load() {
    const body = await this.call('GET', '/api/printers/status');
    this.live.snapshot(listOf(body, 'printers'), body?.seq);
    this.onChange(null);
    return body?.seq;
  }

  /** list returns the printers by id. */
  list() {
    return [...this.live.values()].sort((a, b) => a.id - b.id);
  }

  /** troubled returns the enabled printers that are not printing. */
  troubled(filter = () => true) {
    return this.list().filter((p) => p.enabled && p.status !== 'ok' && filter(p));
  }
}

/** printerProblem says in plain words what is wrong with one printer. */
export function printerProblem(p) {
  const what = p.status === 'offline' ? 'is offline' : 'has a problem';
  const waiting = p.queued ? ` ${p.queued} print${p.queued === 1 ? '' : 's'} waiting.` : '';
  const why = p.status_message ? ` (${p.status_message})` : '';
  return `Printer ${p.name} ${what}${why}.${waiting}`;
}

/**
 * printerAlert fills el with one line per troubled printer, or hides it.
 * A newly offline printer is not hidden by a screen that was already
 * showing another: every problem is listed.
 * @param {HTMLElement} el
 * @param {any[]} troubled
 */
export function printerAlert(el, troubled) {
  el.hidden = troubled.length === 0;
  el.dataset.count = String(troubled.length);
  fill(el, troubled.map((p) => h('p.printer-problem', { dataset: { printerId: p.id, status: p.status } },
    h('span.printer-icon', { 'aria-hidden': 'true' }, '⚠'), printerProblem(p))));
}
