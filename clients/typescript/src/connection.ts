// One WebSocket of a NexusClient: parses what arrives, hands notifications to the client and replies to the calls
// waiting for them. A new one is made for every reconnect.

import { NexusConnectionError, NexusError } from './errors.js';
import type { Notification } from './events.js';

/** How the socket ended. */
export interface CloseInfo { code: number; reason: string }

interface Pending { method: string; resolve: (value: unknown) => void; reject: (error: Error) => void }

/** The part of the WebSocket API the client uses: the browser's, and Node's built-in one. */
export type WebSocketConstructor = new (url: string) => WebSocket;

export class Connection {
  readonly socket: WebSocket;
  /** Resolves once the socket is open; rejects when it closes first. */
  readonly opened: Promise<void>;
  /** Resolves once, when the socket has closed (never rejects). */
  readonly closed: Promise<CloseInfo>;
  readonly #pending = new Map<number, Pending>();
  #isClosed = false;

  constructor(WebSocketType: WebSocketConstructor, url: string, onNotification: (n: Notification) => void) {
    const socket = new WebSocketType(url);
    this.socket = socket;
    let opened!: () => void;
    this.opened = new Promise((resolve, reject) => { opened = resolve; this.#failedToOpen = reject; });
    this.closed = new Promise((resolve) => { this.#resolveClosed = resolve; });
    // Observed here so that a connection that never opens is no unhandled rejection.
    this.opened.catch(() => {});
    socket.addEventListener('open', () => { this.#wasOpened = true; opened(); });
    socket.addEventListener('message', (e: MessageEvent) => {
      if (typeof e.data === 'string') this.#receive(e.data, onNotification);
    });
    socket.addEventListener('close', (e: CloseEvent) => this.#ended(e.code, e.reason));
    // 'error' is followed by 'close' in browsers. Node 20's WebSocket fires no 'close' after a refused upgrade (a 401),
    // and stays CONNECTING: an error before the socket opened ends the connection here.
    socket.addEventListener('error', () => {
      if (!this.#wasOpened) this.#ended(1006, 'the upgrade failed');
      else this.#endSoon();
    });
  }

  #failedToOpen!: (e: Error) => void;
  #resolveClosed!: (info: CloseInfo) => void;
  #wasOpened = false;

  /** Runs once, whichever of 'close', 'error' or a local close comes first. */
  #ended(code: number, reason: string): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#failedToOpen(new NexusConnectionError('connect', `The socket closed before it opened (${code}).`));
    for (const [id, call] of this.#pending) {
      this.#pending.delete(id);
      call.reject(new NexusConnectionError('lost', `The connection was lost (${code}) before the answer to ${call.method} came; it may or may not have run.`));
    }
    this.#resolveClosed({ code, reason });
  }

  /** After a local close or an error: the 'close' event should come, but the connection ends within 3 s regardless. */
  #endSoon(): void {
    const timer = setTimeout(() => this.#ended(1006, 'closed'), 3_000);
    // In Node, this fallback must not keep a process alive that has nothing else to do.
    (timer as unknown as { unref?: () => void }).unref?.();
  }

  get isOpen(): boolean { return !this.#isClosed && this.socket.readyState === 1; }

  /** Registers a call before it is sent, so that even an immediate reply finds it. */
  expect(id: number, method: string): Promise<unknown> {
    if (this.#isClosed) return Promise.reject(new NexusConnectionError('lost', `The connection was lost before ${method} could be sent.`));
    return new Promise((resolve, reject) => this.#pending.set(id, { method, resolve, reject }));
  }

  forget(id: number): void { this.#pending.delete(id); }

  send(text: string): void {
    if (!this.isOpen) throw new NexusConnectionError('lost', 'The connection was lost before the call could be sent.');
    this.socket.send(text);
  }

  close(code = 1000, reason = ''): void {
    try {
      this.socket.close(code, reason);
    } catch {
      // Already closing.
    }
    if (this.#wasOpened) this.#endSoon();
    else this.#ended(1006, 'closed before it opened');
  }

  #receive(text: string, onNotification: (n: Notification) => void): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      console.warn('Nexus sent a message that is not JSON', text.slice(0, 200));
      return;
    }
    for (const item of Array.isArray(message) ? message : [message]) this.#dispatch(item, onNotification);
  }

  #dispatch(item: unknown, onNotification: (n: Notification) => void): void {
    if (item === null || typeof item !== 'object') return;
    const m = item as Record<string, unknown>;
    if (m.method === 'notify' && !('id' in m)) {
      const p = m.params as Record<string, unknown> | undefined;
      if (p && typeof p.channel === 'string' && typeof p.event === 'string' && typeof p.timestamp === 'number') {
        const n: Notification = { channel: p.channel, event: p.event, data: p.data ?? null, timestamp: p.timestamp };
        if (typeof p.id === 'string') (n as { id?: string }).id = p.id;
        onNotification(n);
      }
      return;
    }
    const call = typeof m.id === 'number' ? this.#pending.get(m.id) : undefined;
    if (!call) {
      // id null (-32700, -32600, a batch too large), or an answer that came after its call gave up.
      if (m.error) console.warn('Nexus reported an error no call was waiting for', m.error);
      return;
    }
    this.#pending.delete(m.id as number);
    const error = m.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
    if (error) {
      call.reject(new NexusError(call.method, typeof error.code === 'number' ? error.code : -32603,
        typeof error.message === 'string' ? error.message : 'error', error.data));
    } else {
      call.resolve(m.result);
    }
  }
}
