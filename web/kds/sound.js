// The kitchen's beeps: two rising notes for a new ticket, two falling for
// a cancellation. Browsers keep audio muted until the page gets a first tap
// or key; the page asks for that tap once, in plain words, and stops asking
// when it has it.
import { byId as $ } from '/lib/dom.js';
import { audioContext, audioRunning, hasAudio, tone, unlockAudio } from '/lib/sound.js';

function showAsk() {
  $('sound-ask').hidden = !hasAudio() || audioRunning();
  document.body.dataset.sound = audioRunning() ? 'on' : 'off';
}

export const sound = {
  init() {
    const ctx = audioContext();
    showAsk();
    const onFirst = () => {
      unlockAudio().then(showAsk);
      if (audioRunning()) {
        removeEventListener('pointerdown', onFirst, true);
        removeEventListener('keydown', onFirst, true);
      }
    };
    addEventListener('pointerdown', onFirst, true);
    addEventListener('keydown', onFirst, true);
    $('sound-ask').addEventListener('click', () => {
      unlockAudio().then(showAsk);
      setTimeout(() => {
        showAsk();
        if (audioRunning()) tone({ dur: 0.15, freq: 880 });
      }, 50);
    });
    if (ctx) ctx.onstatechange = showAsk;
  },
  newTicket() {
    // Counted even while muted, so a test (or a curious manager) can see
    // the page meant to ring.
    document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
    tone({ dur: 0.18, freq: 880 });
    tone({ at: 0.22, dur: 0.18, freq: 1175 });
  },
  cancelled() {
    tone({ dur: 0.25, freq: 523 });
    tone({ at: 0.28, dur: 0.4, freq: 330 });
  },
};
