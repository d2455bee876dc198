// JSON-RPC 2.0 client over one WebSocket (docs/protocol.md sections 3 and 4), with automatic reconnect.
// Events (EventTarget): 'state' (detail: state snapshot), 'open' (a (re)connection is ready),
// 'notify' (detail: notification params).

import { backoffDelay, DefaultBackoff } from './backoff.js';

export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

// Local failure codes, outside the server's range, so the UI can tell them apart.
export const LocalErrors = Object.freeze({ NotConnected: -1, ConnectionLost: -2, Timeout: -3 });

export class RpcClient extends EventTarget {
  #urlFactory;
  #callTimeoutMs;
  #connectTimeoutMs;
  #backoff;
  #socket = null;
  #nextId = 1;
  #pending = new Map();
  #attempt = 0;
  #retryTimer = 0;
  #running = false;
  #state = { phase: 'offline', attempt: 0, retryAt: 0, lastClose: null };

  constructor(urlFactory, { callTimeoutMs = 15000, connectTimeoutMs = 10000, backoff = DefaultBackoff } = {}) {
    super();
    this.#urlFactory = urlFactory;
    this.#callTimeoutMs = callTimeoutMs;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#backoff = backoff;
    window.addEventListener('online', () => { if (this.#running && !this.#socket) this.reconnectNow(); });
    window.addEventListener('offline', () => { if (this.#running && !this.#socket) this.#setState({ phase: 'offline' }); });
  }

  get state() { return { ...this.#state }; }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.#attempt = 0;
    this.#connect();
  }

  stop() {
    this.#running = false;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket) socket.close(1000, 'signed out');
    this.#failPending(LocalErrors.ConnectionLost, 'signed out');
    this.#setState({ phase: 'offline', attempt: 0, retryAt: 0 });
  }

  /** Skips the rest of a backoff wait (a "Reconnect now" button, or the browser coming back online). */
  reconnectNow() {
    if (!this.#running || this.#socket) return;
    clearTimeout(this.#retryTimer);
    this.#connect();
  }

  call(method, params = {}) {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new RpcError(LocalErrors.NotConnected, 'Not connected to Nexus.'));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RpcError(LocalErrors.Timeout, `No answer to ${method} within ${this.#callTimeoutMs / 1000} s.`));
      }, this.#callTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer, method });
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  #connect() {
    const reconnecting = this.#attempt > 0;
    this.#setState({ phase: reconnecting ? 'reconnecting' : 'connecting', attempt: this.#attempt, retryAt: 0 });
    let socket;
    try {
      socket = new WebSocket(this.#urlFactory());
    } catch (error) {
      this.#scheduleReconnect({ code: 0, reason: String(error?.message ?? error) });
      return;
    }
    this.#socket = socket;
    // An upgrade can hang (a proxy holding it while the gateway restarts): give up and retry rather than wait
    // for the browser's own, much longer, timeout.
    const connectTimer = setTimeout(() => {
      if (this.#socket === socket && socket.readyState === WebSocket.CONNECTING) socket.close();
    }, this.#connectTimeoutMs);
    socket.addEventListener('open', () => {
      clearTimeout(connectTimer);
      if (this.#socket !== socket) return;
      this.#attempt = 0;
      this.#setState({ phase: 'connected', attempt: 0, retryAt: 0 });
      this.dispatchEvent(new CustomEvent('open', { detail: { reconnected: reconnecting } }));
    });
    socket.addEventListener('message', (e) => { if (this.#socket === socket) this.#receive(e.data); });
    socket.addEventListener('close', (e) => {
      clearTimeout(connectTimer);
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#failPending(LocalErrors.ConnectionLost, 'The connection was lost before an answer came.');
      if (this.#running) this.#scheduleReconnect({ code: e.code, reason: e.reason });
    });
    // 'error' is always followed by 'close', which does the work.
  }

  #scheduleReconnect(lastClose) {
    const delay = backoffDelay(this.#attempt, this.#backoff);
    this.#attempt += 1;
    if (!navigator.onLine) {
      // Waiting on the 'online' event beats polling a network that is not there.
      this.#setState({ phase: 'offline', attempt: this.#attempt, retryAt: 0, lastClose });
      return;
    }
    this.#setState({ phase: 'reconnecting', attempt: this.#attempt, retryAt: Date.now() + delay, lastClose });
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      console.warn('Nexus sent a frame that is not JSON', text);
      return;
    }
    for (const item of Array.isArray(message) ? message : [message]) this.#dispatch(item);
  }

  #dispatch(item) {
    if (item === null || typeof item !== 'object') return;
    if (item.method === 'notify' && item.id === undefined) {
      if (item.params && typeof item.params === 'object') {
        this.dispatchEvent(new CustomEvent('notify', { detail: item.params }));
      }
      return;
    }
    const entry = this.#pending.get(item.id);
    if (!entry) {
      // e.g. -32700 with id null, or an answer that arrived after its timeout.
      if (item.error) this.dispatchEvent(new CustomEvent('orphan-error', { detail: item.error }));
      return;
    }
    this.#pending.delete(item.id);
    clearTimeout(entry.timer);
    if (item.error) entry.reject(new RpcError(item.error.code, item.error.message, item.error.data));
    else entry.resolve(item.result);
  }

  #failPending(code, message) {
    for (const entry of this.#pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new RpcError(code, message));
    }
    this.#pending.clear();
  }

  #setState(patch) {
    this.#state = { ...this.#state, ...patch };
    this.dispatchEvent(new CustomEvent('state', { detail: this.state }));
  }
}

/** A one-line, human description of a failed call (shown in the alert area). */
export function describeError(method, error) {
  if (!(error instanceof RpcError)) return `${method} failed: ${error?.message ?? error}`;
  const names = {
    [-32600]: 'invalid request', [-32601]: 'method not found', [-32602]: 'invalid params',
    [-32603]: 'internal error', [-32001]: 'forbidden', [-32002]: 'not found', [-32003]: 'conflict',
    [-32004]: 'rate limited', [-32005]: 'unavailable',
  };
  const name = names[error.code];
  const param = error.code === -32602 && error.data?.param ? ` (${error.data.param})` : '';
  return name
    ? `${method} failed: ${error.code} ${name}${param}: ${error.message}`
    : `${method} failed: ${error.message}`;
}
