// The Nexus client (docs/protocol.md version 1.1): typed events and methods over one WebSocket, reconnecting with backoff,
// then setting the filter again and resuming from the last notification id in its first message, so that nothing is
// lost or repeated; when that is impossible, a 'resync' event tells the application to re-sync its state.

import { backoffDelay } from './backoff.js';
import { Connection, type CloseInfo, type WebSocketConstructor } from './connection.js';
import { NexusConnectionError, NexusError } from './errors.js';
import type { Notification } from './events.js';
import type { AgentCancelResult, AgentSession, ApprovalRecord, ApprovalResponse, Filter, ResumeResult } from './results.js';

/** Where the connection stands. */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** The connection's state, with what a status indicator shows. */
export interface StateInfo {
  readonly state: ConnectionState;
  /** Reconnect attempts since the connection was lost. */
  readonly attempt: number;
  /** When the next attempt starts (epoch ms) while waiting; null otherwise. */
  readonly retryAt: number | null;
  /** How the last socket closed. */
  readonly lastClose: CloseInfo | null;
}

/** Why the application must re-sync: the history lost the last id, or there was no id to resume from. */
export type ResyncReason = 'history_lost' | 'no_position';

/** The events of a {@link NexusClient}, for {@link NexusClient.on}. */
export interface ClientEvents {
  /** A notification, in arrival order (durable ones in id order), across reconnects. */
  notification: Notification;
  /** The connection's state changed. */
  state: StateInfo;
  /** The connection was lost; the client reconnects. Calls made meanwhile wait for it (up to their timeout). */
  reconnecting: { error: Error };
  /** The client reconnected, set its filter again and resumed where it could. */
  reconnected: { resumed: boolean; replayed: number };
  /**
   * Notifications published while the client was away could not be replayed: re-sync now (`listAgents`,
   * `listApprovals`). Emitted after 'reconnected', with the connection ready for calls.
   */
  resync: { reason: ResyncReason; lastId: string | null };
  /** The client stopped for good: `stop()` (error null), or reconnecting gave up. */
  closed: { error: Error | null };
}

/** How a {@link NexusClient} connects. Only `url` is required. */
export interface NexusClientOptions {
  /** The socket endpoint, e.g. `ws://localhost:5080/ws` (absolute). */
  url: string | URL;
  /**
   * Returns the access token (a JWT), sent as the `access_token` query parameter (browsers cannot set headers on a
   * WebSocket). Called before every connection, the reconnects included, so a short-lived token is replaced in time.
   */
  accessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** A development identity (`?user=`): only where the gateway allows dev users (Development). */
  devUser?: string;
  /** With `devUser`: may decide approvals when approvals are restricted. */
  devApprover?: boolean;
  /** The WebSocket constructor; default `globalThis.WebSocket` (browsers; Node 22+, or Node 20 with `--experimental-websocket`). */
  WebSocket?: WebSocketConstructor;
  /** How long a call may take, waiting for a connection included. Default 30,000 ms. */
  callTimeoutMs?: number;
  /** How long opening a socket and its first message may take. Default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Reconnect when the connection is lost. Default true. */
  reconnect?: boolean;
  /** The first reconnect delay's ceiling, doubled on each failure up to `maxReconnectDelayMs` (equal jitter). Default 500 ms. */
  reconnectDelayMs?: number;
  /** The largest reconnect delay. Default 15,000 ms. */
  maxReconnectDelayMs?: number;
  /** Attempts in a row before giving up ('closed' is emitted). Default: never give up. */
  maxReconnectAttempts?: number;
  /** Returns the W3C `traceparent` of the caller's current span, sent with each call so the trace continues into the gateway. */
  traceparent?: () => string | undefined;
}

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call (the gateway may still run it). */
  signal?: AbortSignal;
  /** Overrides `callTimeoutMs` for this call. */
  timeoutMs?: number;
  /** W3C trace context of the caller's span for this call (overrides the `traceparent` option). */
  traceparent?: string;
}

// The filter cannot hold an empty include list through notify.subscribe (its channels must not be empty): it is rebuilt
// as subscribe([this]) then unsubscribe([this]), which leaves include empty and this name in exclude.
const EmptyIncludeName = 'nexus-client:nothing';

