// Staff sign-in and the token's life, one policy for the staff app and the
// kitchen display:
// - a token is renewed (POST /api/auth/refresh) ten minutes before it
//   expires, or at half its life if that is shorter; the realtime
//   connection runs that timer (keepFresh), connected or not, and hands the
//   new token to its socket;
// - a REST call answered 401 renews the token once and is sent again; only
//   when the renewal fails too has the session ended;
// - a renewal that fails for lack of network is tried again in 30 s: a dead
//   Wi-Fi is not a dead session.

import { api, ApiError, session, jwtClaims, tokenAlive } from './api.js';

// A refresh this long before expiry keeps a screen signed in all evening.
const REFRESH_MARGIN_MS = 10 * 60 * 1000;
const RETRY_MS = 30000;

/**
 * keepFresh renews a token before it expires, on a timer.
 * @param {Object} opts
 * @param {() => string|null} opts.token the token now
 * @param {() => Promise<string>} opts.refresh returns a fresh token
 * @param {(token: string) => void} [opts.onToken] called with each new token
 * @param {() => void} [opts.onDead] the box refused the renewal (401, 403)
 * @returns {{schedule: () => void, stop: () => void}}
 */
export function keepFresh({ token, refresh, onToken, onDead }) {
  let timer = 0;
  let stopped = false;

  function schedule() {
    clearTimeout(timer);
    if (stopped) return;
    const c = jwtClaims(token());
    if (!c || !c.exp) return;
    const life = c.iat ? (c.exp - c.iat) * 1000 : REFRESH_MARGIN_MS * 2;
    const margin = Math.min(REFRESH_MARGIN_MS, life / 2);
    const wait = Math.max(1000, c.exp * 1000 - margin - Date.now());
    // setTimeout overflows past ~24.8 days; re-check rather than fire early.
    timer = setTimeout(renew, Math.min(wait, 2 ** 31 - 1));
  }

  async function renew() {
    if (stopped) return;
    const exp = jwtClaims(token())?.exp;
    if (exp && exp * 1000 - Date.now() > REFRESH_MARGIN_MS * 1.5) {
      schedule();
      return;
    }
    try {
      const tok = await refresh();
      if (stopped) return;
      if (tok && onToken) onToken(tok);
      schedule();
    } catch (err) {
      if (err && (err.status === 401 || err.status === 403)) {
        stop();
        if (onDead) onDead();
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(renew, RETRY_MS);
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
  }

  return {
    schedule() {
      stopped = false;
      schedule();
    },
    stop,
  };
}

/**
 * @typedef {Object} StaffSession
 * @property {() => string|null} token the stored token
 * @property {(token: string) => void} set
 * @property {() => void} clear
 * @property {() => Promise<string>} refresh trades the token for a fresh one (one request at a time)
 * @property {(method: string, path: string, body?: any, headers?: Object<string,string>) => Promise<any>} call
 *   api() with the token, renewing it once on a 401
 * @property {(username: string, password: string) => Promise<{token: string, user: {username: string, role: string}}>} signIn
 *   POST /api/auth/login; the caller checks the role and stores the token
 * @property {(roles: string[]) => boolean} usable whether the stored token has one of roles and has not expired
 */

/**
 * staffSession is one app's signed-in staff member.
 * @param {'staff'|'kds'} app the session key (the token lives in localStorage)
 * @param {{onEnded: () => void}} hooks onEnded: the token is dead and could not be renewed
 * @returns {StaffSession}
 */
export function staffSession(app, { onEnded }) {
  /** @type {Promise<string>|null} */
  let refreshing = null;
  const token = () => session.get(app);

  function refresh() {
    if (!refreshing) {
      refreshing = api('POST', '/api/auth/refresh', { token: token() })
        .then((res) => {
          session.set(app, res.token);
          return res.token;
        })
        .finally(() => {
          refreshing = null;
        });
    }
    return refreshing;
  }

  async function call(method, path, body, headers) {
    try {
      return await api(method, path, { token: token(), body, headers });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      try {
        await refresh();
      } catch {
        onEnded();
        throw err;
      }
      return api(method, path, { token: token(), body, headers });
    }
  }

  return {
    token,
    set: (tok) => session.set(app, tok),
    clear: () => session.clear(app),
    refresh,
    call,
    signIn: (username, password) => api('POST', '/api/auth/login', { body: { username, password } }),
    usable: (roles) => tokenAlive(token(), roles, 5000),
  };
}
