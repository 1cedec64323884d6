// The cook's actions on a ticket: start, bump, recall, cross a line off and
// undo it. Each order's actions run one after another, and a double tap
// sends one request.
import { ApiError } from '/lib/api.js';
import { byId as $ } from '/lib/dom.js';
import { toaster } from '/lib/toast.js';
import { S, orders, bumped, current, isTicket, isPass, stationLines, stations, onStation, allHere, ghosts, tableName, keepGhosts, ticketsOf } from './state.js';
import { auth, applyFromRest } from './data.js';
import { schedule } from './board.js';
import { ask } from './confirm.js';

// Looked up at call time: data.js may not have run yet when this module does.
const call = (...args) => auth.call(...args);

/** The one message line at the bottom of the board. */
export const toast = toaster({ box: () => $('toast'), single: true, ttl: () => 5000 });

/** Actions on the way, by kind and target: a double tap sends one. */
const busy = new Set();

/** The tail of each order's queue of actions: they run one after another. */
const queues = new Map();

/**
 * Runs fn after the actions already queued for order id, unless the same
 * action (key) is still on its way. fn reads the order as it is when its
 * turn comes, so a bump pressed right after a start sees it preparing.
 */
function act(label, id, fn, key = `${label}:${id}`) {
  if (busy.has(key)) return;
  busy.add(key);
  const run = async () => {
    try {
      await fn();
    } catch (err) {
      const why = err instanceof ApiError ? (err.status === 0 ? 'the box cannot be reached' : err.message || err.code) : String(err);
      toast(`Could not ${label}: ${why}`);
      if (err instanceof ApiError && (err.status === 409 || err.status === 404)) {
        try {
          applyFromRest(await call('GET', `/api/orders/${id}`));
        } catch {
          // The next event or resync brings it back in line.
        }
      }
    } finally {
      busy.delete(key);
    }
  };
  const next = (queues.get(id) || Promise.resolve()).then(run);
  queues.set(id, next);
  next.then(() => {
    if (queues.get(id) === next) queues.delete(id);
  });
}

async function setStatus(id, status) {
  applyFromRest(await call('PATCH', `/api/orders/${id}/status`, { status }));
}

async function setLine(id, itemId, done) {
  const res = await call('PATCH', `/api/orders/${id}/items/${itemId}`, { done });
  if (res && Array.isArray(res.items)) applyFromRest(res);
  else {
    const cur = orders.get(id);
    if (cur) {
      const items = cur.items.map((i) => (i.id === itemId ? { ...i, done } : i));
      orders.put({ ...cur, items });
      schedule();
    }
  }
}

/**
 * reprint prints the order's kitchen tickets again: this screen's station
 * only, on a station screen, and only course, for a ticket of one fired course.
 */
export function reprint(id, course = 0) {
  act('reprint', id, async () => {
    let n = 0;
    // One request per station of this screen (none: every station).
    for (const st of onStation() ? [...stations] : [null]) {
      const body = { ...(st ? { station: st } : {}), ...(course ? { course } : {}) };
      const res = await call('POST', `/api/orders/${id}/tickets/print`, Object.keys(body).length ? body : undefined);
      n += res?.jobs?.length || 0;
    }
    toast(`Ticket #${id} sent to ${n} printer${n === 1 ? '' : 's'}.`);
  });
}

export function start(id) {
  const o = current(id);
  if (!o || o.status !== 'confirmed') return;
  act('start', id, async () => {
    if (current(id)?.status === 'confirmed') await setStatus(id, 'preparing');
  });
}

/**
 * bump finishes a ticket. key names the ticket of an order split by its
 * fires: its lines are crossed off (the box makes the order ready when
 * nothing is left and nothing is held).
 */
export function bump(id, key = null) {
  const o = current(id);
  if (!o || !isTicket(o)) return;
  act('bump', id, async () => {
    const now = current(id);
    if (!now || !isTicket(now)) return;
    if (now.status === 'confirmed') await setStatus(id, 'preparing');
    const views = ticketsOf(current(id) || now);
    // From the keyboard no ticket is named: the oldest fire still cooking.
    if (key === null && views.length > 1) key = views.find((v) => !v._held && stationLines(v).some((i) => !i.done))?._key ?? null;
    if (key !== null) {
      const view = views.find((v) => v._key === key);
      for (const it of view ? stationLines(view) : []) if (!it.done) await setLine(id, it.id, true);
    } else if (!allHere(current(id) || now)) {
      // At a station, bumping finishes this station's lines; the order turns
      // ready when the last line of the whole order is done.
      for (const it of stationLines(current(id) || now)) if (!it.done) await setLine(id, it.id, true);
    } else {
      await setStatus(id, 'ready');
    }
    const at = bumped.indexOf(id);
    if (at >= 0) bumped.splice(at, 1);
    bumped.push(id);
    if (bumped.length > 50) bumped.shift();
    if (S.selectedId === id) S.selectedId = null;
  });
}

/**
 * askRecall asks before recalling a ticket from the pass: a recall by
 * mistake puts a finished dish back on the board in the middle of a rush.
 */
export async function askRecall(id) {
  const o = current(id);
  if (!o || !isPass(o)) return;
  const ok = await ask({
    title: `Recall ${tableName(o.table_id)} #${id} to the kitchen?`,
    text: 'It goes back on the board, to cook again.',
    yes: 'Recall',
    keys: ['r'],
  });
  if (ok) recall(id);
}

export function recall(id) {
  const o = current(id);
  if (!o || !isPass(o)) return;
  // Select it now, not after the answer: keys pressed meanwhile must not
  // have their cursor reset under them.
  S.selectedId = id;
  S.cursorLine = -1;
  act('recall', id, async () => {
    const now = current(id);
    if (!now || !isPass(now)) return;
    if (now.status === 'ready') await setStatus(id, 'preparing');
    if (onStation()) {
      for (const it of stationLines(current(id) || now)) if (it.done) await setLine(id, it.id, false);
    }
    const at = bumped.indexOf(id);
    if (at >= 0) bumped.splice(at, 1);
  });
}

/** Crosses a line off (or brings it back), as the cook sees it at the tap. */
export function toggleLine(id, itemId) {
  const o = current(id);
  if (!o || !isTicket(o)) return;
  const item = o.items.find((i) => i.id === itemId);
  if (!item) return;
  const done = !item.done;
  S.lastCross = done ? { id, itemId } : null;
  act(done ? 'cross off the line' : 'undo the line', id, async () => {
    // Crossing off a line means cooking has begun.
    if (done && current(id)?.status === 'confirmed') await setStatus(id, 'preparing');
    await setLine(id, itemId, done);
  }, `line:${id}:${itemId}:${done}`);
}

/** Brings back the line crossed off last on this screen. */
export function undoCross() {
  if (!S.lastCross) return;
  const { id, itemId } = S.lastCross;
  S.lastCross = null;
  act('undo the line', id, async () => {
    if (current(id)?.status === 'ready') await setStatus(id, 'preparing');
    await setLine(id, itemId, false);
  }, `line:${id}:${itemId}:false`);
}

/**
 * acknowledge clears a cancelled ticket from this screen: a cook has seen
 * it. It is this screen's own business, so it asks nothing of the box.
 */
export function acknowledge(id) {
  if (!ghosts.delete(id)) return;
  keepGhosts();
  if (S.selectedId === id) S.selectedId = null;
  schedule();
}
