// The status area (role=status for notices, role=alert for errors) and the connection indicator.

import { byId } from './dom.js';

export class StatusArea {
  #notice = byId('notice');
  #error = byId('error');
  #errorText = byId('error-text');

  constructor() {
    byId('error-dismiss').addEventListener('click', () => this.clearError());
  }

  /** A status line; `kind` 'warning' marks one the user should not miss (e.g. events lost while away). */
  notice(text, kind = 'info') {
    this.#notice.textContent = text;
    this.#notice.dataset.kind = kind;
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

/**
 * Shows connecting / connected / reconnecting in Ns / offline (the client's state, 'disconnected' shown as offline),
 * and keeps a short history for tests and debugging.
 */
export class ConnectionView {
  history = [];
  #state = { phase: 'offline', attempt: 0, retryAt: null, lastClose: null };
  #root = byId('connection');
  #text = byId('connection-text');
  #retry = byId('reconnect-now');
  #signedIn = false;

  /** @param {() => void} reconnectNow What "Reconnect now" does. */
  constructor(reconnectNow) {
    this.#retry.addEventListener('click', () => reconnectNow());
    // The countdown is recomputed each second from retryAt, so it never drifts.
    setInterval(() => {
      if (this.#state.phase === 'reconnecting' && this.#state.retryAt) this.#show(false);
    }, 1000);
  }

  /** Shows a state of the client (StateInfo of @nexus/client). */
  update(info) {
    this.#state = { ...info, phase: info.state === 'disconnected' ? 'offline' : info.state };
    this.#show(true);
  }

  setSignedIn(signedIn) {
    this.#signedIn = signedIn;
    this.#show(false);
  }

  #show(record) {
    const state = this.#state;
    if (record) {
      this.history.push({ phase: state.phase, at: Date.now() });
      if (this.history.length > MaxHistory) this.history.shift();
    }
    this.#root.dataset.state = state.phase;
    this.#text.textContent = this.#describe(state);
    this.#retry.hidden = !(this.#signedIn && state.phase === 'reconnecting' && state.retryAt);
  }

  #describe(state) {
    switch (state.phase) {
      case 'connecting':
        return 'Connecting…';
      case 'connected':
        return 'Connected';
      case 'reconnecting': {
        const close = state.lastClose?.code ? ` (closed: ${state.lastClose.code}${state.lastClose.reason ? ` ${state.lastClose.reason}` : ''})` : '';
        if (!state.retryAt) return `Reconnecting… attempt ${state.attempt}`;
        const seconds = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
        return `Reconnecting in ${seconds} s${close}`;
      }
      default:
        return this.#signedIn ? 'Offline' : 'Offline: not signed in';
    }
  }
}
