// Helpers of the Socket.IO client tests: the box under test (BOX, started
// by the Go test that runs these files), its REST API, and waiting for
// events with a deadline so that no test hangs.
import assert from 'node:assert/strict';

export const BOX = process.env.BOX;
export const CONTROL = process.env.BOX_CONTROL;
assert.ok(BOX, 'BOX is the address of a running box; run these tests through go test (TestSocketIOClients)');

/** api sends a JSON request as token and returns the decoded body; it fails on an unexpected status. */
export async function api(method, path, token, body, want) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(BOX + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const expected = want ?? (method === 'POST' ? [200, 201] : [200]);
  assert.ok([].concat(expected).includes(res.status), `${method} ${path} = ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export const login = async (username, password) => (await api('POST', '/api/auth/login', '', { username, password })).token;

export const staff = async () => ({
  admin: await login('admin', 'admin123'),
  waiter: await login('ana', 'waiter123'),
  chef: await login('marco', 'chef123'),
});

/** pair trades a fresh pairing code of a table for its iPad's token. */
export async function pair(waiter, tableId) {
  const { code } = await api('POST', `/api/tables/${tableId}/pair`, waiter);
  return (await api('POST', '/api/pair', '', { code })).token;
}

/** order places one line of a menu item at a table and returns the order. */
export const order = (token, tableId, item = 6, notes = '') =>
  api('POST', '/api/orders', token, { table_id: tableId, items: [{ menu_item_id: item, quantity: 1, notes: '' }], notes });

/** next resolves with the first argument of the first emission of event that passes match, within ms. */
export function next(emitter, event, match = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { emitter.off(event, on); reject(new Error(`no ${event} within ${ms} ms`)); }, ms);
    function on(...args) {
      if (!match(...args)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(args[0]);
    }
    emitter.on(event, on);
  });
}

/** collect records every payload of the given events, in arrival order. */
export function collect(socket, events) {
  const log = [];
  for (const e of events) socket.on(e, (data) => log.push({ event: e, data }));
  return log;
}

/** until polls cond every 20 ms for at most ms. */
export async function until(what, cond, ms = 10000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** restart asks the Go test to restart the box (same data, same port). */
export async function restart() {
  const res = await fetch(CONTROL + '/restart', { method: 'POST' });
  assert.equal(res.status, 200, 'restart the box');
}
