// The chime for a guest's new order, and the person's choice to mute it on
// this device. The audio itself (and its unlock on the first touch) is the
// shared lib/sound.js.
import { audioCreated, audioRunning, tone, unlockAudio } from '/lib/sound.js';

const MUTE_KEY = 'rms.staff.mute';

let lockedBefore = false;

function onGesture() {
  // Only the very first gesture wakes audio; later ones are choices.
  lockedBefore = !muted() && !audioCreated();
  unlockAudio().then(updateState);
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
  return audioRunning() ? 'on' : 'locked';
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
  tone({ at: 0.02, dur: 0.45, freq: 880, vol: 0.35, attack: 0.02 });
  tone({ at: 0.18, dur: 0.45, freq: 1318.5, vol: 0.35, attack: 0.02 });
  updateState();
}

/**
 * alertTone plays three short notes for a call, a bill request or an order
 * ready at the pass: unlike the new-order chime, it asks someone to walk
 * over. Every call counts in the body's data-alerts attribute.
 */
export function alertTone() {
  const body = document.body;
  body.dataset.alerts = String((Number(body.dataset.alerts) || 0) + 1);
  if (muted()) return;
  for (const at of [0.02, 0.2, 0.38]) tone({ at, dur: 0.14, freq: 1046.5, vol: 0.35, attack: 0.01 });
  updateState();
}

for (const ev of ['pointerdown', 'keydown']) {
  window.addEventListener(ev, onGesture, { capture: true, passive: true });
}
