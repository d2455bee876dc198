// Issue 14, "both clients against the real gateway": the TypeScript client receives, calls every method of docs/protocol.md
// section 4.2, gets typed errors and applies filters, against the real gateway, runner and Redis.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCodes, Events, NexusClient, NexusConnectionError, NexusError, isEvent } from '../dist/index.js';
import { Stack, record, until, user } from './harness.js';

let stack;
const clients = [];

before(async () => { stack = await Stack.start(); });
after(async () => {
  for (const c of clients) await c.stop();
  await stack?.stop();
});

/** A started client of a dev user, registered by the gateway (its first call has been answered). */
async function connect(name, options = {}) {
  const client = new NexusClient({ url: stack.url, devUser: name, reconnectDelayMs: 100, maxReconnectDelayMs: 1000, ...options });
  clients.push(client);
  await client.start();
  await client.listAgents();
  return client;
}

test('receives section 6 events typed and any other event raw, with the ids of durable ones', { timeout: 120_000 }, async () => {
  const client = await connect(user('ana'));
  const log = record(client);

  const startedId = await stack.publish('global', Events.AgentStarted, { sessionId: 's_1', task: 'echo hi', owner: 'ana' });
  await stack.publish('approval', Events.ApprovalRequest, {
    requestId: 'apr_1', sessionId: 's_1', owner: 'ana', tool: 'write_file', arguments: { file: 'a.txt' }, requestedAt: 1, expiresAt: 2,
  });
  await stack.publishPlain('global', 'custom.thing', { answer: 42 });
  const malformedId = await stack.publish('global', Events.AgentCompleted, { sessionId: 5 });

  const started = await log.waitFor((n) => n.event === Events.AgentStarted, 'agent.started');
  assert.equal(started.id, startedId);
  assert.equal(started.channel, 'global');
  assert.ok(isEvent(started, 'agent.started'));
  assert.deepEqual(started.data, { sessionId: 's_1', task: 'echo hi', owner: 'ana' });

  const request = await log.waitFor((n) => n.event === Events.ApprovalRequest, 'approval_request');
  assert.ok(isEvent(request, 'approval_request'));
  assert.equal(request.data.arguments.file, 'a.txt');
  assert.ok(!isEvent(request, 'approval_resolved'));

  const custom = await log.waitFor((n) => n.event === 'custom.thing', 'the plain publish');
  assert.equal(custom.id, undefined);
  assert.deepEqual(custom.data, { answer: 42 });

  // A section 6 name with data of another shape (anyone may publish it) is not taken for the typed event.
  const malformed = await log.waitFor((n) => n.id === malformedId, 'the malformed agent.completed');
  assert.ok(!isEvent(malformed, 'agent.completed'));
  assert.equal(client.lastNotificationId, malformedId);
});

test('every method works through the gateway and the runner', { timeout: 120_000 }, async () => {
  const [aliceName, bobName] = [user('alice'), user('bob')];
  const alice = await connect(aliceName);
  const bob = await connect(bobName);
  const aliceLog = record(alice);
  const bobLog = record(bob);

  const sessionId = await alice.runAgent('write notes.txt hello then echo saved', { idempotencyKey: crypto.randomUUID() });
  const request = await bobLog.waitFor((n) => isEvent(n, 'approval_request') && n.data.sessionId === sessionId, 'the approval request');
  assert.equal(request.data.owner, aliceName);
  assert.equal(request.data.tool, 'write_file');

  const pending = await bob.listApprovals({ state: 'pending' });
  const listed = pending.find((a) => a.requestId === request.data.requestId);
  assert.equal(listed?.sessionId, sessionId);
  assert.ok(listed.expiresAt > listed.requestedAt);
  assert.equal((await alice.listAgents()).find((s) => s.sessionId === sessionId)?.status, 'waiting_approval');

  const response = await bob.respondToApproval(request.data.requestId, 'approve', { reason: 'fine' });
  assert.deepEqual(response, { requestId: request.data.requestId, decision: 'approved', status: 'resolved' });
  const resolved = await aliceLog.waitFor((n) => isEvent(n, 'approval_resolved') && n.data.requestId === request.data.requestId, 'approval_resolved');
  assert.equal(resolved.data.by, bobName);
  assert.equal(resolved.data.reason, 'fine');
  const completed = await aliceLog.waitFor((n) => isEvent(n, 'agent.completed') && n.data.sessionId === sessionId, 'agent.completed');
  assert.equal(completed.data.success, true);
  assert.equal(completed.data.result, 'saved');
  assert.ok(aliceLog.items.some((n) => isEvent(n, 'agent.progress') && n.data.sessionId === sessionId));

  const sleeping = await alice.runAgent('sleep 30');
  assert.deepEqual(await alice.cancelAgent(sleeping), { sessionId: sleeping, status: 'cancelling' });
  const cancelled = await aliceLog.waitFor((n) => isEvent(n, 'agent.completed') && n.data.sessionId === sleeping, 'the cancelled session');
  assert.equal(cancelled.data.reason, 'cancelled');
  const sessions = await alice.listAgents();
  assert.deepEqual(sessions.filter((s) => s.sessionId === sleeping || s.sessionId === sessionId).map((s) => s.sessionId), [sleeping, sessionId]);

  // notify.resume by hand, on a second connection of alice's: replays what came after an id, in id order.
  const durable = aliceLog.items.filter((n) => n.id);
  const second = new NexusClient({ url: stack.url, devUser: aliceName });
  clients.push(second);
  const secondLog = record(second);
  await second.start();
  const resumed = await second.resume(durable[0].id);
  assert.equal(resumed.recovered, true);
  assert.equal(resumed.replayed, durable.length - 1);
  assert.deepEqual(secondLog.items.slice(0, resumed.replayed).map((n) => n.id), durable.slice(1).map((n) => n.id));

  const raw = await alice.call('agent.list', {});
  assert.equal(raw.sessions.length, sessions.length);
});

