// Nexus operator console: wires the views to one connection, the TypeScript client @nexus/client (issues 7 and 14).

import { byId } from './dom.js';
import { ApprovalsView } from './approvals.js';
import { Feed } from './feed.js';
import { backoffDelay, describeError, Link, NexusClient } from './nexus.js';
import { SessionsView } from './sessions.js';
import { describeIdentity, loadIdentity, saveIdentity, SignInForm, socketOptions } from './signin.js';
import { applyNotification, Store } from './state.js';
import { ConnectionView, StatusArea } from './status.js';

const store = new Store();
const status = new StatusArea();
const link = new Link();
let wakeStart = null;
const connection = new ConnectionView(() => (wakeStart ? wakeStart() : link.client?.reconnectNow()));
const feed = new Feed();
new ApprovalsView(store, link, status);
new SessionsView(store, link, status);
const signInForm = new SignInForm(signIn, status);

let sessionRefresh = null;

function onNotification(n) {
  feed.add(n);
  if (applyNotification(store, n).resyncSessions) refreshSessionsSoon();
}

// Coalesces a burst of progress events of an unknown session into one agent.list.
function refreshSessionsSoon() {
  if (sessionRefresh) return;
  sessionRefresh = setTimeout(async () => {
    try {
      store.mergeSessionList(await link.nexus.listAgents());
    } catch (error) {
      status.error(describeError('agent.list', error));
    } finally {
      sessionRefresh = null;
    }
  }, 250);
}

/** Loads sessions and approvals: at sign-in, and when a reconnect could not replay what was missed. */
async function resync(successNotice, kind = 'info') {
  const mark = store.approvalsMark();
  const nexus = link.nexus;
  const [sessions, approvals] = await Promise.allSettled([nexus.listAgents(), nexus.listApprovals()]);
  if (sessions.status === 'fulfilled') store.mergeSessionList(sessions.value);
  else status.error(describeError('agent.list', sessions.reason));
  if (approvals.status === 'fulfilled') store.mergeApprovalList(approvals.value, mark);
  else status.error(describeError('approval.list', approvals.reason));
  if (sessions.status === 'fulfilled' && approvals.status === 'fulfilled') status.notice(successNotice, kind);
}

function createClient(identity) {
  const client = new NexusClient(socketOptions(identity));
  client.on('state', (info) => { if (link.client === client) connection.update(info); });
  client.on('notification', (n) => { if (link.client === client) onNotification(n); });
  // Resumed: the client replayed what was missed, in order, through 'notification'; nothing to reload.
  client.on('reconnected', (e) => {
    if (e.resumed) status.notice(`Reconnected; ${e.replayed} missed event${e.replayed === 1 ? '' : 's'} replayed.`);
  });
  // Not resumed: reload the lists, and say plainly when events were lost (issue 12 item 6).
  client.on('resync', (e) => {
    if (link.client !== client) return;
    if (e.reason === 'history_lost') {
      resync('Reconnected, but the events missed while disconnected could not be recovered (the history no longer has them): re-synced sessions and approvals.', 'warning');
    } else {
      resync('Reconnected and re-synced sessions and approvals.');
    }
  });
  return client;
}

/**
 * The first connection: the client reconnects by itself once connected, but a first attempt that fails (Nexus down,
 * a refused token) is retried here with the same backoff, saying after a few attempts what usually causes it.
 */
async function connectFirst(client) {
  for (let attempt = 0; link.client === client; attempt++) {
    try {
      await client.start();
      if (link.client === client) await resync('Connected.');
      return;
    } catch (error) {
      if (link.client !== client) return;
      if (attempt === 2) {
        status.error('Cannot open the connection to /ws. Check the user name or token (dev user names need Auth:AllowDevUsers on the gateway), or whether Nexus is running.');
      }
      const delay = backoffDelay(attempt, 500, 15000);
      connection.update({ state: 'reconnecting', attempt: attempt + 1, retryAt: Date.now() + delay, lastClose: null });
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        wakeStart = () => { clearTimeout(timer); resolve(); };
      });
      wakeStart = null;
    }
  }
}

function signIn(identity) {
  link.client?.stop();
  saveIdentity(identity);
  const me = describeIdentity(identity);
  store.signIn(me);
  feed.clear();
  status.clearError();
  byId('whoami').textContent = `Signed in as ${me.user}${me.approver ? ' (approver)' : ''}`;
  showSignedIn(true);
  link.client = createClient(identity);
  connectFirst(link.client);
  byId('run-task').focus();
}

function signOut() {
  const client = link.client;
  link.client = null;
  wakeStart?.();
  client?.stop();
  connection.update({ state: 'disconnected', attempt: 0, retryAt: null, lastClose: null });
  saveIdentity(null);
  store.signIn(null);
  feed.clear();
  status.notice('Signed out.');
  showSignedIn(false);
  signInForm.focus();
}

function showSignedIn(signedIn) {
  byId('signin').hidden = signedIn;
  byId('workspace').hidden = !signedIn;
  byId('whoami').hidden = !signedIn;
  byId('sign-out').hidden = !signedIn;
  connection.setSignedIn(signedIn);
}

byId('sign-out').addEventListener('click', signOut);

// For tests and debugging in the browser console only; the page itself never reads it.
window.nexusConsole = { link, store, connection };

const saved = loadIdentity();
if (saved) signIn(saved);
else signInForm.focus();
