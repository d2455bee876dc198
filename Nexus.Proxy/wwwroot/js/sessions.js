// The signed-in user's sessions (agent.list + live agent.* events), the form that starts one
// (agent.run) and Cancel for running ones (agent.cancel). Rows are keyed and updated in place.

import { byId, el, formatTime } from './dom.js';
import { describeError } from './nexus.js';
import { TerminalStatuses } from './state.js';

const StatusText = {
  running: 'Running',
  waiting_approval: 'Waiting for approval',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  cancelling: 'Cancelling…',
};

export class SessionsView {
  #store;
  #link;
  #status;
  #rows = new Map();
  #list = byId('session-list');

  constructor(store, link, status) {
    this.#store = store;
    this.#link = link;
    this.#status = status;
    store.addEventListener('sessions', () => this.render());
    byId('run-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#run();
    });
  }

  render() {
    const sessions = this.#store.sortedSessions();
    const ids = new Set(sessions.map((s) => s.sessionId));
    for (const [id, row] of this.#rows) {
      if (!ids.has(id)) {
        row.root.remove();
        this.#rows.delete(id);
      }
    }
    let previous = null;
    for (const s of sessions) {
      let row = this.#rows.get(s.sessionId);
      if (!row) {
        row = this.#build(s);
        this.#rows.set(s.sessionId, row);
      }
      this.#update(row, s);
      const expectedNext = previous ? previous.nextElementSibling : this.#list.firstElementChild;
      if (expectedNext !== row.root) {
        if (previous) previous.after(row.root); else this.#list.prepend(row.root);
      }
      previous = row.root;
    }
    byId('sessions-empty').hidden = sessions.length > 0;
  }

  #build(s) {
    const refs = {};
    refs.task = el('code', { class: 'task' });
    refs.status = el('span', { class: 'badge' });
    refs.started = el('time', { class: 'started' });
    refs.message = el('p', { class: 'message' });
    refs.cancel = el('button', { type: 'button', class: 'secondary cancel' }, 'Cancel');
    refs.cancel.addEventListener('click', () => this.#cancel(s.sessionId, refs));
    const root = el('li', { class: 'card session', dataset: { sessionId: s.sessionId } },
      el('div', { class: 'card-header' }, refs.task, refs.status),
      el('p', { class: 'meta' }, 'Session ', el('code', {}, s.sessionId), ', started ', refs.started),
      refs.message,
      refs.cancel);
    return { root, refs };
  }

  #update({ root, refs }, s) {
    const status = s.cancelling && !TerminalStatuses.has(s.status) ? 'cancelling' : s.status;
    root.dataset.status = s.status;
    refs.task.textContent = s.task || '(task not known yet)';
    refs.status.textContent = StatusText[status] ?? String(status);
    refs.status.className = `badge badge-${status}`;
    refs.started.textContent = formatTime(s.startedAt);
    const detail = TerminalStatuses.has(s.status)
      ? [s.result !== undefined && s.result !== null ? `Result: ${typeof s.result === 'string' ? s.result : JSON.stringify(s.result)}` : '', s.reason ? `Reason: ${s.reason}` : ''].filter(Boolean).join('. ')
      : s.message ?? '';
    refs.message.textContent = detail;
    refs.message.hidden = !detail;
    refs.cancel.hidden = TerminalStatuses.has(s.status);
    refs.cancel.disabled = status === 'cancelling';
    refs.cancel.setAttribute('aria-label', `Cancel session ${s.sessionId}${s.task ? ` (${s.task})` : ''}`);
  }

  async #run() {
    const input = byId('run-task');
    const submit = byId('run-submit');
    const task = input.value.trim();
    if (!task) {
      this.#status.error('Type a task first, e.g. "echo hi".');
      input.focus();
      return;
    }
    submit.disabled = true;
    try {
      const sessionId = await this.#link.nexus.runAgent(task);
      this.#store.upsertSession(sessionId, { task, status: 'running', startedAt: Date.now() });
      this.#status.notice(`Started session ${sessionId}.`);
      input.value = '';
    } catch (error) {
      this.#status.error(describeError('agent.run', error));
    } finally {
      submit.disabled = false;
    }
  }

  async #cancel(sessionId, refs) {
    refs.cancel.disabled = true;
    try {
      await this.#link.nexus.cancelAgent(sessionId);
      this.#store.upsertSession(sessionId, { cancelling: true });
      this.#status.notice(`Cancelling session ${sessionId}.`);
    } catch (error) {
      this.#status.error(describeError('agent.cancel', error));
      refs.cancel.disabled = false;
    }
  }
}