test('errors are NexusError with the JSON-RPC code and data', { timeout: 120_000 }, async () => {
  const [ownerName, otherName] = [user('olga'), user('otto')];
  const owner = await connect(ownerName);
  const other = await connect(otherName);

  const badParam = await owner.resume('7'.repeat(70)).catch((e) => e);
  assert.ok(badParam instanceof NexusError);
  assert.equal(badParam.code, ErrorCodes.InvalidParams);
  assert.equal(badParam.param, 'since');
  assert.equal(badParam.method, 'notify.resume');

  const notFound = await owner.respondToApproval('apr_no_such_request', 'approve').catch((e) => e);
  assert.equal(notFound.code, ErrorCodes.NotFound);

  const sessionId = await owner.runAgent('write mine.txt x');
  const forbidden = await other.cancelAgent(sessionId).catch((e) => e);
  assert.equal(forbidden.code, ErrorCodes.Forbidden);

  let requestId;
  await until(async () => (requestId = (await owner.listApprovals()).find((a) => a.sessionId === sessionId)?.requestId), 'the approval request');
  await other.respondToApproval(requestId, 'deny', { reason: 'no' });
  const conflict = await owner.respondToApproval(requestId, 'approve').catch((e) => e);
  assert.equal(conflict.code, ErrorCodes.Conflict);
  assert.deepEqual({ requestId: conflict.data.requestId, status: conflict.data.status, by: conflict.data.by }, { requestId, status: 'denied', by: otherName });

  const unknown = await owner.call('no.such.method').catch((e) => e);
  assert.equal(unknown.code, ErrorCodes.MethodNotFound);

  const empty = await owner.subscribe([]).catch((e) => e);
  assert.equal(empty.code, ErrorCodes.InvalidParams);
  assert.equal(empty.param, 'channels');
  assert.deepEqual(owner.filter, { include: null, exclude: [] });

  // Per-call cancellation and timeout are local: the signal's reason, or NexusConnectionError 'timeout'.
  const aborted = await owner.listAgents({ signal: AbortSignal.abort(new Error('not wanted')) }).catch((e) => e);
  assert.equal(aborted.message, 'not wanted');
  const late = await owner.listAgents({ timeoutMs: 1 }).catch((e) => e);
  assert.ok(late instanceof NexusConnectionError);
  assert.equal(late.kind, 'timeout');
});

test('filters narrow what arrives, and the client keeps the gateway\'s filter', { timeout: 120_000 }, async () => {
  const client = await connect(user('fay'));
  const log = record(client);

  let filter = await client.subscribe(['approval', 'news:*']);
  assert.deepEqual(filter, { include: ['approval', 'news:*'], exclude: [] });
  filter = await client.unsubscribe(['news:sports']);
  assert.deepEqual(filter, { include: ['approval', 'news:*'], exclude: ['news:sports'] });
  assert.deepEqual(client.filter, filter);

  await stack.publish('global', 'not.for.me');
  await stack.publish('news:sports', 'not.for.me');
  await stack.publish('news:tech', 'for.me');
  await stack.publish('approval', 'sentinel');
  await log.waitFor((n) => n.event === 'sentinel', 'the sentinel');
  assert.deepEqual(log.items.map((n) => n.event), ['for.me', 'sentinel']);
});

test('notifications() iterates from the call on and ends when the client stops; calls wait for start', { timeout: 120_000 }, async () => {
  const name = user('gus');
  const client = new NexusClient({ url: stack.url, devUser: name });
  const early = client.listAgents();
  const seen = [];
  const reading = (async () => { for await (const n of client.notifications()) seen.push(n.event); })();
  await client.start();
  assert.deepEqual(await early, []);
  await stack.publish(`user:${name}`, 'one');
  await until(() => seen.length === 1, 'the notification');
  await client.stop();
  await reading;
  assert.deepEqual(seen, ['one']);
  assert.equal(client.state.state, 'disconnected');
  const afterStop = await client.listAgents().catch((e) => e);
  assert.equal(afterStop.kind, 'stopped');
});

test('a refused upgrade fails start()', { timeout: 120_000 }, async () => {
  const client = new NexusClient({ url: stack.url, accessToken: () => 'not-a-token' });
  const error = await client.start().catch((e) => e);
  assert.ok(error instanceof NexusConnectionError);
  assert.equal(error.kind, 'connect');
  assert.equal(client.state.state, 'disconnected');
});
