// Polling-only and WebSocket-only clients, the default upgrade, acks, and
// one change seen in the same order by a /ws client and a Socket.IO client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { BOX, staff, order, next, until } from './box.mjs';

const sockets = [];
after(() => sockets.forEach((s) => s.disconnect()));

for (const transports of [['polling'], ['websocket'], undefined]) {
  const name = transports ? transports.join('') + ' only' : 'default (polling, then the upgrade)';
  test(`${name}: connect, ack, events in order`, async () => {
    const { waiter } = await staff();
    const socket = io(BOX, { auth: { token: waiter }, transports, forceNew: true });
    sockets.push(socket);
    await next(socket, 'connect');
    assert.deepEqual(await socket.timeout(5000).emitWithAck('subscribe:kds'), { ok: true });
    const got = [];
    socket.on('order:created', (o) => got.push(o.id));
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await order(waiter, 1 + (i % 4))).id);
    await until('five orders', () => got.length >= 5);
    assert.deepEqual(got, ids);
    const want = transports ? transports[0] : 'websocket';
    await until(`transport ${want}`, () => socket.io.engine.transport.name === want);
  });
}

test('one change reaches a /ws client and a Socket.IO client, in the same order', async () => {
  const { waiter } = await staff();
  const ws = new WebSocket(BOX.replace(/^http/, 'ws') + '/ws', { headers: { authorization: `Bearer ${waiter}` } });
  const frames = [];
  ws.on('message', (m) => frames.push(JSON.parse(m)));
  await until('/ws ready', () => frames.some((f) => f.event === 'ready'));
  ws.send(JSON.stringify({ event: 'subscribe:orders', id: 1 }));
  await until('/ws ack', () => frames.some((f) => f.event === 'ack'));

  const socket = io(BOX, { auth: { token: waiter }, forceNew: true });
  sockets.push(socket);
  await socket.timeout(5000).emitWithAck('subscribe:orders');
  const sio = [];
  socket.onAny((event, data) => sio.push({ event, data }));

  const ids = [];
  for (let i = 0; i < 6; i++) ids.push((await order(waiter, 1 + (i % 3))).id);
  const pushed = () => frames.filter((f) => f.seq);
  await until('both clients have every event', () => pushed().length >= 6 && sio.length >= 6);
  ws.close();
  // The same events, the same payloads, the same order.
  assert.deepEqual(sio.map((e) => e.event), pushed().map((f) => f.event));
  assert.deepEqual(sio.map((e) => e.data), pushed().map((f) => f.data));
  assert.deepEqual(sio.filter((e) => e.event === 'order:created').map((e) => e.data.id), ids);
});
