// Shared realtime client for the rms web apps: one WebSocket to /ws that
// authenticates, subscribes to rooms, tracks the last seq per room and the
// event log's epoch, reconnects with jittered backoff and resumes with
// `since`, so a page misses nothing and sees nothing twice.
//
//   const rt = connect({ token: () => session.get('kds'), refresh });
//   rt.on('order:created', (order, meta) => ...);
//   rt.subscribe('kds', { since: xSeqFromRest });
//   rt.onState((state, { since }) => banner(state, since));
//   rt.onResync('kds', reloadFromRest);
//
// Works on plain-HTTP LAN pages (not secure contexts): no crypto.randomUUID,
// no service worker.

import { jwtClaims } from './api.js';
import { keepFresh } from './auth.js';
import { emitter, safe } from './emitter.js';
import { liveness } from './liveness.js';

/**
 * @typedef {Object} OrderItem
 * @property {number} id
 * @property {number} menu_item_id
 * @property {string} name
 * @property {number} quantity
 * @property {number} unit_price_cents
 * @property {string} notes
 * @property {string} station
 * @property {boolean} done
 * @property {number|null} course 1-based index into the settings' courses; null: none
 * @property {number|null} seat the guest it is for; null: shared
 * @property {string|null} fired_at when it went to the kitchen; null while held
 * @property {number} voided_quantity how much was voided (quantity is what is left)
 * @property {boolean} comped on the ticket at price 0
 * @property {string|null} comp_reason
 * @property {boolean} paid settled by a payment by item or seat
 * @property {OrderModifier[]} modifiers the choices, copied at order time in the kitchen's language
 */

/**
 * @typedef {Object} OrderModifier
 * @property {number} option_id
 * @property {string} group
 * @property {string} name
 * @property {number} price_delta_cents
 * @property {boolean} allergy true for a choice such as "no nuts" that must stand out
 */

/**
 * @typedef {'pending'|'confirmed'|'preparing'|'ready'|'served'|'paid'|'cancelled'} OrderStatus
 */

/**
 * @typedef {Object} Order
 * @property {number} id
 * @property {number} table_id
 * @property {string} table_name the table's current name ('T3')
 * @property {OrderStatus} status
 * @property {OrderItem[]} items
 * @property {string} notes
 * @property {number} subtotal_cents
 * @property {string} created_at RFC 3339 UTC
 * @property {string} updated_at RFC 3339 UTC
 * @property {string} status_changed_at RFC 3339 UTC
 * @property {string|null} cancel_reason
 * @property {string|null} paid_at when its bill was settled (RFC 3339 UTC); null until then. A settled order keeps its kitchen status until it is served
 */

/**
 * @typedef {Object} OpenRequest
 * @property {'waiter'|'bill'|'next_course'} kind
 * @property {string} created_at
 */

/**
 * @typedef {Object} Table
 * @property {number} id
 * @property {string} name
 * @property {number} seats
 * @property {string} section
 * @property {'available'|'occupied'|'reserved'|'cleaning'} status
 * @property {OpenRequest|null} open_request
 * @property {string} [status_changed_at]
 * @property {boolean} [deleted] true on a deleted table's table:updated ({id, deleted})
 */

/**
 * @typedef {Object} MenuItem
 * @property {number} id
 * @property {number} category_id
 * @property {string} name
 * @property {string} description
 * @property {number} price_cents
 * @property {boolean} available
 * @property {string[]} allergens
 * @property {string} station
 * @property {number} [position]
 * @property {number|null} [course] the default course of its lines; null: none
 * @property {Object} translations by ISO 639-1 code: {de: {name, description}}
 * @property {string|null} image_url
 * @property {string|null} thumb_url
 * @property {number[]} modifier_group_ids
 * @property {ModifierGroup[]} modifier_groups
 * @property {boolean} [deleted] true on a deleted item's menu:updated ({id, deleted})
 */

/**
 * @typedef {Object} ModifierGroup
 * @property {number} id
 * @property {string} name
 * @property {number} min
 * @property {number} max
 * @property {Object[]} options {id, name, price_delta_cents, available, default, allergy, translations}
 * @property {Object} translations by ISO 639-1 code: {de: {name}}
 */

