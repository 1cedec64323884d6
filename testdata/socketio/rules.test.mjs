// Refusals: a bad token is a connect_error, a customer may not join
// another table's room (nor staff rooms), an unknown event is answered.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { BOX, staff, pair, order, next } from './box.mjs';

const sockets = [];
after(() => sockets.forEach((s) => s.disconnect()));

test('a bad token is refused with connect_error', async () => {
  for (const token of ['not-a-token', undefined]) {
    const socket = io(BOX, { auth: token === undefined ? undefined : { token }, forceNew: true });
    sockets.push(socket);
    const err = await next(socket, 'connect_error');
    assert.equal(err.message, 'invalid or expired token');
    assert.deepEqual(err.data, { code: 'unauthorized' });
    assert.equal(socket.connected, false);
  }
});

test("a customer is refused another table's room and the staff rooms", async () => {
  const { waiter } = await staff();
  const own = await pair(waiter, 2);
  const socket = io(BOX, { auth: { token: own }, forceNew: true });
  sockets.push(socket);
  assert.deepEqual(await socket.timeout(5000).emitWithAck('subscribe:table', 2), { ok: true });
  const refused = await socket.timeout(5000).emitWithAck('subscribe:table', 4);
  assert.equal(refused.error.code, 'forbidden');
  for (const room of ['subscribe:orders', 'subscribe:kds', 'subscribe:tables']) {
    assert.equal((await socket.timeout(5000).emitWithAck(room)).error.code, 'forbidden', room);
  }
  // Without an ack callback, as the seed emits, the refusal is an error event.
  const error = next(socket, 'error');
  socket.emit('subscribe:table', 4);
  assert.equal((await error).code, 'forbidden');

  assert.equal((await socket.timeout(5000).emitWithAck('order:create', {})).error.code, 'unknown_event');

  // Table 4's order never reaches table 2's iPad; its own does.
  const seen = [];
  socket.on('order:created', (o) => seen.push(o.table_id));
  const arrived = next(socket, 'order:created', (x) => x.table_id === 2);
  await order(waiter, 4);
  const mine = await order(waiter, 2);
  assert.equal((await arrived).id, mine.id);
  assert.deepEqual(seen, [2]);
});

test('re-pairing the table disconnects its iPad for good', async () => {
  const { waiter } = await staff();
  const socket = io(BOX, { auth: { token: await pair(waiter, 7) }, forceNew: true });
  sockets.push(socket);
  await next(socket, 'connect');
  const gone = next(socket, 'disconnect');
  await pair(waiter, 7);
  assert.equal(await gone, 'io server disconnect');
  // socket.io-client does not reconnect after the server's disconnect;
  // doing so by hand with the old token is refused.
  socket.connect();
  assert.equal((await next(socket, 'connect_error')).message, 'invalid or expired token');
});
