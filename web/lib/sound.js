// Sound for the apps that ring (staff chime, kitchen beeps), made with
// WebAudio so there is no file to load. Browsers keep audio suspended until
// the person has touched the page: unlockAudio() runs inside that gesture.

/** @type {AudioContext|null} */
let ctx = null;
const AC = typeof window !== 'undefined' ? window.AudioContext || /** @type {any} */ (window).webkitAudioContext : null;

/** hasAudio tells whether this browser can make sound at all. */
export function hasAudio() {
  return Boolean(AC);
}

/** audioContext returns the page's one AudioContext, creating it on first use (null without WebAudio). */
export function audioContext() {
  if (!ctx && AC) {
    try {
      ctx = new AC();
    } catch {
      return null;
    }
  }
  return ctx;
}

/** audioCreated tells whether a gesture has already asked for audio. */
export function audioCreated() {
  return ctx !== null;
}

/** audioRunning tells whether sound would be heard now. */
export function audioRunning() {
  return Boolean(ctx && ctx.state === 'running');
}

/**
 * unlockAudio wakes audio from inside a user gesture; the promise settles
 * once the browser has answered.
 * @returns {Promise<void>}
 */
export function unlockAudio() {
  const c = audioContext();
  if (!c) return Promise.resolve();
  const p = c.state === 'running' ? Promise.resolve() : c.resume().catch(() => {});
  // A silent blip actually starts output on Safari-like browsers.
  tone({ dur: 0.01, freq: 440, vol: 0.0001 });
  return p;
}

/**
 * tone plays one sine note with a soft attack and decay, if audio runs.
 * @param {{at?: number, dur: number, freq: number, vol?: number, attack?: number}} note
 *   at and dur in seconds from now; vol 0..1
 */
export function tone({ at = 0, dur, freq, vol = 0.25, attack = 0.015 }) {
  const c = ctx;
  if (!c || c.state !== 'running') return;
  const t = c.currentTime + at;
  const osc = c.createOscillator();
  const gain = c.createGain();
  osc.type = 'sine';
  osc.frequency.setValueAtTime(freq, t);
  gain.gain.setValueAtTime(0.0001, t);
  gain.gain.exponentialRampToValueAtTime(vol, t + attack);
  gain.gain.exponentialRampToValueAtTime(0.0001, t + dur);
  osc.connect(gain).connect(c.destination);
  osc.start(t);
  osc.stop(t + dur + 0.05);
}
