// Selection and the keyboard: a kitchen with a bump bar or a keyboard
// works the board without touching it.
import { S, current, isTicket, gridOrders, stationLines, recallTarget, ghosts } from './state.js';
import { start, bump, askRecall, toggleLine, undoCross, acknowledge } from './actions.js';
import { openHelp } from './help.js';
import { open86 } from './eighty6.js';
import { schedule } from './board.js';

function pageList() {
  const list = gridOrders().filter((o) => o.status !== 'cancelled');
  return list;
}

export function select(id) {
  if (S.selectedId !== id) S.cursorLine = -1;
  S.selectedId = id;
  schedule();
}

function selectedOrFirst() {
  if (S.selectedId !== null && current(S.selectedId) && isTicket(current(S.selectedId))) return S.selectedId;
  const list = S.shownPage.filter((o) => o.status !== 'cancelled');
  return list.length ? list[0].id : null;
}

/**
 * onKey: digits select, arrows move, X crosses off, S starts, Enter bumps
 * (or clears a selected cancelled ticket), C clears the oldest cancelled
 * ticket, R recalls (after a confirming key), Z undoes, M opens the 86
 * list, H or ? the help. An open dialog has the keys to itself.
 */
export function onKey(e) {
  if (e.target instanceof HTMLInputElement || document.querySelector('dialog[open]')) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const list = pageList();
  const onPage = S.shownPage;
  const key = e.key;
  let handled = true;
  if (/^[0-9]$/.test(key)) {
    const n = key === '0' ? 10 : Number(key);
    const o = onPage[n - 1];
    if (o) select(o.id);
  } else if (key === 'ArrowRight' || key === 'ArrowLeft') {
    if (list.length) {
      const at = list.findIndex((o) => o.id === S.selectedId);
      const step = key === 'ArrowRight' ? 1 : -1;
      const first = list.findIndex((o) => o.id === S.shownPage[0]?.id);
      const next = at < 0 ? (step > 0 ? Math.max(0, first) : list.length - 1) : (at + step + list.length) % list.length;
      select(list[next].id);
    }
  } else if (key === 'ArrowDown' || key === 'ArrowUp') {
    const id = selectedOrFirst();
    const o = id !== null && current(id);
    if (o) {
      const n = stationLines(o).length;
      if (S.selectedId !== id) select(id);
      S.cursorLine = key === 'ArrowDown' ? (S.cursorLine + 1) % n : S.cursorLine <= 0 ? n - 1 : S.cursorLine - 1;
      schedule();
    }
  } else if (key === 'x' || key === 'X' || key === '.') {
    const id = selectedOrFirst();
    const o = id !== null && current(id);
    if (o) {
      const lines = stationLines(o);
      const line = lines[S.cursorLine >= 0 ? S.cursorLine : lines.findIndex((i) => !i.done)];
      if (line) toggleLine(id, line.id);
    }
  } else if (key === 's' || key === 'S') {
    const id = selectedOrFirst();
    if (id !== null) start(id);
  } else if ((key === 'Enter' || key === 'b' || key === 'B') && ghosts.has(S.selectedId)) {
    acknowledge(S.selectedId);
  } else if (key === 'c' || key === 'C') {
    // The oldest cancelled ticket on this screen has been seen.
    const g = gridOrders().find((o) => ghosts.has(o.id));
    if (g) acknowledge(g.id);
  } else if (key === 'Enter' || key === 'b' || key === 'B') {
    const id = selectedOrFirst();
    if (id !== null) bump(id);
  } else if (key === 'r' || key === 'R') {
    const id = recallTarget();
    if (id !== null) askRecall(id);
  } else if (key === 'm' || key === 'M') {
    open86();
  } else if (key === 'h' || key === 'H' || key === '?') {
    openHelp();
  } else if (key === 'z' || key === 'Z' || key === 'u' || key === 'U') {
    undoCross();
  } else if (key === 'PageDown') {
    S.page++;
    S.selectedId = null;
    schedule();
  } else if (key === 'PageUp') {
    S.page = Math.max(0, S.page - 1);
    S.selectedId = null;
    schedule();
  } else if (key === 'Escape') {
    S.selectedId = null;
    S.cursorLine = -1;
    schedule();
  } else handled = false;
  if (handled) e.preventDefault();
}