/**
 * @typedef {Object} Payment
 * @property {number} id
 * @property {number} table_id
 * @property {number[]} order_ids
 * @property {'cash'|'card'|'other'} method
 * @property {number} amount_cents
 * @property {number} tip_cents
 * @property {string} created_at
 * @property {number[]} line_ids the lines a payment by item or seat settled; empty otherwise
 */

/**
 * @typedef {Object} Ready
 * @property {string} role
 * @property {number|null} [table_id]
 * @property {string} epoch
 * @property {number} seq
 */

/**
 * Payload type of every pushed event, by event name.
 * @typedef {{
 *   'order:created': Order,
 *   'order:updated': Order,
 *   'order:cancelled': Order,
 *   'table:updated': Table,
 *   'menu:updated': MenuItem,
 *   'payment:completed': Payment,
 *   'ready': Ready,
 *   'error': {code: string, message: string, room?: string},
 *   '*': any,
 * }} EventMap
 */

/**
 * Delivery details passed as the second argument to every event handler.
 * @typedef {Object} EventMeta
 * @property {string} event event name
 * @property {string} [room] room the event came through ('kds', 'table:3', ...)
 * @property {number} [seq] the event's global sequence number
 */

/** @typedef {'orders'|'tables'|'kds'|'menu'|'table'} RoomName */
/** @typedef {'connecting'|'connected'|'reconnecting'|'offline'} ConnState */

const BACKOFF_START_MS = 500;
const BACKOFF_CAP_MS = 10000;
// After this long without a working connection the banner says offline
// rather than reconnecting: the kitchen should call someone.
const OFFLINE_AFTER_MS = 30000;
const SEEN_LIMIT = 4096;

/**
 * Opens the realtime connection. It starts connecting at once.
 *
 * @param {Object} opts
 * @param {string|(() => string|null)} opts.token the token, or a function returning the current one
 * @param {() => Promise<string>} [opts.refresh] returns a fresh token (staff: POST /api/auth/refresh);
 *   used before the token expires (the policy of auth.js keepFresh) and once after a 4401 close
 * @param {string} [opts.url] WebSocket URL, default ws(s)://<this host>/ws
 * @param {{idleMs?: number, timeoutMs?: number}} [opts.probe] liveness probe: after idleMs
 *   without a frame send a ping, and drop the socket if nothing comes within timeoutMs
 *   (defaults 20 s and 10 s)
 */
