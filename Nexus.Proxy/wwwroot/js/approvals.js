// Approval cards (docs/protocol.md sections 4.2 approval.list / approval.respond, 6 approval_request /
// approval_resolved). Each card is built once and then updated in place, so a reason being typed
// or the keyboard focus is never lost when another card changes or the countdown ticks.

import { byId, el, formatDuration, formatTime, prettyJson } from './dom.js';
import { describeError, NexusError } from './nexus.js';

const Outcome = {
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired (auto-denied)',
  gone: 'No longer pending (decided while this console was away)',
};

export class ApprovalsView {
  #store;
  #link;
  #status;
  #cards = new Map(); // requestId -> { root, refs }
  #container = byId('approval-cards');

  constructor(store, link, status) {
    this.#store = store;
    this.#link = link;
    this.#status = status;
    store.addEventListener('approvals', () => this.render());
    setInterval(() => this.#tick(), 1000);
  }

  render() {
    const approvals = this.#store.sortedApprovals();
    const ids = new Set(approvals.map((a) => a.requestId));
    for (const [id, card] of this.#cards) {
      if (!ids.has(id)) {
        card.root.remove();
        this.#cards.delete(id);
      }
    }
    let previous = null;
    for (const a of approvals) {
      let card = this.#cards.get(a.requestId);
      if (!card) {
        card = this.#build(a);
        this.#cards.set(a.requestId, card);
      }
      this.#update(card, a);
      // Reorder only when needed: moving a node that holds focus would blur it.
      const expectedNext = previous ? previous.nextElementSibling : this.#container.firstElementChild;
      if (expectedNext !== card.root) {
        if (previous) previous.after(card.root); else this.#container.prepend(card.root);
      }
      previous = card.root;
    }
    const pending = approvals.filter((a) => a.state === 'pending').length;
    byId('approvals-count').textContent = pending > 0 ? `(${pending} waiting)` : '';
    byId('approvals-empty').hidden = approvals.length > 0;
  }

  #build(a) {
    const titleId = `approval-title-${cssSafe(a.requestId)}`;
    const reasonId = `approval-reason-${cssSafe(a.requestId)}`;
    const refs = {};
    refs.state = el('span', { class: 'badge' });
    refs.countdown = el('span', { class: 'countdown' });
    refs.sessionOutcome = el('dd', {}, '');
    refs.outcome = el('p', { class: 'outcome', tabindex: '-1', hidden: true });
    refs.reason = el('input', { id: reasonId, class: 'reason', maxlength: '500', autocomplete: 'off' });
    refs.approve = el('button', { type: 'button', class: 'approve' }, 'Approve');
    refs.deny = el('button', { type: 'button', class: 'deny' }, 'Deny');
    refs.actions = el('div', { class: 'actions' },
      el('label', { for: reasonId }, 'Reason (optional)'),
      refs.reason,
      el('div', { class: 'buttons' }, refs.approve, refs.deny));
    refs.approve.addEventListener('click', () => this.#respond(a.requestId, 'approve', refs));
    refs.deny.addEventListener('click', () => this.#respond(a.requestId, 'deny', refs));
    refs.dismiss = el('button', { type: 'button', class: 'secondary dismiss', hidden: true }, 'Dismiss');
    refs.dismiss.addEventListener('click', () => this.#store.dismissApproval(a.requestId));
    refs.sessionOutcomeRow = el('div', { hidden: true }, el('dt', {}, 'Session result'), refs.sessionOutcome);

    const root = el('article', {
      class: 'card approval-card',
      'aria-labelledby': titleId,
      dataset: { requestId: a.requestId, sessionId: String(a.sessionId ?? '') },
    },
    el('header', { class: 'card-header' },
      el('h3', { id: titleId }, 'Tool ', el('code', {}, String(a.tool ?? '(unknown)'))),
      refs.state),
    el('dl', { class: 'facts' },
      el('div', {}, el('dt', {}, 'Session'), el('dd', {}, el('code', {}, String(a.sessionId ?? '')))),
      el('div', {}, el('dt', {}, 'Owner'), el('dd', { class: 'owner' }, String(a.owner ?? ''))),
      el('div', {}, el('dt', {}, 'Requested'), el('dd', {}, formatTime(a.requestedAt))),
      el('div', {}, el('dt', {}, 'Expires'), el('dd', {}, formatTime(a.expiresAt), ' ', refs.countdown)),
      refs.sessionOutcomeRow),
    el('p', { class: 'args-label' }, 'Arguments'),
    el('pre', { class: 'args', tabindex: '0', 'aria-label': 'Arguments (JSON)' }, prettyJson(a.arguments ?? null)),
    refs.actions,
    refs.outcome,
    refs.dismiss);
    return { root, refs };
  }

  #update(card, a) {
    const { root, refs } = card;
    root.dataset.state = a.state;
    refs.state.textContent = a.state === 'pending' ? 'Pending' : a.state === 'gone' ? 'Resolved' : capitalise(a.state);
    refs.state.className = `badge badge-${a.state}`;
    if (a.sessionOutcome) {
      refs.sessionOutcomeRow.hidden = false;
      refs.sessionOutcome.textContent = a.sessionOutcome.reason
        ? `${a.sessionOutcome.status} (${a.sessionOutcome.reason})`
        : a.sessionOutcome.status;
      root.dataset.sessionStatus = a.sessionOutcome.status;
    }
    if (a.state === 'pending') {
      this.#updateCountdown(card, a);
      return;
    }
    refs.countdown.textContent = '';
    const hadFocus = refs.actions.contains(document.activeElement);
    refs.actions.hidden = true;
    refs.outcome.hidden = false;
    refs.dismiss.hidden = false;
    const who = a.by ? ` by ${a.by}` : '';
    const why = a.reason ? `: “${a.reason}”` : '';
    refs.outcome.textContent = `${Outcome[a.state] ?? capitalise(String(a.state))}${a.state === 'gone' ? '' : who}${why}`;
    // Keyboard users keep their place when the buttons they were on disappear.
    if (hadFocus) refs.outcome.focus();
  }

  #updateCountdown(card, a) {
    const left = (a.expiresAt ?? 0) - Date.now();
    card.refs.countdown.textContent = left > 0 ? `(in ${formatDuration(left)})` : '(expiring…)';
    card.root.classList.toggle('urgent', left > 0 && left < 30000);
  }

  #tick() {
    for (const a of this.#store.approvals.values()) {
      if (a.state !== 'pending') continue;
      const card = this.#cards.get(a.requestId);
      if (card) this.#updateCountdown(card, a);
    }
  }

