// The seed's three clients (its desktop app, table PWA and kitchen
// display), written as the Express + Socket.io design's usage examples
// wrote them, against a real box: io(url, {auth: {token}}), one emit to
// subscribe, and listeners that receive the bare payload.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { BOX, api, staff, pair, order, next } from './box.mjs';

const sockets = [];
after(() => sockets.forEach((s) => s.disconnect()));

test('desktop, PWA and kitchen display connect unchanged and see one order through', async () => {
  const { admin, waiter, chef } = await staff();
  const tableId = 3;
  const customerToken = await pair(waiter, tableId);

  // Desktop app
  const desktop = io(BOX, { auth: { token: admin } });
  desktop.emit('subscribe:orders');
  const desktopCreated = next(desktop, 'order:created');

  // PWA customer tracking
  const pwa = io(BOX, { auth: { token: customerToken } });
  pwa.emit('subscribe:table', tableId);
  const pwaCreated = next(pwa, 'order:created');

  // Kitchen display system
  const kds = io(BOX, { auth: { token: chef } });
  kds.emit('subscribe:kds');
  const kdsCreated = next(kds, 'order:created');
  sockets.push(desktop, pwa, kds);

  await Promise.all([desktop, pwa, kds].map((s) => (s.connected ? null : next(s, 'connect'))));
  // The subscribes were buffered until the connect and sent with it; one
  // acknowledged request after them proves the box has taken them.
  await Promise.all([desktop, pwa, kds].map((s) => s.timeout(5000).emitWithAck('subscribe:menu')));

  // The guest orders from the iPad (over REST, as the PWA does).
  const placed = await order(customerToken, tableId, 6, 'from the PWA');
  for (const [who, got] of [['desktop', desktopCreated], ['pwa', pwaCreated], ['kds', kdsCreated]]) {
    const o = await got;
    assert.equal(o.id, placed.id, `${who} got the order`);
    assert.equal(o.table_id, tableId);
    assert.equal(o.notes, 'from the PWA');
    assert.deepEqual(Object.keys(o).sort(), Object.keys(placed).sort(), `${who}: the bare order, as REST returns it`);
  }

  // The kitchen starts it: the PWA's order:updated carries the new status.
  const pwaUpdated = next(pwa, 'order:updated', (o) => o.status === 'preparing');
  const kdsUpdated = next(kds, 'order:updated', (o) => o.status === 'preparing');
  if (placed.status === 'pending') await api('PATCH', `/api/orders/${placed.id}/status`, waiter, { status: 'confirmed' });
  await api('PATCH', `/api/orders/${placed.id}/status`, chef, { status: 'preparing' });
  assert.equal((await pwaUpdated).id, placed.id);
  assert.equal((await kdsUpdated).id, placed.id);

  // Nobody subscribed to a menu room in the seed; all three hear the 86.
  const menu = [desktop, pwa, kds].map((s) => next(s, 'menu:updated', (item) => item.id === 6));
  await api('PATCH', '/api/menu/items/6/availability', chef, { available: false });
  for (const item of await Promise.all(menu)) assert.equal(item.available, false);
  await api('PATCH', '/api/menu/items/6/availability', chef, { available: true });

  for (const s of [desktop, pwa, kds]) assert.ok(s.connected);
  assert.equal(desktop.io.engine.transport.name, 'websocket', 'the default client upgraded from polling');
});

test('every event of the contract reaches a Socket.IO client with its bare payload', async () => {
  const { admin, waiter } = await staff();
  const socket = io(BOX, { auth: { token: admin } });
  sockets.push(socket);
  for (const room of ['subscribe:orders', 'subscribe:tables', 'subscribe:kds']) {
    assert.deepEqual(await socket.timeout(5000).emitWithAck(room), { ok: true });
  }
  assert.deepEqual(await socket.timeout(5000).emitWithAck('subscribe:table', 5), { ok: true });

  await api('PATCH', '/api/tables/5/status', admin, { status: 'available' });
  const created = next(socket, 'order:created');
  const table = next(socket, 'table:updated', (t) => t.id === 5 && t.status === 'occupied');
  const o = await order(waiter, 5);
  assert.equal((await created).id, o.id);
  assert.equal((await table).name, 'T5');

  const cancelled = next(socket, 'order:cancelled', (x) => x.id === o.id);
  await api('POST', `/api/orders/${o.id}/cancel`, waiter, { reason: 'changed their mind' });
  assert.equal((await cancelled).cancel_reason, 'changed their mind');

  const second = await order(waiter, 5);
  // Settling the bill updates the order (paid, or paid_at set).
  const updated = next(socket, 'order:updated', (x) => x.id === second.id);
  const paid = next(socket, 'payment:completed', (p) => p.table_id === 5);
  const bill = await api('GET', '/api/tables/5/bill', waiter);
  await api('POST', '/api/payments', waiter, { table_id: 5, method: 'cash', amount_cents: bill.due_cents, tip_cents: 0 });
  const p = await paid;
  assert.deepEqual(p.order_ids, [second.id]);
  assert.equal(p.amount_cents, bill.due_cents);
  assert.equal((await updated).id, second.id);

  const menu = next(socket, 'menu:updated', (i) => i.id === 21);
  await api('PATCH', '/api/menu/items/21', admin, { price_cents: 375 });
  assert.equal((await menu).price_cents, 375);
});