type Listener<T> = (value: T) => void;

/**
 * A connection to Nexus.
 *
 * ```ts
 * const nexus = new NexusClient({ url: 'ws://localhost:5080/ws', devUser: 'bob' });
 * nexus.on('resync', () => reloadState());              // listAgents(), listApprovals()
 * nexus.on('notification', async (n) => {
 *   if (isEvent(n, 'approval_request')) await nexus.respondToApproval(n.data.requestId, 'approve');
 * });
 * await nexus.start();
 * ```
 */
export class NexusClient {
  readonly #options: Required<Pick<NexusClientOptions, 'callTimeoutMs' | 'connectTimeoutMs' | 'reconnect' | 'reconnectDelayMs' | 'maxReconnectDelayMs' | 'maxReconnectAttempts'>> & NexusClientOptions;
  readonly #WebSocket: WebSocketConstructor;
  readonly #listeners = new Map<keyof ClientEvents, Set<Listener<never>>>();
  #connection: Connection | null = null;
  #waiters: { resolve: (c: Connection) => void; reject: (e: Error) => void }[] = [];
  #state: StateInfo = { state: 'disconnected', attempt: 0, retryAt: null, lastClose: null };
  #filter: Filter = { include: null, exclude: [] };
  #lastId: string | null = null;
  #nextId = 1;
  #started = false;
  #stopped = false;
  #stopError: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(options: NexusClientOptions) {
    if (!options?.url) throw new TypeError('NexusClientOptions.url is required (e.g. ws://localhost:5080/ws).');
    const url = new URL(String(options.url));
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`NexusClientOptions.url must be ws:// or wss://, not '${url}'.`);
    const WebSocketType = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketType) {
      throw new TypeError('No WebSocket here: pass options.WebSocket (on Node 20, run with --experimental-websocket; Node 22 has one built in).');
    }
    this.#WebSocket = WebSocketType;
    this.#options = {
      callTimeoutMs: 30_000, connectTimeoutMs: 10_000, reconnect: true, reconnectDelayMs: 500, maxReconnectDelayMs: 15_000,
      maxReconnectAttempts: Number.POSITIVE_INFINITY, ...options,
    };
    // In a browser, coming back online is a reason to try at once rather than wait for the backoff.
    (globalThis as { addEventListener?: (type: string, fn: () => void) => void }).addEventListener?.('online', () => this.reconnectNow());
  }

  /** The connection's state. */
  get state(): StateInfo { return this.#state; }

  /** The filter as the gateway last confirmed it; set again on every reconnect. */
  get filter(): Filter { return { include: this.#filter.include ? [...this.#filter.include] : null, exclude: [...this.#filter.exclude] }; }

  /** The id of the last durable notification received: where the next reconnect resumes from. */
  get lastNotificationId(): string | null { return this.#lastId; }

  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof ClientEvents>(type: K, listener: (value: ClientEvents[K]) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /**
   * Opens the connection. Rejects with a {@link NexusConnectionError} when the first connection cannot be opened (a
   * browser cannot tell a refused token from an unreachable server); once connected, losses are handled by reconnecting.
   */
  async start(): Promise<void> {
    if (this.#stopped) throw new NexusConnectionError('stopped', 'The client is stopped: create a new one.');
    if (this.#started) throw new Error('The client is already started.');
    this.#started = true;
    this.#setState({ state: 'connecting', attempt: 0, retryAt: null });
    try {
      const { connection } = await this.#connect();
      if (this.#stopped) {
        connection.close(1000, 'client stopped');
        throw new NexusConnectionError('stopped', 'The client was stopped while connecting.');
      }
      this.#makeReady(connection);
      void this.#watch(connection);
    } catch (error) {
      this.#started = false;
      if (!this.#stopped) this.#setState({ state: 'disconnected', attempt: 0, retryAt: null });
      throw error;
    }
  }

  /** Closes the connection (1000) and stops reconnecting: pending calls fail, iterators end, 'closed' is emitted. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#shutDown(new NexusConnectionError('stopped', 'The client is stopped.'));
    const connection = this.#connection;
    this.#connection = null;
    if (connection) {
      connection.close(1000, 'client stopped');
      await Promise.race([connection.closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    this.#emit('closed', { error: null });
  }

  /** Skips the rest of a reconnect wait (a "Reconnect now" button). */
  reconnectNow(): void { this.#wake?.(); }

  /**
   * The notifications from now on, as an async iterator (each call has its own queue). Ends when the client stops;
   * throws the last error when reconnecting gave up.
   */
  notifications(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<Notification> {
    const queue: Notification[] = [];
    let wake: (() => void) | null = null;
    let ended = this.#stopped;
    let failure: Error | null = this.#stopped ? this.#stopError : null;
    const offNotification = this.on('notification', (n) => { queue.push(n); wake?.(); });
    const offClosed = this.on('closed', (e) => { ended = true; failure = e.error; wake?.(); });
    const onAbort = () => { ended = true; failure = null; wake?.(); };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => { offNotification(); offClosed(); options.signal?.removeEventListener('abort', onAbort); };
    const iterator: AsyncIterableIterator<Notification> = {
      next: async () => {
        while (true) {
          const value = queue.shift();
          if (value) return { value, done: false };
          if (ended) {
            cleanup();
            if (failure) throw failure;
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => { wake = resolve; });
          wake = null;
        }
      },
      return: async () => {
        ended = true;
        cleanup();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() { return iterator; },
    };
    return iterator;
  }

  /** `notify.subscribe`: receive only these channels (added to the list when there is one); they leave the exclude list. */
  async subscribe(channels: string[], options?: CallOptions): Promise<Filter> {
    const { filter } = await this.call<{ filter: Filter }>('notify.subscribe', { channels }, options);
    this.#filter = filter;
    return this.filter;
  }

  /** `notify.unsubscribe`: never receive these channels; they leave the include list. */
  async unsubscribe(channels: string[], options?: CallOptions): Promise<Filter> {
    const { filter } = await this.call<{ filter: Filter }>('notify.unsubscribe', { channels }, options);
    this.#filter = filter;
    return this.filter;
  }

  /**
   * `notify.resume`: replays every durable notification after `since` this connection may see. The client does this
   * itself after every reconnect; call it only to resume from an id kept elsewhere (e.g. across a page reload).
   */
  resume(since: string, options?: CallOptions): Promise<ResumeResult> {
    return this.call('notify.resume', { since }, options);
  }

  /** `agent.run`: starts a session owned by the caller; returns its id. The same `idempotencyKey` within 24 hours starts nothing new. */
  async runAgent(task: string, options: CallOptions & { idempotencyKey?: string } = {}): Promise<string> {
    const params: Record<string, unknown> = { task };
    if (options.idempotencyKey !== undefined) params.idempotencyKey = options.idempotencyKey;
    return (await this.call<{ sessionId: string }>('agent.run', params, options)).sessionId;
  }

  /** `agent.cancel`: asks the caller's session to stop (owner only, else -32001). */
  cancelAgent(sessionId: string, options?: CallOptions): Promise<AgentCancelResult> {
    return this.call('agent.cancel', { sessionId }, options);
  }

  /** `agent.list`: the caller's sessions of the last 24 hours, newest first. */
  async listAgents(options?: CallOptions): Promise<AgentSession[]> {
    return (await this.call<{ sessions: AgentSession[] }>('agent.list', {}, options)).sessions;
  }

  /** `approval.list`: approval requests the caller may see, newest first (pending by default). */
  async listApprovals(query: { state?: 'pending' | 'decided'; sessionId?: string; limit?: number } = {}, options?: CallOptions): Promise<ApprovalRecord[]> {
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params[key] = value;
    return (await this.call<{ approvals: ApprovalRecord[] }>('approval.list', params, options)).approvals;
  }

  /** `approval.respond`: the first valid decision wins; a later one fails with -32003 and the final state in `data`. */
  respondToApproval(requestId: string, decision: 'approve' | 'deny', options: CallOptions & { reason?: string } = {}): Promise<ApprovalResponse> {
    const params: Record<string, unknown> = { requestId, decision };
    if (options.reason !== undefined) params.reason = options.reason;
    return this.call('approval.respond', params, options);
  }

  /**
   * Calls any method. Waits for the connection while reconnecting; rejects with {@link NexusError} for an error
   * answer, {@link NexusConnectionError} when there is no answer (lost, timeout, stopped), or the signal's reason.
   */
  call<T = unknown>(method: string, params: Record<string, unknown> = {}, options: CallOptions = {}): Promise<T> {
    const traceparent = options.traceparent ?? this.#options.traceparent?.();
    const timeoutMs = options.timeoutMs ?? this.#options.callTimeoutMs;
    const signal = options.signal;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      let connection: Connection | null = null;
      let id = 0;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (connection) connection.forget(id);
        settle();
      };
      const timer = setTimeout(() => finish(() => reject(new NexusConnectionError('timeout', `No answer to ${method} within ${timeoutMs / 1000} s (${this.#state.state}).`))), timeoutMs);
      const onAbort = () => finish(() => reject(signal?.reason ?? new Error('aborted')));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#whenReady().then((ready) => {
        if (done) return;
        connection = ready;
        id = this.#nextId++;
        const request: Record<string, unknown> = { jsonrpc: '2.0', id, method, params };
        if (traceparent) request.traceparent = traceparent;
        ready.expect(id, method).then((value) => finish(() => resolve(value as T)), (error: Error) => finish(() => reject(error)));
        try {
          ready.send(JSON.stringify(request));
        } catch (error) {
          finish(() => reject(error as Error));
        }
      }, (error: Error) => finish(() => reject(error)));
    });
  }

  // ---- connecting ----

  async #connect(): Promise<{ connection: Connection; since: string | null; resumed: ResumeResult | null }> {
    const url = new URL(String(this.#options.url));
    const token = await this.#options.accessToken?.();
    if (token) url.searchParams.set('access_token', token);
    if (this.#options.devUser) {
      url.searchParams.set('user', this.#options.devUser);
      if (this.#options.devApprover) url.searchParams.set('approver', 'true');
    }
    // The first message will resume: the gateway then holds live notifications for it even when it comes late
    // (docs/protocol.md section 3), so the replay always comes first.
    if (this.#lastId) url.searchParams.set('resume', '1');
    let connection: Connection;
    try {
      connection = new Connection(this.#WebSocket, url.toString(), (n) => this.#onNotification(n));
    } catch (error) {
      throw new NexusConnectionError('connect', `Could not open a socket to ${this.#options.url}: ${(error as Error)?.message ?? error}`);
    }
    // An upgrade can hang (a proxy holding it while the gateway restarts): give up and retry rather than wait for
    // the platform's own, much longer, timeout.
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; connection.close(); }, this.#options.connectTimeoutMs);
    try {
      await connection.opened;
      const first = await this.#sendFirstMessage(connection);
      return { connection, ...first };
    } catch (error) {
      connection.close();
      if (timedOut) throw new NexusConnectionError('connect', `No connection to ${this.#options.url} within ${this.#options.connectTimeoutMs / 1000} s.`);
      throw error instanceof NexusConnectionError ? new NexusConnectionError('connect', error.message) : error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The gateway holds a new connection's live notifications until its first message is handled, so a resume in that
   * message is replayed before anything live, with no gap and no duplicate. The filter goes first, so that the replay
   * and what follows are already filtered.
   */
  async #sendFirstMessage(connection: Connection): Promise<{ since: string | null; resumed: ResumeResult | null }> {
    const since = this.#lastId;
    const { include, exclude } = this.#filter;
    const requests: { id: number; method: string; params: Record<string, unknown> }[] = [];
    const add = (method: string, params: Record<string, unknown>) => requests.push({ id: this.#nextId++, method, params });
    if (include) {
      add('notify.subscribe', { channels: include.length ? include : [EmptyIncludeName] });
      if (!include.length) add('notify.unsubscribe', { channels: [EmptyIncludeName] });
    }
    if (exclude.length) add('notify.unsubscribe', { channels: exclude });
    if (since) add('notify.resume', { since });
    if (!requests.length) return { since, resumed: null };

    const replies = requests.map((r) => connection.expect(r.id, r.method).then(
      (result) => ({ method: r.method, result, error: null as Error | null }),
      (error: Error) => ({ method: r.method, result: null as unknown, error })));
    connection.send(JSON.stringify(requests.map((r) => ({ jsonrpc: '2.0', ...r }))));
    let resumed: ResumeResult | null = null;
    for (const reply of await Promise.all(replies)) {
      if (reply.error && !(reply.error instanceof NexusError)) throw reply.error;
      if (reply.error) {
        // The gateway refused part of the rebuild (e.g. its filter limits changed): go on with what it has; a refused
        // resume counts as not recovered, so that the application re-syncs.
        console.warn(`Nexus refused ${reply.method} while the client set its filter again`, reply.error);
        if (reply.method === 'notify.resume') resumed = { recovered: false, replayed: 0 };
      } else if (reply.method === 'notify.resume') {
        resumed = reply.result as ResumeResult;
      }
    }
    return { since, resumed };
  }

  /** Watches the connection and replaces it when it is lost, until the client stops or gives up. */
  async #watch(connection: Connection): Promise<void> {
    while (true) {
      const close = await connection.closed;
      if (this.#connection === connection) this.#connection = null;
      if (this.#stopped) return;
      const error = new NexusConnectionError('lost', `The connection closed (${close.code}${close.reason ? ` ${close.reason}` : ''}).`);
      if (!this.#options.reconnect) {
        this.#giveUp(error);
        return;
      }
      this.#setState({ state: 'reconnecting', attempt: 0, retryAt: null, lastClose: close });
      this.#emit('reconnecting', { error });
      const next = await this.#reconnect(close);
      if (!next) return;
      connection = next.connection;
      this.#makeReady(connection);
      const resumed = next.resumed?.recovered === true;
      this.#emit('reconnected', { resumed, replayed: next.resumed?.replayed ?? 0 });
      if (!resumed) this.#emit('resync', { reason: next.since ? 'history_lost' : 'no_position', lastId: next.since });
    }
  }

  async #reconnect(lastClose: CloseInfo): Promise<{ connection: Connection; since: string | null; resumed: ResumeResult | null } | null> {
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < this.#options.maxReconnectAttempts; attempt++) {
      const delay = backoffDelay(attempt, this.#options.reconnectDelayMs, this.#options.maxReconnectDelayMs);
      this.#setState({ state: 'reconnecting', attempt: attempt + 1, retryAt: Date.now() + delay, lastClose });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => { clearTimeout(timer); resolve(); };
      });
      this.#wake = null;
      if (this.#stopped) return null;
      this.#setState({ state: 'reconnecting', attempt: attempt + 1, retryAt: null, lastClose });
      try {
        const next = await this.#connect();
        if (this.#stopped) {
          next.connection.close(1000, 'client stopped');
          return null;
        }
        return next;
      } catch (error) {
        lastError = error as Error;
      }
    }
    this.#giveUp(new NexusConnectionError('stopped', `The client gave up reconnecting: ${lastError?.message ?? 'no attempts'}`));
    return null;
  }

  #makeReady(connection: Connection): void {
    this.#connection = connection;
    this.#setState({ state: 'connected', attempt: 0, retryAt: null });
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve(connection);
  }

  #whenReady(): Promise<Connection> {
    if (this.#stopped) return Promise.reject(this.#stopError);
    if (this.#connection?.isOpen) return Promise.resolve(this.#connection);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #giveUp(error: Error): void {
    this.#shutDown(error);
    this.#emit('closed', { error });
  }

  #shutDown(error: Error): void {
    this.#stopped = true;
    this.#stopError = error;
    this.#wake?.();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(error);
    this.#setState({ state: 'disconnected', attempt: 0, retryAt: null });
  }

  #onNotification(notification: Notification): void {
    if (notification.id) this.#lastId = notification.id;
    this.#emit('notification', notification);
  }

  #setState(patch: Partial<StateInfo>): void {
    this.#state = { ...this.#state, ...patch };
    this.#emit('state', this.#state);
  }

  #emit<K extends keyof ClientEvents>(type: K, value: ClientEvents[K]): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        (listener as Listener<ClientEvents[K]>)(value);
      } catch (error) {
        // One application handler must not stop the others, nor the client.
        console.error(`A Nexus '${type}' listener failed`, error);
      }
    }
  }
}
