// Fitting tickets to the screen: the fixed grid, which tickets take a
// whole column, pages, and shrinking type where a ticket or the all-day
// list would overflow.
import { h } from '/lib/dom.js';
import { renderTicket } from './ticket.js';

/** @typedef {import('/lib/realtime.js').Order} Order */

// A fixed grid: the columns are set by the screen's width (six on a 1080p
// TV, whose page is always drawn 1920 wide), never by how many tickets
// there are, and tickets fill them top to bottom, two to a column, oldest
// first. A ticket's room depends on its own lines only: half a column, or a
// whole column when it is too long for half (a little smaller type first),
// or two columns, its lines continuing into the second (as Square's display
// does). So bumping or recalling a ticket moves only the tickets after it,
// each by one slot, and "press 3" keeps meaning the third slot. A later
// short ticket may fill a gap left above (its number still tells its age).
// More tickets than the screen holds go to pages, which the board announces
// loudly. Nothing a ticket says is ever cut to make it fit.
export function layout(grid, list) {
  const style = getComputedStyle(grid);
  const gap = parseFloat(style.columnGap) || 0;
  const innerW = grid.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const innerH = grid.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  const cols = columnsFor(innerW, gap);
  if (!list.length) return { cols, scale: 1, pages: [[]] };
  const cellH = (innerH - gap) / 2;
  const width = (innerW - gap * (cols - 1)) / cols;
  const heights = measure(list, width, 1);
  // A ticket a little too long for its room tries slightly smaller type
  // before taking more room.
  const over = list.filter((o, i) => heights[i] > cellH + 1);
  const smaller = new Map();
  if (over.length) measure(over, width, SHRINK).forEach((hgt, i) => smaller.set(over[i], hgt));
  const spans = list.map((o, i) => {
    const h1 = heights[i];
    const h2 = smaller.has(o) ? smaller.get(o) : h1;
    if (h1 <= cellH + 1 || h2 <= cellH + 1) return 1;
    if (h1 <= innerH + 1 || h2 <= innerH + 1) return 2;
    return 4;
  });
  return { cols, scale: 1, pages: place(list, spans, cols) };
}

/** The narrowest column a ticket gets: six of them on a 1080p TV. */
const MIN_COLUMN = 255;

/** columnsFor is the number of columns the board's width holds (2 to 6). */
export function columnsFor(innerW, gap) {
  return Math.max(2, Math.min(6, Math.floor((innerW + gap) / (MIN_COLUMN + gap))));
}

/** The type scale a ticket tries before it takes more room. */
const SHRINK = 0.85;

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
// A two-column ticket overflows sideways: its lines run on into a third
// column, out of sight (a banner that shortens the board does that).
export function fitTickets(grid) {
  for (const t of grid.querySelectorAll('.ticket')) {
    const items = t.querySelector('.t-items');
    const overflows = () => items.scrollHeight > items.clientHeight + 1 || items.scrollWidth > items.clientWidth + 1;
    let scale = Number(t.dataset.scale) || 1;
    t.style.setProperty('--scale', String(scale));
    while (overflows() && scale > MIN_SCALE) {
      scale = Math.max(MIN_SCALE, Math.round((scale - 0.06) * 100) / 100);
      t.style.setProperty('--scale', String(scale));
    }
    t.querySelector('.t-more').hidden = !overflows();
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
