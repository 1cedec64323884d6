// Fitting tickets to the screen: how many columns, which tickets take a
// whole column, pages, and shrinking type where a ticket or the all-day
// list would overflow.
import { h } from '/lib/dom.js';
import { renderTicket } from './ticket.js';

/** @typedef {import('/lib/realtime.js').Order} Order */

// Tickets fill the columns top to bottom, two to a column, oldest first. A
// ticket too long for half a column takes the whole column; one too long
// for a whole column takes two, its lines continuing into the second (as
// Square's display does). A later short ticket may fill a gap left above
// (its number still tells its age). The fewest columns (4 to 6) that hold
// every ticket win; then slightly smaller type; then pages, which the board
// announces loudly. Nothing a ticket says is ever cut to make it fit.
export function layout(grid, list) {
  if (!list.length) return { cols: 4, scale: 1, pages: [[]] };
  const style = getComputedStyle(grid);
  const gap = parseFloat(style.rowGap) || 0;
  const innerW = grid.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const innerH = grid.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  const cellH = (innerH - gap) / 2;
  const attempts = list.length > 12
    ? [[6, 0.9]]
    : [[4, 1], [5, 1], [6, 1], [6, 0.92], [6, 0.85], [6, 0.78]];
  let result = null;
  let spans = [];
  let width = 0;
  for (const [cols, scale] of attempts) {
    // Too few slots even if every ticket took half a column: skip measuring.
    if (list.length > cols * 2 && list.length <= 12) continue;
    width = (innerW - gap * (cols - 1)) / cols;
    const heights = measure(list, width, scale);
    spans = list.map((o, i) => (heights[i] > innerH + 1 ? 4 : heights[i] > cellH + 1 ? 2 : 1));
    result = { cols, scale, pages: place(list, spans, cols) };
    if (result.pages.length === 1) return result;
  }
  if (list.length <= 12) {
    // Twelve tickets should fit one screen: a long ticket that fits half a
    // column in the smallest type fitTickets allows goes back to half a
    // column, the least overgrown first; one that does not fit even then
    // keeps its room and the board pages.
    const small = measure(list, width, MIN_SCALE);
    const back = spans.map((sp, i) => i).filter((i) => spans[i] > 1 && small[i] <= cellH - 2).sort((a, b) => small[a] - small[b]);
    for (const i of back) {
      spans[i] = 1;
      result.pages = place(list, spans, result.cols);
      if (result.pages.length === 1) break;
    }
  }
  return result;
}

/** The smallest type scale a ticket shrinks to (fitTickets stops there). */
const MIN_SCALE = 0.6;

/**
 * Places tickets on pages of cols columns by two rows, column by column.
 * span is 1 (half a column), 2 (a column) or 4 (two columns).
 * @returns {{order: Order, col: number, row: number, span: number, wide: boolean}[][]}
 */
function place(list, spans, cols) {
  const pages = [];
  let cur = [];
  let used = new Array(cols * 2).fill(false); // index col*2+row
  const free = (c) => c < cols && !used[c * 2] && !used[c * 2 + 1];
  const fit = (span) => {
    for (let c = 0; c < cols; c++) {
      if (span === 4) {
        if (free(c) && free(c + 1)) return [c, 0];
      } else if (span === 2) {
        if (free(c)) return [c, 0];
      } else {
        for (let r = 0; r < 2; r++) if (!used[c * 2 + r]) return [c, r];
      }
    }
    return null;
  };
  list.forEach((o, i) => {
    // Fewer than two columns cannot take a two-column ticket: a column it is.
    const span = spans[i] === 4 && cols < 2 ? 2 : spans[i];
    let at = fit(span);
    if (!at) {
      pages.push(cur);
      cur = [];
      used = new Array(cols * 2).fill(false);
      at = fit(span);
    }
    const [col, row] = at;
    used[col * 2 + row] = true;
    if (span >= 2) used[col * 2 + 1] = true;
    if (span === 4) used[col * 2 + 2] = used[col * 2 + 3] = true;
    cur.push({ order: o, col, row, span: span === 1 ? 1 : 2, wide: span === 4 });
  });
  pages.push(cur);
  return pages;
}

const measurer = (() => {
  let box = null;
  return () => {
    if (!box) {
      box = h('div', { class: 'measure', 'aria-hidden': 'true' });
      document.body.append(box);
    }
    return box;
  };
})();

/** Natural heights of the tickets at the given column width and type scale. */
function measure(list, width, scale) {
  const box = measurer();
  box.style.width = width + 'px';
  box.style.setProperty('--scale', String(scale));
  box.replaceChildren(...list.map((o, i) => renderTicket(o, i)));
  const heights = [...box.children].map((el) => /** @type {HTMLElement} */ (el).offsetHeight);
  box.replaceChildren();
  return heights;
}

// A ticket that still overflows its place (two columns of lines) shrinks
// its type step by step; "more" shows only past the smallest readable type.
export function fitTickets(grid) {
  for (const t of grid.querySelectorAll('.ticket')) {
    const items = t.querySelector('.t-items');
    let scale = Number(t.dataset.scale) || 1;
    t.style.setProperty('--scale', String(scale));
    while (items.scrollHeight > items.clientHeight + 1 && scale > MIN_SCALE) {
      scale = Math.max(MIN_SCALE, Math.round((scale - 0.06) * 100) / 100);
      t.style.setProperty('--scale', String(scale));
    }
    t.querySelector('.t-more').hidden = !(items.scrollHeight > items.clientHeight + 1);
  }
}

// A long all-day list first gets smaller type, then hides its smallest
// counts behind a "+N more" line rather than run off the screen.
export function fitAllDay(listEl) {
  const panel = /** @type {HTMLElement} */ (listEl.parentElement);
  panel.querySelector('.allday-more')?.remove();
  const overflows = () => panel.scrollHeight > panel.clientHeight + 1;
  let px = 26;
  panel.style.setProperty('--ad', px + 'px');
  while (overflows() && px > 19) {
    px -= 1;
    panel.style.setProperty('--ad', px + 'px');
  }
  if (!overflows()) return;
  const more = h('p', { class: 'allday-more' }, '');
  panel.append(more);
  let hidden = 0;
  while (overflows() && listEl.lastElementChild) {
    listEl.lastElementChild.remove();
    hidden++;
    more.textContent = `+${hidden} more items`;
  }
}
