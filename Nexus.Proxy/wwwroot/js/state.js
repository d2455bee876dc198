// The console's model: the signed-in user's sessions and the approval requests, built from
// agent.list / approval.list answers and from live notifications (docs/protocol.md section 6).
// Renderers subscribe with store.addEventListener('sessions' | 'approvals', ...).

export const TerminalStatuses = new Set(['completed', 'failed', 'cancelled']);

// A card resolved long ago is clutter: keep the latest few for context.
const MaxResolvedCards = 20;

export class Store extends EventTarget {
  me = null; // { user, approver, mode }
  sessions = new Map(); // sessionId -> { sessionId, task, status, startedAt, message, result, reason }
  approvals = new Map(); // requestId -> { ...approval_request data, state, by, reason, sessionOutcome, seq }
  #seq = 0;

  signIn(me) {
    this.me = me;
    this.sessions.clear();
    this.approvals.clear();
    this.#changed('sessions');
    this.#changed('approvals');
  }

  // ---- sessions ----

  /** Merges an agent.list answer; a terminal status seen live is never undone by an older list. */
  mergeSessionList(list) {
    for (const s of list ?? []) {
      if (!s || typeof s.sessionId !== 'string') continue;
      const current = this.sessions.get(s.sessionId);
      const status = current && TerminalStatuses.has(current.status) && !TerminalStatuses.has(s.status)
        ? current.status
        : s.status;
      this.sessions.set(s.sessionId, { ...current, ...s, status });
    }
    this.#changed('sessions');
  }

  upsertSession(sessionId, patch) {
    const current = this.sessions.get(sessionId) ?? { sessionId, task: '', status: 'running', startedAt: Date.now() };
    if (TerminalStatuses.has(current.status) && patch.status && !TerminalStatuses.has(patch.status)) {
      patch = { ...patch, status: current.status };
    }
    this.sessions.set(sessionId, { ...current, ...patch });
    this.#changed('sessions');
  }

  sortedSessions() {
    return [...this.sessions.values()].sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  }

  // ---- approvals ----

  /** Marks the moment an approval.list is sent: cards first seen after it are not judged by its answer. */
  approvalsMark() { return this.#seq; }

  addApproval(data) {
    if (!data || typeof data.requestId !== 'string') return;
    const current = this.approvals.get(data.requestId);
    if (current && current.state !== 'pending') return; // resolved stays resolved
    this.approvals.set(data.requestId, { ...current, ...data, state: 'pending', seq: current?.seq ?? ++this.#seq });
    this.#changed('approvals');
  }

  resolveApproval(requestId, { decision, by, reason }) {
    const current = this.approvals.get(requestId);
    if (!current || current.state !== 'pending') return;
    this.approvals.set(requestId, { ...current, state: decision ?? 'resolved', by, reason, resolvedAt: Date.now() });
    this.#trimResolved();
    this.#changed('approvals');
  }

  /** Merges an approval.list answer sent at `mark`: pending cards it no longer lists were decided elsewhere. */
  mergeApprovalList(list, mark) {
    const listed = new Set();
    for (const a of list ?? []) {
      if (!a || typeof a.requestId !== 'string') continue;
      listed.add(a.requestId);
      this.addApproval(a);
    }
    for (const [id, a] of this.approvals) {
      if (a.state === 'pending' && !listed.has(id) && a.seq <= mark) {
        this.approvals.set(id, { ...a, state: 'gone', resolvedAt: Date.now() });
      }
    }
    this.#trimResolved();
    this.#changed('approvals');
  }

  dismissApproval(requestId) {
    if (this.approvals.delete(requestId)) this.#changed('approvals');
  }

  /** The session behind a card ended: shown on the card, as non-owners have no session list entry. */
  noteSessionOutcome(sessionId, outcome) {
    let changed = false;
    for (const [id, a] of this.approvals) {
      if (a.sessionId === sessionId) {
        this.approvals.set(id, { ...a, sessionOutcome: outcome });
        changed = true;
      }
    }
    if (changed) this.#changed('approvals');
  }

  sortedApprovals() {
    // Pending first (oldest first: the one expiring soonest), then resolved, newest first.
    const all = [...this.approvals.values()];
    const pending = all.filter((a) => a.state === 'pending').sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0));
    const done = all.filter((a) => a.state !== 'pending').sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0));
    return [...pending, ...done];
  }

  #trimResolved() {
    const done = [...this.approvals.values()].filter((a) => a.state !== 'pending')
      .sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0));
    for (const a of done.slice(MaxResolvedCards)) this.approvals.delete(a.requestId);
  }

  #changed(kind) {
    this.dispatchEvent(new Event(kind));
  }
}

/** Applies one notification (params of a `notify`) to the store; may ask for an agent.list refresh. */
export function applyNotification(store, n) {
  const data = n.data && typeof n.data === 'object' ? n.data : {};
  const mine = (id) => typeof id === 'string' && store.sessions.has(id);
  switch (n.event) {
    case 'agent.started':
      if (store.me && data.owner === store.me.user && typeof data.sessionId === 'string') {
        store.upsertSession(data.sessionId, { task: data.task ?? '', status: 'running', startedAt: n.timestamp });
      }
      break;
    case 'agent.progress':
      if (mine(data.sessionId)) store.upsertSession(data.sessionId, { message: progressText(data) });
      // Started in another tab before this one connected: agent.list knows its task and status.
      else if (typeof data.sessionId === 'string') return { resyncSessions: true };
      break;
    case 'agent.error':
      if (mine(data.sessionId)) store.upsertSession(data.sessionId, { message: `Error: ${data.message ?? ''}` });
      break;
    case 'agent.completed': {
      const status = data.success ? 'completed' : data.reason === 'cancelled' ? 'cancelled' : 'failed';
      if (mine(data.sessionId)) {
        store.upsertSession(data.sessionId, { status, result: data.result, reason: data.reason });
      }
      store.noteSessionOutcome(data.sessionId, { status, reason: data.reason });
      break;
    }
    case 'approval_request':
      store.addApproval(data);
      if (mine(data.sessionId)) store.upsertSession(data.sessionId, { status: 'waiting_approval' });
      break;
    case 'approval_resolved':
      store.resolveApproval(data.requestId, data);
      if (mine(data.sessionId) && data.decision === 'approved') store.upsertSession(data.sessionId, { status: 'running' });
      break;
    default:
      break;
  }
  return {};
}

function progressText(data) {
  const step = data.step === undefined || data.step === null ? '' : `Step ${data.step}: `;
  return `${step}${data.message ?? ''}`;
}
