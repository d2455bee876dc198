// The status area (role=status for notices, role=alert for errors) and the connection indicator.

import { byId } from './dom.js';

export class StatusArea {
  #notice = byId('notice');
  #error = byId('error');
  #errorText = byId('error-text');

  constructor() {
    byId('error-dismiss').addEventListener('click', () => this.clearError());
  }

  notice(text) {
    this.#notice.textContent = text;
  }

  error(text) {
    this.#errorText.textContent = text;
    this.#error.hidden = false;
  }

  clearError() {
    this.#errorText.textContent = '';
    this.#error.hidden = true;
  }
}

const MaxHistory = 50;

/** Shows connecting / connected / reconnecting in Ns / offline, and keeps a short history for tests and debugging. */
export class ConnectionView {
  history = [];
  #rpc;
  #root = byId('connection');
  #text = byId('connection-text');
  #retry = byId('reconnect-now');
  #signedIn = false;

  constructor(rpc) {
    this.#rpc = rpc;
    rpc.addEventListener('state', (e) => this.#show(e.detail));
    this.#retry.addEventListener('click', () => rpc.reconnectNow());
    // The countdown is recomputed each second from retryAt, so it never drifts.
    setInterval(() => {
      if (this.#rpc.state.phase === 'reconnecting' && this.#rpc.state.retryAt) this.#show(this.#rpc.state, false);
    }, 1000);
  }

  setSignedIn(signedIn) {
    this.#signedIn = signedIn;
    this.#show(this.#rpc.state, false);
  }

  #show(state, record = true) {
    if (record) {
      this.history.push({ phase: state.phase, at: Date.now() });
      if (this.history.length > MaxHistory) this.history.shift();
    }
    this.#root.dataset.state = state.phase;
    this.#text.textContent = this.#describe(state);
    this.#retry.hidden = !(this.#signedIn && (state.phase === 'reconnecting' || state.phase === 'offline') && state.retryAt);
  }

  #describe(state) {
    switch (state.phase) {
      case 'connecting':
        return 'Connecting…';
      case 'connected':
        return 'Connected';
      case 'reconnecting': {
        const close = state.lastClose?.code ? ` (closed: ${state.lastClose.code}${state.lastClose.reason ? ` ${state.lastClose.reason}` : ''})` : '';
        if (!state.retryAt) return `Reconnecting… attempt ${state.attempt + 1}`;
        const seconds = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
        return `Reconnecting in ${seconds} s${close}`;
      }
      default:
        return this.#signedIn ? 'Offline: waiting for the network' : 'Offline: not signed in';
    }
  }
}
