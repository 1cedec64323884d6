// Liveness of one WebSocket. The server's protocol pings are invisible to
// page code, and a browser can keep a dead socket "open" for minutes after
// the box loses power, so the client probes on its own: any frame counts as
// a sign of life.

const IDLE_MS = 20000;
const TIMEOUT_MS = 10000;

/**
 * liveness watches a connection: after idleMs without a frame it calls
 * ping(), and when no frame at all arrives within timeoutMs it calls dead().
 * @param {{idleMs?: number, timeoutMs?: number, ping: () => void, dead: () => void}} opts
 *   defaults 20 s and 10 s
 * @returns {{frame: () => void, start: () => void, stop: () => void, checkNow: () => void}}
 *   frame: a frame arrived; start: the connection is up; stop: it is down;
 *   checkNow: probe at once if idle (timers sleep in background tabs)
 */
export function liveness({ idleMs: idle, timeoutMs: timeout, ping, dead }) {
  const idleMs = idle || IDLE_MS;
  const timeoutMs = timeout || TIMEOUT_MS;
  let timer = 0;
  let lastFrame = 0;
  let watching = false;

  function check() {
    if (!watching) return;
    const idle = Date.now() - lastFrame;
    if (idle < idleMs) {
      timer = setTimeout(check, idleMs - idle);
      return;
    }
    const before = lastFrame;
    // Any answer will do (the contract answers an unknown event with an
    // error frame); silence means the path to the box is gone.
    ping();
    timer = setTimeout(() => {
      if (!watching) return;
      if (lastFrame === before) {
        watching = false;
        dead();
      } else start();
    }, timeoutMs);
  }

  function start() {
    clearTimeout(timer);
    watching = true;
    timer = setTimeout(check, idleMs);
  }

  return {
    frame() {
      lastFrame = Date.now();
    },
    start,
    stop() {
      watching = false;
      clearTimeout(timer);
    },
    checkNow() {
      if (!watching) return;
      clearTimeout(timer);
      check();
    },
  };
}
