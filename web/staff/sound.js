// The chime for a guest's new order, made with WebAudio so there is no
// sound file to load. Browsers keep audio suspended until the person has
// touched the page; the first click or key after load unlocks it.

const MUTE_KEY = 'rms.staff.mute';
let ctx = null;

function audio() {
  if (!ctx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    try {
      ctx = new AC();
    } catch {
      return null;
    }
  }
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  return ctx;
}

let lockedBefore = false;

/** unlockAudio resumes audio from inside a user gesture. */
export function unlockAudio() {
  // Only the very first gesture wakes audio; later ones are choices.
  lockedBefore = !muted() && !ctx;
  audio();
  updateState();
}

/**
 * wasLocked tells whether audio was still locked when the current gesture
 * began, so the gesture that wakes it up is not also taken as "mute".
 */
export function wasLocked() {
  return lockedBefore;
}

/** muted tells whether the person turned the chime off on this device. */
export function muted() {
  try {
    return localStorage.getItem(MUTE_KEY) === '1';
  } catch {
    return false;
  }
}

/** setMuted turns the chime off or on for this device. */
export function setMuted(on) {
  try {
    if (on) localStorage.setItem(MUTE_KEY, '1');
    else localStorage.removeItem(MUTE_KEY);
  } catch {
    // Not persisted in private mode; the toggle still works until reload.
  }
  updateState();
}

/** soundState is 'muted', 'locked' (needs a click first) or 'on'. */
export function soundState() {
  if (muted()) return 'muted';
  if (!ctx || ctx.state !== 'running') return 'locked';
  return 'on';
}

function updateState() {
  document.body.dataset.sound = soundState();
}

/**
 * chime plays two rising notes. Every call counts in the body's
 * data-chimes attribute, which tests (and curious staff) can read.
 */
export function chime() {
  const body = document.body;
  body.dataset.chimes = String((Number(body.dataset.chimes) || 0) + 1);
  if (muted()) return;
  const ac = audio();
  if (!ac) return;
  const t0 = ac.currentTime + 0.02;
  [[880, 0], [1318.5, 0.16]].forEach(([freq, at]) => {
    const osc = ac.createOscillator();
    const gain = ac.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t0 + at);
    gain.gain.exponentialRampToValueAtTime(0.35, t0 + at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.45);
    osc.connect(gain).connect(ac.destination);
    osc.start(t0 + at);
    osc.stop(t0 + at + 0.5);
  });
  updateState();
}

for (const ev of ['pointerdown', 'keydown']) {
  window.addEventListener(ev, unlockAudio, { capture: true, passive: true });
}
