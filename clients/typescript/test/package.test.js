// The package itself: backoff bounds, the console's copy of the build, and a lock file that names no registry.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { backoffDelay, isEvent } from '../dist/index.js';
import { differences } from '../scripts/console-copy.mjs';

test('backoff doubles its ceiling up to the maximum, with equal jitter', () => {
  assert.equal(backoffDelay(0, 500, 15000, () => 0), 250);
  assert.equal(backoffDelay(0, 500, 15000, () => 1), 500);
  assert.equal(backoffDelay(3, 500, 15000, () => 0), 2000);
  assert.equal(backoffDelay(20, 500, 15000, () => 1), 15000);
  assert.equal(backoffDelay(20, 500, 15000, () => 0), 7500);
});

test('isEvent checks the shape of the data, not only the name', () => {
  const n = (data) => ({ channel: 'global', event: 'agent.completed', data, timestamp: 1 });
  assert.ok(isEvent(n({ sessionId: 's', success: true }), 'agent.completed'));
  assert.ok(!isEvent(n({ sessionId: 's', success: 'yes' }), 'agent.completed'));
  assert.ok(!isEvent(n(null), 'agent.completed'));
  assert.ok(!isEvent(n({ sessionId: 's', success: true }), 'agent.started'));
});

test('the console serves exactly this build (Nexus.Proxy/wwwroot/js/nexus-client)', async () => {
  assert.deepEqual(await differences(), [], 'run npm run build in clients/typescript and commit the console copy');
});

test('package-lock.json names no registry host', async () => {
  const lock = await readFile(new URL('../package-lock.json', import.meta.url), 'utf8');
  assert.ok(!lock.includes('"resolved"'), 'package-lock.json has "resolved" fields: remove them (see .npmrc)');
});
