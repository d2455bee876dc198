// Issue 14, "reconnect" and "token refresh", for the TypeScript client: with a publisher running, it survives a gateway
// restart and a cut socket, resuming with no gap and no duplicate and its filter set again; after the history is lost
// it emits 'resync'; an expiring token is replaced on reconnect. Each test has its own Redis, runner and gateway.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { NexusClient } from '../dist/index.js';
import { Stack, TcpCutter, entryId, record, startPublisher, token, until } from './harness.js';

let stack;
let client;

beforeEach(async () => { stack = await Stack.start(); });
afterEach(async () => {
  await client?.stop();
  client = undefined;
  await stack?.stop();
});

function newClient(options) {
  client = new NexusClient({ url: stack.url, reconnectDelayMs: 100, maxReconnectDelayMs: 1000, ...options });
  return client;
}

function events(target, type) {
  const seen = [];
  target.on(type, (e) => seen.push(e));
  return seen;
}

/** Every durable notification the client may see, from the first it saw to the last, exactly once and in order. */
async function assertNoGapNoDuplicate(log, allowed) {
  const seen = log.items.filter((n) => n.id).map((n) => entryId(n.id));
  const expected = (await stack.history()).filter((e) => allowed(e.channel)).map((e) => e.entryId);
  const first = expected.indexOf(seen[0]);
  assert.ok(first >= 0, 'the first id seen is in the history');
  assert.equal(new Set(seen).size, seen.length, 'no duplicate');
  assert.deepEqual(seen, expected.slice(first));
}

test('after a gateway restart the client resumes with no gap, no duplicate and its filter', { timeout: 120_000 }, async () => {
  newClient({ devUser: 'rita' });
  const log = record(client);
  const reconnected = events(client, 'reconnected');
  const resyncs = events(client, 'resync');
  await client.start();
  await client.unsubscribe(['noise']);
  const publisher = startPublisher(stack, ['global', 'noise', 'user:rita', 'user:someone-else']);
  await until(() => log.items.length >= 20, 'live traffic before the restart');

  await stack.restartGateway();

  await until(() => reconnected.length > 0, 'the client reconnected', 30_000);
  const atReconnect = log.items.length;
  await until(() => log.items.length >= atReconnect + 20, 'live traffic after the restart');
  await publisher.stop();
  const final = await stack.publish('global', 'final');
  await log.waitFor((n) => n.id === final, 'the final notification');

  assert.deepEqual(reconnected.map((r) => r.resumed), [true]);
  assert.deepEqual(resyncs, []);
  assert.deepEqual(client.filter.exclude, ['noise']);
  await assertNoGapNoDuplicate(log, (c) => c === 'global' || c === 'user:rita');
});

test('after the socket is cut the client resumes with no gap and no duplicate', { timeout: 120_000 }, async () => {
  const cutter = await TcpCutter.start(stack.gatewayPort);
  try {
    newClient({ url: `ws://127.0.0.1:${cutter.port}/ws`, devUser: 'sam' });
    const log = record(client);
    const reconnected = events(client, 'reconnected');
    await client.start();
    await client.subscribe(['global', 'user:sam']);
    const publisher = startPublisher(stack, ['global', 'noise', 'user:sam']);
    for (let cut = 1; cut <= 3; cut++) {
      const before = log.items.length;
      await until(() => log.items.length >= before + 10, `live traffic before cut ${cut}`);
      assert.equal(cutter.cutAll(), 1);
      await until(() => reconnected.length >= cut, `reconnect after cut ${cut}`, 30_000);
    }
    const seen = log.items.length;
    await until(() => log.items.length >= seen + 10, 'live traffic after the last cut');
    await publisher.stop();
    const final = await stack.publish('global', 'final');
    await log.waitFor((n) => n.id === final, 'the final notification');

    assert.ok(reconnected.every((r) => r.resumed));
    assert.deepEqual(client.filter.include, ['global', 'user:sam']);
    await assertNoGapNoDuplicate(log, (c) => c === 'global' || c === 'user:sam');
  } finally {
    await cutter.stop();
  }
});

test('when the history lost the last id, the client emits resync once reconnected', { timeout: 120_000 }, async () => {
  newClient({ devUser: 'ursula' });
  const log = record(client);
  const resyncs = events(client, 'resync');
  const reconnected = events(client, 'reconnected');
  let listedInHandler = null;
  client.on('resync', async () => { listedInHandler = await client.listAgents(); });
  await client.start();
  const lastSeen = await stack.publish('global', 'before');
  await log.waitFor((n) => n.id === lastSeen, 'the notification before the outage');

  await stack.stopGateway();
  await stack.loseHistory();
  await stack.publish('global', 'missed');
  await stack.startGateway();

  await until(() => resyncs.length > 0, 'the resync event', 30_000);
  assert.deepEqual(resyncs, [{ reason: 'history_lost', lastId: lastSeen }]);
  assert.deepEqual(reconnected, [{ resumed: false, replayed: 0 }]);
  // The handler can call the gateway: the connection is ready when the event fires.
  await until(() => listedInHandler !== null, 'the call made by the resync handler');
  assert.deepEqual(listedInHandler, []);
  assert.ok(!log.items.some((n) => n.event === 'missed'));
  const after = await stack.publish('global', 'after');
  await log.waitFor((n) => n.id === after, 'a notification after the resync');
});

test('an expiring token is replaced on reconnect, and nothing is missed', { timeout: 120_000 }, async () => {
  const issued = [];
  newClient({ accessToken: async () => { issued.push(token('tina', issued.length === 0 ? 5 : 600)); return issued.at(-1); } });
  const log = record(client);
  const reconnecting = events(client, 'reconnecting');
  const reconnected = events(client, 'reconnected');
  await client.start();
  await client.listAgents();
  const first = await stack.publish('user:tina', 'first');
  await log.waitFor((n) => n.id === first, 'a notification on the first token');

  // The gateway closes the socket with 1008 when the token expires; the client asks for a new one.
  await until(() => reconnecting.length > 0, 'the token expired', 15_000);
  const during = await stack.publish('user:tina', 'during');
  await until(() => reconnected.length > 0, 'reconnected with a new token', 15_000);

  assert.match(reconnecting[0].error.message, /1008/);
  assert.equal(issued.length, 2);
  assert.notEqual(issued[0], issued[1]);
  assert.equal(reconnected[0].resumed, true);
  await log.waitFor((n) => n.id === during, 'the notification published while reconnecting');
  assert.equal(client.state.state, 'connected');
});
