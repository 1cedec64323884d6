// The confirming step of an action that is easy to press by mistake on a
// busy board (recalling a ticket from the pass, 86ing a dish): one modal
// question, answered by touch or by key. Enter, Y or the action's own key
// again say yes; Escape, N or Backspace say no. A question nobody answers
// goes away by itself, so a TV is never left holding one.
import { byId as $ } from '/lib/dom.js';

const UNANSWERED_MS = 20000;

let pending = null;

/**
 * ask shows the question and resolves true when the cook confirms.
 * @param {{title: string, text?: string, yes: string, keys?: string[], danger?: boolean}} q
 * @returns {Promise<boolean>}
 */
export function ask(q) {
  const dlg = /** @type {HTMLDialogElement} */ ($('confirm'));
  if (pending) pending(false);
  $('confirm-title').textContent = q.title;
  $('confirm-text').textContent = q.text || '';
  $('confirm-text').hidden = !q.text;
  const yes = $('confirm-yes');
  yes.firstChild.textContent = q.yes + ' ';
  yes.className = 'btn btn-xl ' + (q.danger ? 'btn-danger' : 'btn-primary');
  const keys = new Set(['enter', 'y', ...(q.keys || []).map((k) => k.toLowerCase())]);
  $('confirm-keys').textContent = [...keys].filter((k) => k !== 'enter').map((k) => k.toUpperCase()).join(' / ');
  return new Promise((resolve) => {
    let timer = 0;
    const done = (ok) => {
      if (pending !== done) return;
      pending = null;
      clearTimeout(timer);
      dlg.removeEventListener('keydown', onKey);
      dlg.removeEventListener('close', onClose);
      dlg.removeEventListener('click', onClick);
      if (dlg.open) dlg.close(ok ? 'yes' : 'no');
      resolve(ok);
    };
    const onKey = (e) => {
      const k = e.key.toLowerCase();
      if (keys.has(k)) {
        e.preventDefault();
        e.stopPropagation();
        done(true);
      } else if (k === 'escape' || k === 'n' || k === 'backspace') {
        e.preventDefault();
        e.stopPropagation();
        done(false);
      }
    };
    // The close event comes a task later: one left from the question
    // before finds this one open, and is not its answer.
    const onClose = () => {
      if (!dlg.open) done(dlg.returnValue === 'yes');
    };
    // A tap answers at once, not when the dialog's close event comes.
    const onClick = (e) => {
      const b = /** @type {HTMLElement} */ (e.target).closest('button');
      if (!b) return;
      e.preventDefault();
      done(b.id === 'confirm-yes');
    };
    pending = done;
    dlg.returnValue = '';
    dlg.addEventListener('keydown', onKey);
    dlg.addEventListener('close', onClose);
    dlg.addEventListener('click', onClick);
    dlg.showModal();
    yes.focus();
    timer = setTimeout(() => done(false), UNANSWERED_MS);
  });
}

/** asking tells whether a question is on screen. */
export const asking = () => pending !== null;