  async #respond(requestId, decision, refs) {
    const reason = refs.reason.value.trim();
    refs.approve.disabled = true;
    refs.deny.disabled = true;
    try {
      const result = await this.#link.nexus.respondToApproval(requestId, decision, reason ? { reason } : {});
      this.#store.resolveApproval(requestId, { decision: result?.decision ?? (decision === 'approve' ? 'approved' : 'denied'), by: this.#store.me?.user, reason });
      this.#status.notice(`${decision === 'approve' ? 'Approved' : 'Denied'} request ${requestId}.`);
    } catch (error) {
      if (error instanceof NexusError && error.code === -32003 && error.data) {
        // Someone else (or the clock) got there first: show the final state they left.
        this.#store.resolveApproval(requestId, { decision: error.data.status, by: error.data.by, reason: error.data.reason });
        this.#status.notice(`Request ${requestId} was already ${error.data.status}${error.data.by ? ` by ${error.data.by}` : ''}.`);
      } else {
        this.#status.error(describeError('approval.respond', error));
        if (error instanceof NexusError && error.code === -32002) this.#store.resolveApproval(requestId, { decision: 'gone' });
      }
    } finally {
      refs.approve.disabled = false;
      refs.deny.disabled = false;
    }
  }
}

function capitalise(s) { return s.length ? s[0].toUpperCase() + s.slice(1) : s; }

function cssSafe(s) { return String(s).replace(/[^A-Za-z0-9_-]/g, '_'); }
