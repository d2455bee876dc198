// Nexus operator console: wires the views to one JSON-RPC connection (issue 7).

import { byId } from './dom.js';
import { ApprovalsView } from './approvals.js';
import { Feed } from './feed.js';
import { describeError, RpcClient } from './rpc.js';
import { SessionsView } from './sessions.js';
import { describeIdentity, loadIdentity, saveIdentity, SignInForm, socketUrl } from './signin.js';
import { applyNotification, Store } from './state.js';
import { ConnectionView, StatusArea } from './status.js';

const store = new Store();
const status = new StatusArea();
let identity = null;
let everConnected = false;
const rpc = new RpcClient(() => socketUrl(identity));
const connection = new ConnectionView(rpc);
const feed = new Feed();
new ApprovalsView(store, rpc, status);
new SessionsView(store, rpc, status);
const signInForm = new SignInForm(signIn, status);

let sessionRefresh = null;
rpc.addEventListener('notify', (e) => {
  feed.add(e.detail);
  if (applyNotification(store, e.detail).resyncSessions) refreshSessionsSoon();
});

// Coalesces a burst of progress events of an unknown session into one agent.list.
function refreshSessionsSoon() {
  if (sessionRefresh) return;
  sessionRefresh = setTimeout(async () => {
    try {
      const result = await rpc.call('agent.list');
      store.mergeSessionList(result?.sessions);
    } catch (error) {
      status.error(describeError('agent.list', error));
    } finally {
      sessionRefresh = null;
    }
  }, 250);
}
rpc.addEventListener('open', (e) => {
  everConnected = true;
  resync(e.detail.reconnected);
});
// A refused upgrade (HTTP 401/403) looks like any failed socket to a browser: say what usually causes it.
rpc.addEventListener('state', (e) => {
  if (!everConnected && e.detail.phase === 'reconnecting' && e.detail.attempt === 3) {
    status.error('Cannot open the connection to /ws. Check the user name or token (dev user names need Auth:AllowDevUsers on the gateway), or whether Nexus is running.');
  }
});
rpc.addEventListener('orphan-error', (e) => status.error(`Nexus reported: ${e.detail.code} ${e.detail.message}`));

// After every (re)connection: whatever happened while we were away is in these two lists.
async function resync(reconnected) {
  const mark = store.approvalsMark();
  const [sessions, approvals] = await Promise.allSettled([rpc.call('agent.list'), rpc.call('approval.list')]);
  if (sessions.status === 'fulfilled') store.mergeSessionList(sessions.value?.sessions);
  else status.error(describeError('agent.list', sessions.reason));
  if (approvals.status === 'fulfilled') store.mergeApprovalList(approvals.value?.approvals, mark);
  else status.error(describeError('approval.list', approvals.reason));
  if (sessions.status === 'fulfilled' && approvals.status === 'fulfilled') {
    status.notice(reconnected ? 'Reconnected and re-synced sessions and approvals.' : 'Connected.');
  }
}

function signIn(newIdentity) {
  identity = newIdentity;
  everConnected = false;
  saveIdentity(identity);
  const me = describeIdentity(identity);
  store.signIn(me);
  feed.clear();
  status.clearError();
  byId('whoami').textContent = `Signed in as ${me.user}${me.approver ? ' (approver)' : ''}`;
  showSignedIn(true);
  rpc.start();
  byId('run-task').focus();
}

function signOut() {
  rpc.stop();
  identity = null;
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
window.nexusConsole = { rpc, store, connection };

const saved = loadIdentity();
if (saved) signIn(saved);
else signInForm.focus();
