// A box restart: socket.io-client reconnects by itself; a client that
// subscribes in its connect handler is back in its rooms and hears what
// happens after the restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { BOX, staff, order, next, restart } from './box.mjs';

const sockets = [];
after(() => sockets.forEach((s) => s.disconnect()));

test('clients reconnect after a box restart', async () => {
  const { waiter } = await staff();
  const clients = [undefined, ['polling'], ['websocket']].map((transports) => {
    const socket = io(BOX, { auth: { token: waiter }, transports, forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 1000 });
    socket.on('connect', () => socket.emit('subscribe:kds'));
    sockets.push(socket);
    return socket;
  });
  await Promise.all(clients.map((s) => next(s, 'connect')));
  await Promise.all(clients.map((s) => s.timeout(5000).emitWithAck('subscribe:kds')));
  const first = clients.map((s) => next(s, 'order:created'));
  const before = await order(waiter, 8);
  for (const o of await Promise.all(first)) assert.equal(o.id, before.id);

  const gone = clients.map((s) => next(s, 'disconnect'));
  const back = clients.map((s) => next(s, 'connect', () => true, 20000));
  await restart();
  // The going-away close (or a poll cut short by the shutdown): either way
  // not the server's disconnect, so the client reconnects by itself.
  for (const reason of await Promise.all(gone)) assert.ok(['transport close', 'transport error'].includes(reason), reason);
  await Promise.all(back);
  // The connect handler's subscribe is in; one ack after it proves it.
  await Promise.all(clients.map((s) => s.timeout(5000).emitWithAck('subscribe:kds')));
  const second = clients.map((s) => next(s, 'order:created'));
  const afterRestart = await order(waiter, 8);
  for (const o of await Promise.all(second)) assert.equal(o.id, afterRestart.id);
});