export function connect({ token, refresh, url, probe: probeOpts } = /** @type {any} */ ({})) {
  const wsURL = url || (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';

  // Handlers by kind: events by name, 'state', 'auth', and resyncs by room.
  const events = emitter();
  const others = emitter();
  const resyncs = emitter();

  // Wanted subscriptions by room key ('kds', 'table:3'); they survive
  // reconnects. `since` is the newest seq seen for that room.
  /** @type {Map<string, {room: string, params: Object, since: number|undefined}>} */
  const rooms = new Map();
  // Seqs already delivered: a connection in two rooms of one event gets it
  // through either, and a resume of the other room must not repeat it.
  const seen = new Set();
  const seenOrder = [];

  /** @type {WebSocket|null} */
  let ws = null;
  let ready = false;
  let closed = false;
  /** @type {string|null} */
  let epoch = null;
  /** @type {ConnState} */
  let state = 'connecting';
  let stateSince = new Date();
  let attempt = 0;
  let droppedAt = 0;
  let retryTimer = 0;
  let offlineTimer = 0;
  let nextId = 1;
  /** @type {Map<number, {resolve: Function, reject: Function}>} */
  const pending = new Map();
  /** @type {string|null} */
  let refreshedToken = null;
  let triedRefreshFor401 = false;
  /** The newest seq delivered, in any room (reset with the epoch). */
  let lastSeen = 0;
  /** The log's newest seq when this connection became ready. */
  let readySeq = /** @type {number|undefined} */ (undefined);

  function currentToken() {
    const given = typeof token === 'function' ? token() : token;
    if (!refreshedToken) return given;
    if (!given) return refreshedToken;
    const a = jwtClaims(given)?.exp || 0;
    const b = jwtClaims(refreshedToken)?.exp || 0;
    return b > a ? refreshedToken : given;
  }

  function setState(s) {
    if (s === state) return;
    state = s;
    stateSince = s === 'connected' || s === 'connecting' ? new Date() : new Date(droppedAt || Date.now());
    others.emit('state', state, { since: stateSince });
  }

  function emit(event, data, meta) {
    for (const key of [event, '*']) {
      events.emit(key, data, meta);
    }
  }

  function fireResync(key, epochChanged = false) {
    resyncs.emit(key, key, { epochChanged });
  }

  function markSeen(seq) {
    seen.add(seq);
    seenOrder.push(seq);
    if (seenOrder.length > SEEN_LIMIT) seen.delete(seenOrder.shift());
  }

  function send(obj) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  function request(event, data) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const msg = { event, id };
      if (data !== undefined) msg.data = data;
      if (!ready || !send(msg)) {
        reject(Object.assign(new Error('not connected'), { code: 'disconnected' }));
        return;
      }
      pending.set(id, { resolve, reject });
    });
  }

  function subscribeFrame(entry) {
    const data = { ...entry.params };
    delete data.since;
    if (entry.since !== undefined && entry.since !== null) data.since = entry.since;
    // A room joined "live from now" still needs a resume point, or a drop
    // before its first event would come back without since and skip the
    // gap. The server joins at its newest seq, which is at least this.
    else entry.since = Math.max(readySeq || 0, lastSeen);
    return request('subscribe:' + entry.room, Object.keys(data).length ? data : undefined).catch((err) => {
      if (err && err.code !== 'disconnected') {
        emit('error', { code: err.code, message: err.message, room: entry.room }, { event: 'error' });
      }
      throw err;
    });
  }

  function open() {
    clearTimeout(retryTimer);
    if (closed) return;
    const t = currentToken();
    if (!t) {
      setState('offline');
      others.emit('auth', 4401);
      return;
    }
    if (state !== 'reconnecting' && state !== 'offline') setState('connecting');
    let sock;
    try {
      sock = new WebSocket(wsURL);
    } catch {
      scheduleReconnect();
      return;
    }
    ws = sock;
    ready = false;
    sock.onopen = () => {
      live.frame();
      sock.send(JSON.stringify({ event: 'auth', data: { token: t } }));
    };
    sock.onmessage = (ev) => {
      if (sock !== ws) return;
      live.frame();
      if (typeof ev.data !== 'string') return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      handleMessage(msg);
    };
    sock.onclose = (ev) => {
      if (sock !== ws) return;
      onClosed(ev.code);
    };
    sock.onerror = () => {
      // onclose always follows and carries the code; nothing to do here.
    };
  }

  function handleMessage(msg) {
    const { event, data } = msg;
    if (event === 'ready') {
      onReady(data || {});
      return;
    }
    if (event === 'ack' || (event === 'error' && msg.id)) {
      const p = pending.get(msg.id);
      if (p) {
        pending.delete(msg.id);
        if (event === 'ack') p.resolve(data);
        else p.reject(Object.assign(new Error((data && data.message) || 'error'), { code: data && data.code }));
      }
      return;
    }
    if (event === 'resync') {
      const key = msg.room;
      const entry = rooms.get(key);
      // The server joined the room live; the page reloads what came
      // before. Resume from the log's head at connect, never from nothing:
      // a subscription without since after the next drop would skip the
      // gap silently. A page that reloaded raises it with its X-Seq.
      if (entry) entry.since = readySeq;
      fireResync(key);
      return;
    }
    const seq = typeof msg.seq === 'number' ? msg.seq : undefined;
    if (seq !== undefined) {
      if (seen.has(seq)) {
        const entry = rooms.get(msg.room);
        if (entry && (entry.since === undefined || seq > entry.since)) entry.since = seq;
        return;
      }
      markSeen(seq);
      if (seq > lastSeen) lastSeen = seq;
      const entry = rooms.get(msg.room);
      if (entry && (entry.since === undefined || seq > entry.since)) entry.since = seq;
    }
    emit(event, data, { event, room: msg.room, seq });
  }

  function onReady(data) {
    // A second ready on the same socket answers a token refresh: the
    // subscriptions are still in place.
    if (ready) return;
    ready = true;
    attempt = 0;
    droppedAt = 0;
    triedRefreshFor401 = false;
    clearTimeout(offlineTimer);
    readySeq = typeof data.seq === 'number' ? data.seq : undefined;
    const epochChanged = epoch !== null && data.epoch !== epoch;
    epoch = data.epoch ?? epoch;
    if (epochChanged) {
      // Old seqs name events of a log that no longer exists: resume from the
      // new log's head and let every page reload its rooms over REST.
      seen.clear();
      seenOrder.length = 0;
      lastSeen = 0;
      for (const entry of rooms.values()) entry.since = typeof data.seq === 'number' ? data.seq : undefined;
    }
    setState('connected');
    emit('ready', data, { event: 'ready' });
    for (const entry of rooms.values()) subscribeFrame(entry).catch(() => {});
    if (epochChanged) for (const key of rooms.keys()) fireResync(key, true);
    fresh?.schedule();
    live.start();
  }

  function onClosed(code) {
    ws = null;
    ready = false;
    live.stop();
    for (const p of pending.values()) p.reject(Object.assign(new Error('disconnected'), { code: 'disconnected' }));
    pending.clear();
    if (closed) return;
    if (!droppedAt) droppedAt = Date.now();
    if (code === 4403) {
      authFailed(4403);
      return;
    }
    if (code === 4401) {
      if (refresh && !triedRefreshFor401) {
        triedRefreshFor401 = true;
        setState('reconnecting');
        refresh().then(
          (tok) => {
            if (tok) refreshedToken = tok;
            open();
          },
          (err) => {
            // A refresh that failed for lack of network is not a dead
            // session: keep trying; a 401 from the refresh is.
            if (err && err.status === 0) {
              triedRefreshFor401 = false;
              scheduleReconnect();
            } else authFailed(4401);
          },
        );
        return;
      }
      authFailed(4401);
      return;
    }
    scheduleReconnect();
  }

  // The token is renewed on a timer whether or not the socket is up, so a
  // screen that spent the token's life offline still comes back signed in.
  const fresh = refresh
    ? keepFresh({
        token: currentToken,
        refresh,
        onToken(tok) {
          refreshedToken = tok;
          send({ event: 'auth', data: { token: tok } });
        },
        onDead: () => authFailed(4401),
      })
    : null;

  function authFailed(code) {
    clearTimeout(retryTimer);
    fresh?.stop();
    clearTimeout(offlineTimer);
    setState('offline');
    others.emit('auth', code);
  }

  function scheduleReconnect() {
    if (closed) return;
    clearTimeout(retryTimer);
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    setState(offline || Date.now() - droppedAt >= OFFLINE_AFTER_MS ? 'offline' : 'reconnecting');
    if (state === 'reconnecting') {
      clearTimeout(offlineTimer);
      offlineTimer = setTimeout(() => {
        if (!ready && !closed && droppedAt) setState('offline');
      }, Math.max(0, OFFLINE_AFTER_MS - (Date.now() - droppedAt)));
    }
    const base = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** attempt);
    attempt++;
    // Full jitter between half and all of the step, so a room full of
    // screens does not reconnect in lockstep after the box restarts.
    const delay = base / 2 + Math.random() * (base / 2);
    retryTimer = setTimeout(open, delay);
  }

  const live = liveness({
    idleMs: probeOpts && probeOpts.idleMs,
    timeoutMs: probeOpts && probeOpts.timeoutMs,
    ping: () => request('ping').catch(() => {}),
    dead() {
      const sock = ws;
      if (!sock) return;
      try {
        sock.close(4000, 'no answer');
      } catch {
        // Already closing.
      }
      // A socket to a vanished peer may take minutes to report close.
      if (sock === ws) {
        sock.onclose = null;
        onClosed(1006);
      }
    },
  });

  function retryNow() {
    if (closed || ready || ws) return;
    attempt = 0;
    open();
  }

  const onOnline = () => retryNow();
  const onOffline = () => {
    if (!ready) setState('offline');
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') {
      retryNow();
      if (ready) {
        // Timers are throttled in background tabs; catch up on refresh.
        fresh?.schedule();
        live.checkNow();
      }
    }
  };
  if (typeof window !== 'undefined') {
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    document.addEventListener('visibilitychange', onVisible);
  }

  function roomKey(room, params) {
    return room === 'table' ? 'table:' + (params && params.table_id) : room;
  }

  const rt = {
    /**
     * Adds a handler for a pushed event ('order:created', ...), 'ready',
     * 'error', or '*' for every event. Returns a function that removes it.
     * @template {keyof EventMap} K
     * @param {K} event
     * @param {(data: EventMap[K], meta: EventMeta) => void} fn
     * @returns {() => void}
     */
    on(event, fn) {
      return events.on(event, fn);
    },

    /**
     * Joins a room, now and after every reconnect. `since` (the X-Seq of the
     * page's REST load) asks the server to replay what came after it. On a
     * room already joined, a larger `since` only moves the resume point.
     * @param {RoomName} room
     * @param {{table_id?: number, since?: number}} [params]
     * @returns {Promise<void>} resolves on the server's ack (or when queued while disconnected)
     */
    subscribe(room, params = {}) {
      const key = roomKey(room, params);
      const since = typeof params.since === 'number' ? params.since : undefined;
      const existing = rooms.get(key);
      if (existing) {
        if (since !== undefined && (existing.since === undefined || since > existing.since)) existing.since = since;
        return Promise.resolve();
      }
      const entry = { room, params: { ...params }, since };
      rooms.set(key, entry);
      if (!ready) return Promise.resolve();
      return subscribeFrame(entry).then(() => undefined);
    },

    /**
     * Leaves a room.
     * @param {RoomName} room
     * @param {{table_id?: number}} [params]
     */
    unsubscribe(room, params = {}) {
      const key = roomKey(room, params);
      const entry = rooms.get(key);
      if (!entry) return;
      rooms.delete(key);
      const data = room === 'table' ? { table_id: params.table_id } : undefined;
      if (ready) request('unsubscribe:' + room, data).catch(() => {});
    },

    /**
     * Calls fn with the connection state now and on every change; `since` is
     * when the connection dropped (reconnecting, offline) or came up.
     * @param {(state: ConnState, info: {since: Date}) => void} fn
     * @returns {() => void}
     */
    onState(fn) {
      safe(fn, state, { since: stateSince });
      return others.on('state', fn);
    },

    /**
     * Calls fn when the page must reload a room over REST: the server could
     * not replay the gap, or the event log's epoch changed. With
     * `epochChanged` the seqs the page holds belong to a log that is gone:
     * it must drop them, not compare new ones against them.
     * @param {RoomName|string} room 'kds', 'orders', ..., or 'table:3'
     * @param {(room: string, info: {epochChanged: boolean}) => void} fn
     * @returns {() => void}
     */
    onResync(room, fn) {
      return resyncs.on(room, fn);
    },

    /**
     * Calls fn with 4401 (token dead, refresh failed or absent) or 4403
     * (user deactivated, table re-paired). The client stops reconnecting.
     * @param {(code: number) => void} fn
     * @returns {() => void}
     */
    onAuthError(fn) {
      return others.on('auth', fn);
    },

    /**
     * Sends a request with an id; resolves on ack, rejects on error.
     * @param {string} event
     * @param {any} [data]
     * @returns {Promise<any>}
     */
    request,

    /**
     * Starts again after an auth error, e.g. once the user signed in anew.
     * Keeps rooms and seqs.
     */
    reconnect() {
      if (closed) return;
      if (ws) {
        const old = ws;
        ws = null;
        old.onclose = null;
        try {
          old.close(1000, 'reconnect');
        } catch {
          // Already closed.
        }
      }
      ready = false;
      refreshedToken = null;
      triedRefreshFor401 = false;
      attempt = 0;
      open();
    },

    /** The current state. @returns {ConnState} */
    get state() {
      return state;
    },

    /** The last seq seen per room key. @returns {Object<string, number|undefined>} */
    get seqs() {
      return Object.fromEntries([...rooms].map(([k, v]) => [k, v.since]));
    },

    /** Closes the connection for good. */
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(offlineTimer);
      fresh?.stop();
      live.stop();
      if (typeof window !== 'undefined') {
        window.removeEventListener('online', onOnline);
        window.removeEventListener('offline', onOffline);
        document.removeEventListener('visibilitychange', onVisible);
      }
      if (ws) {
        const old = ws;
        ws = null;
        try {
          old.close(1000, 'bye');
        } catch {
          // Already closed.
        }
      }
      ready = false;
    },
  };

  open();
  fresh?.schedule();
  return rt;
}
