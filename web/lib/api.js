// Shared REST client for the three rms web apps (table, kitchen, staff).
// Plain ES module, no build step. It must work on plain-HTTP LAN pages, which
// are not secure contexts: no crypto.randomUUID, no service worker.

/**
 * @typedef {Object} ErrorEnvelope
 * @property {{code: string, message: string, fields?: Object<string, string>}} error
 */

/** An API error: the contract's error envelope, or code 'network' with status 0. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the box could not be reached
   * @param {string} code contract error code ('not_found', 'conflict', ..., 'network')
   * @param {string} message human-readable message
   * @param {Object<string, string>} [fields] per-field validation messages
   */
  constructor(status, code, message, fields) {
    super(message || code);
    this.name = 'ApiError';
    /** @type {number} */
    this.status = status;
    /** @type {string} */
    this.code = code;
    /** @type {Object<string, string>|undefined} */
    this.fields = fields;
  }
}

/**
 * Calls the REST API and returns the parsed JSON body (null for an empty body).
 * The response's X-Seq header, when present, is exposed as a non-enumerable
 * `seq` number property on the returned object (arrays and objects only), so
 * a page can subscribe with `{since: res.seq}`.
 *
 * @template T
 * @param {string} method 'GET', 'POST', 'PATCH', 'DELETE'
 * @param {string} path e.g. '/api/orders?active=true'
 * @param {{token?: string|null, body?: any, headers?: Object<string,string>, signal?: AbortSignal}} [opts]
 * @returns {Promise<T & {seq?: number}>}
 * @throws {ApiError}
 */
export async function api(method, path, { token, body, headers, signal } = {}) {
  const h = { Accept: 'application/json', ...(headers || {}) };
  if (token) h.Authorization = 'Bearer ' + token;
  const init = { method, headers: h, cache: 'no-store', signal };
  if (typeof FormData !== 'undefined' && body instanceof FormData) {
    init.body = body; // the browser writes multipart/form-data with its boundary
  } else if (typeof Blob !== 'undefined' && body instanceof Blob) {
    // A file (an item's photo) goes as it is, with the type the caller set.
    init.body = body;
    if (!h['Content-Type']) h['Content-Type'] = body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The box cannot be reached');
  }
  const text = await res.text().catch(() => '');
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      // A non-JSON body (a proxy page, a truncated response) is still an error
      // the caller can show; never hand back half-parsed data.
      if (!res.ok) throw new ApiError(res.status, statusCode(res.status), text.slice(0, 200));
      throw new ApiError(res.status, 'bad_response', 'The box sent a response that is not JSON');
    }
  }
  if (!res.ok) {
    const err = data && data.error;
    if (err) throw new ApiError(res.status, err.code || statusCode(res.status), err.message || '', err.fields);
    throw new ApiError(res.status, statusCode(res.status), res.statusText || 'HTTP ' + res.status);
  }
  const seq = res.headers.get('X-Seq');
  if (seq !== null && data !== null && typeof data === 'object') {
    Object.defineProperty(data, 'seq', { value: Number(seq), enumerable: false });
  }
  return data;
}

function statusCode(status) {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 409: return 'conflict';
    case 413: return 'too_large';
    case 422: return 'validation_failed';
    case 429: return 'rate_limited';
    default: return 'http_' + status;
  }
}

/**
 * A fresh random key for the Idempotency-Key header (a version 4 UUID built
 * from crypto.getRandomValues, which works outside secure contexts).
 * @returns {string}
 */
export function newIdempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * listOf accepts a bare array or an object wrapping one under key, whichever
 * the API sends ({orders: [...]} or [...]).
 * @param {any} body
 * @param {string} key
 * @returns {any[]}
 */
export function listOf(body, key) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body[key])) return body[key];
  return [];
}

const moneyFormats = new Map();

/**
 * Formats integer minor units as money, e.g. formatMoney(1250, 'EUR') -> '€12.50'.
 * @param {number} cents amount in minor units
 * @param {string} [currency] ISO 4217 code, default 'EUR'
 * @returns {string}
 */
export function formatMoney(cents, currency = 'EUR') {
  const cur = currency || 'EUR';
  let f = moneyFormats.get(cur);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency: cur });
    } catch {
      f = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    moneyFormats.set(cur, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format((cents || 0) / 10 ** digits);
}

/** @typedef {'staff'|'kds'|'table'} AppName */

const storageKey = (app) => 'rms.token.' + app;

/** One token per app, kept in localStorage so a reload stays signed in. */
export const session = {
  /** @param {AppName} app @returns {string|null} */
  get(app) {
    try {
      return localStorage.getItem(storageKey(app));
    } catch {
      return null;
    }
  },
  /** @param {AppName} app @param {string} token */
  set(app, token) {
    try {
      localStorage.setItem(storageKey(app), token);
    } catch {
      // Private mode or a full quota: the session lasts until reload.
    }
  },
  /** @param {AppName} app */
  clear(app) {
    try {
      localStorage.removeItem(storageKey(app));
    } catch {
      // Nothing stored, nothing to clear.
    }
  },
};

/**
 * @typedef {Object} JwtClaims
 * @property {string} [iss]
 * @property {string} [sub] staff user id
 * @property {'admin'|'waiter'|'chef'|'customer'} [role]
 * @property {number} [table_id] customer tokens only
 * @property {number} [ver]
 * @property {number} [exp] expiry, Unix seconds
 * @property {number} [iat] issued at, Unix seconds
 */

/**
 * Decodes a JWT's claims without verifying it (the server verifies; the page
 * only needs role and expiry). Returns null for anything that is not a JWT.
 * @param {string|null|undefined} token
 * @returns {JwtClaims|null}
 */
export function jwtClaims(token) {
  if (!token || typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    let b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/**
 * tokenAlive tells whether a token is a JWT of one of roles (any role when
 * roles is omitted) that has not expired, with marginMs to spare.
 * @param {string|null|undefined} token
 * @param {string[]} [roles]
 * @param {number} [marginMs]
 */
export function tokenAlive(token, roles, marginMs = 0) {
  const c = jwtClaims(token);
  return Boolean(c && (!roles || roles.includes(c.role)) && (!c.exp || c.exp * 1000 > Date.now() + marginMs));
}

/** sleep resolves after ms. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * retry runs fn until it returns, waiting 1 s, 2 s, 4 s … up to 10 s between
 * failures: a screen outlives a box that restarts or a Wi-Fi that drops.
 * @template T
 * @param {(attempt: number) => Promise<T>} fn
 * @param {{giveUp?: (err: any) => boolean, onRetry?: (err: any, attempt: number) => void}} [opts]
 *   giveUp: rethrow this error rather than try again; onRetry: told of each failure before the wait
 * @returns {Promise<T>}
 */
export async function retry(fn, { giveUp = () => false, onRetry = () => {} } = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (giveUp(err)) throw err;
      onRetry(err, attempt);
      await sleep(Math.min(10000, 1000 * 2 ** attempt));
    }
  }
}
