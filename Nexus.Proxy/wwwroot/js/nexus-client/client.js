// Generated from clients/typescript/src by `npm run build` (do not edit; see docs/console.md).
// The Nexus client (docs/protocol.md version 1.1): typed events and methods over one WebSocket, reconnecting with backoff,
// then setting the filter again and resuming from the last notification id in its first message, so that nothing is
// lost or repeated; when that is impossible, a 'resync' event tells the application to re-sync its state.
import { backoffDelay } from './backoff.js';
import { Connection } from './connection.js';
import { NexusConnectionError, NexusError } from './errors.js';
// The filter cannot hold an empty include list through notify.subscribe (its channels must not be empty): it is rebuilt
// as subscribe([this]) then unsubscribe([this]), which leaves include empty and this name in exclude.
const EmptyIncludeName = 'nexus-client:nothing';
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
    #options;
    #WebSocket;
    #listeners = new Map();
    #connection = null;
    #waiters = [];
    #state = { state: 'disconnected', attempt: 0, retryAt: null, lastClose: null };
    #filter = { include: null, exclude: [] };
    #lastId = null;
    #nextId = 1;
    #started = false;
    #stopped = false;
    #stopError = null;
    #wake = null;
    constructor(options) {
        if (!options?.url)
            throw new TypeError('NexusClientOptions.url is required (e.g. ws://localhost:5080/ws).');
        const url = new URL(String(options.url));
        if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
            throw new TypeError(`NexusClientOptions.url must be ws:// or wss://, not '${url}'.`);
        const WebSocketType = options.WebSocket ?? globalThis.WebSocket;
        if (!WebSocketType) {
            throw new TypeError('No WebSocket here: pass options.WebSocket (on Node 20, run with --experimental-websocket; Node 22 has one built in).');
        }
        this.#WebSocket = WebSocketType;
        this.#options = {
            callTimeoutMs: 30_000, connectTimeoutMs: 10_000, reconnect: true, reconnectDelayMs: 500, maxReconnectDelayMs: 15_000,
            maxReconnectAttempts: Number.POSITIVE_INFINITY, ...options,
        };
        // In a browser, coming back online is a reason to try at once rather than wait for the backoff.
        globalThis.addEventListener?.('online', () => this.reconnectNow());
    }
    /** The connection's state. */
    get state() { return this.#state; }
    /** The filter as the gateway last confirmed it; set again on every reconnect. */
    get filter() { return { include: this.#filter.include ? [...this.#filter.include] : null, exclude: [...this.#filter.exclude] }; }
    /** The id of the last durable notification received: where the next reconnect resumes from. */
    get lastNotificationId() { return this.#lastId; }
    /** Listens to an event; returns the function that stops listening. */
    on(type, listener) {
        let set = this.#listeners.get(type);
        if (!set)
            this.#listeners.set(type, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
    }
    /**
     * Opens the connection. Rejects with a {@link NexusConnectionError} when the first connection cannot be opened (a
     * browser cannot tell a refused token from an unreachable server); once connected, losses are handled by reconnecting.
     */
    async start() {
        if (this.#stopped)
            throw new NexusConnectionError('stopped', 'The client is stopped: create a new one.');
        if (this.#started)
            throw new Error('The client is already started.');
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
        }
        catch (error) {
            this.#started = false;
            if (!this.#stopped)
                this.#setState({ state: 'disconnected', attempt: 0, retryAt: null });
            throw error;
        }
    }
    /** Closes the connection (1000) and stops reconnecting: pending calls fail, iterators end, 'closed' is emitted. */
    async stop() {
        if (this.#stopped)
            return;
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
    reconnectNow() { this.#wake?.(); }
    /**
     * The notifications from now on, as an async iterator (each call has its own queue). Ends when the client stops;
     * throws the last error when reconnecting gave up.
     */
    notifications(options = {}) {
        const queue = [];
        let wake = null;
        let ended = this.#stopped;
        let failure = this.#stopped ? this.#stopError : null;
        const offNotification = this.on('notification', (n) => { queue.push(n); wake?.(); });
        const offClosed = this.on('closed', (e) => { ended = true; failure = e.error; wake?.(); });
        const onAbort = () => { ended = true; failure = null; wake?.(); };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        const cleanup = () => { offNotification(); offClosed(); options.signal?.removeEventListener('abort', onAbort); };
        const iterator = {
            next: async () => {
                while (true) {
                    const value = queue.shift();
                    if (value)
                        return { value, done: false };
                    if (ended) {
                        cleanup();
                        if (failure)
                            throw failure;
                        return { value: undefined, done: true };
                    }
                    await new Promise((resolve) => { wake = resolve; });
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
    async subscribe(channels, options) {
        const { filter } = await this.call('notify.subscribe', { channels }, options);
        this.#filter = filter;
        return this.filter;
    }
    /** `notify.unsubscribe`: never receive these channels; they leave the include list. */
    async unsubscribe(channels, options) {
        const { filter } = await this.call('notify.unsubscribe', { channels }, options);
        this.#filter = filter;
        return this.filter;
    }
    /**
     * `notify.resume`: replays every durable notification after `since` this connection may see. The client does this
     * itself after every reconnect; call it only to resume from an id kept elsewhere (e.g. across a page reload).
     */
    resume(since, options) {
        return this.call('notify.resume', { since }, options);
    }
    /** `agent.run`: starts a session owned by the caller; returns its id. The same `idempotencyKey` within 24 hours starts nothing new. */
    async runAgent(task, options = {}) {
        const params = { task };
        if (options.idempotencyKey !== undefined)
            params.idempotencyKey = options.idempotencyKey;
        return (await this.call('agent.run', params, options)).sessionId;
    }
    /** `agent.cancel`: asks the caller's session to stop (owner only, else -32001). */
    cancelAgent(sessionId, options) {
        return this.call('agent.cancel', { sessionId }, options);
    }
    /** `agent.list`: the caller's sessions of the last 24 hours, newest first. */
    async listAgents(options) {
        return (await this.call('agent.list', {}, options)).sessions;
    }
    /** `approval.list`: approval requests the caller may see, newest first (pending by default). */
    async listApprovals(query = {}, options) {
        const params = {};
        for (const [key, value] of Object.entries(query))
            if (value !== undefined)
                params[key] = value;
        return (await this.call('approval.list', params, options)).approvals;
    }
    /** `approval.respond`: the first valid decision wins; a later one fails with -32003 and the final state in `data`. */
    respondToApproval(requestId, decision, options = {}) {
        const params = { requestId, decision };
        if (options.reason !== undefined)
            params.reason = options.reason;
        return this.call('approval.respond', params, options);
    }
    /**
     * Calls any method. Waits for the connection while reconnecting; rejects with {@link NexusError} for an error
     * answer, {@link NexusConnectionError} when there is no answer (lost, timeout, stopped), or the signal's reason.
     */
    call(method, params = {}, options = {}) {
        const traceparent = options.traceparent ?? this.#options.traceparent?.();
        const timeoutMs = options.timeoutMs ?? this.#options.callTimeoutMs;
        const signal = options.signal;
        return new Promise((resolve, reject) => {
            let done = false;
            let connection = null;
            let id = 0;
            const finish = (settle) => {
                if (done)
                    return;
                done = true;
                clearTimeout(timer);
                signal?.removeEventListener('abort', onAbort);
                if (connection)
                    connection.forget(id);
                settle();
            };
            const timer = setTimeout(() => finish(() => reject(new NexusConnectionError('timeout', `No answer to ${method} within ${timeoutMs / 1000} s (${this.#state.state}).`))), timeoutMs);
            const onAbort = () => finish(() => reject(signal?.reason ?? new Error('aborted')));
            if (signal?.aborted)
                return onAbort();
            signal?.addEventListener('abort', onAbort, { once: true });
            this.#whenReady().then((ready) => {
                if (done)
                    return;
                connection = ready;
                id = this.#nextId++;
                const request = { jsonrpc: '2.0', id, method, params };
                if (traceparent)
                    request.traceparent = traceparent;
                ready.expect(id, method).then((value) => finish(() => resolve(value)), (error) => finish(() => reject(error)));
                try {
                    ready.send(JSON.stringify(request));
                }
                catch (error) {
                    finish(() => reject(error));
                }
            }, (error) => finish(() => reject(error)));
        });
    }
    // ---- connecting ----
    async #connect() {
        const url = new URL(String(this.#options.url));
        const token = await this.#options.accessToken?.();
        if (token)
            url.searchParams.set('access_token', token);
        if (this.#options.devUser) {
            url.searchParams.set('user', this.#options.devUser);
            if (this.#options.devApprover)
                url.searchParams.set('approver', 'true');
        }
        // The first message will resume: the gateway then holds live notifications for it even when it comes late
        // (docs/protocol.md section 3), so the replay always comes first.
        if (this.#lastId)
            url.searchParams.set('resume', '1');
        let connection;
        try {
            connection = new Connection(this.#WebSocket, url.toString(), (n) => this.#onNotification(n));
        }
        catch (error) {
            throw new NexusConnectionError('connect', `Could not open a socket to ${this.#options.url}: ${error?.message ?? error}`);
        }
        // An upgrade can hang (a proxy holding it while the gateway restarts): give up and retry rather than wait for
        // the platform's own, much longer, timeout.
        let timedOut = false;
        const timer = setTimeout(() => { timedOut = true; connection.close(); }, this.#options.connectTimeoutMs);
        try {
            await connection.opened;
            const first = await this.#sendFirstMessage(connection);
            return { connection, ...first };
        }
        catch (error) {
            connection.close();
            if (timedOut)
                throw new NexusConnectionError('connect', `No connection to ${this.#options.url} within ${this.#options.connectTimeoutMs / 1000} s.`);
            throw error instanceof NexusConnectionError ? new NexusConnectionError('connect', error.message) : error;
        }
        finally {
            clearTimeout(timer);
        }
    }
    /**
     * The gateway holds a new connection's live notifications until its first message is handled, so a resume in that
     * message is replayed before anything live, with no gap and no duplicate. The filter goes first, so that the replay
     * and what follows are already filtered.
     */
    async #sendFirstMessage(connection) {
        const since = this.#lastId;
        const { include, exclude } = this.#filter;
        const requests = [];
        const add = (method, params) => requests.push({ id: this.#nextId++, method, params });
        if (include) {
            add('notify.subscribe', { channels: include.length ? include : [EmptyIncludeName] });
            if (!include.length)
                add('notify.unsubscribe', { channels: [EmptyIncludeName] });
        }
        if (exclude.length)
            add('notify.unsubscribe', { channels: exclude });
        if (since)
            add('notify.resume', { since });
        if (!requests.length)
            return { since, resumed: null };
        const replies = requests.map((r) => connection.expect(r.id, r.method).then((result) => ({ method: r.method, result, error: null }), (error) => ({ method: r.method, result: null, error })));
        connection.send(JSON.stringify(requests.map((r) => ({ jsonrpc: '2.0', ...r }))));
        let resumed = null;
        for (const reply of await Promise.all(replies)) {
            if (reply.error && !(reply.error instanceof NexusError))
                throw reply.error;
            if (reply.error) {
                // The gateway refused part of the rebuild (e.g. its filter limits changed): go on with what it has; a refused
                // resume counts as not recovered, so that the application re-syncs.
                console.warn(`Nexus refused ${reply.method} while the client set its filter again`, reply.error);
                if (reply.method === 'notify.resume')
                    resumed = { recovered: false, replayed: 0 };
            }
            else if (reply.method === 'notify.resume') {
                resumed = reply.result;
            }
        }
        return { since, resumed };
    }
    /** Watches the connection and replaces it when it is lost, until the client stops or gives up. */
    async #watch(connection) {
        while (true) {
            const close = await connection.closed;
            if (this.#connection === connection)
                this.#connection = null;
            if (this.#stopped)
                return;
            const error = new NexusConnectionError('lost', `The connection closed (${close.code}${close.reason ? ` ${close.reason}` : ''}).`);
            if (!this.#options.reconnect) {
                this.#giveUp(error);
                return;
            }
            this.#setState({ state: 'reconnecting', attempt: 0, retryAt: null, lastClose: close });
            this.#emit('reconnecting', { error });
            const next = await this.#reconnect(close);
            if (!next)
                return;
            connection = next.connection;
            this.#makeReady(connection);
            const resumed = next.resumed?.recovered === true;
            this.#emit('reconnected', { resumed, replayed: next.resumed?.replayed ?? 0 });
            if (!resumed)
                this.#emit('resync', { reason: next.since ? 'history_lost' : 'no_position', lastId: next.since });
        }
    }
    async #reconnect(lastClose) {
        let lastError = null;
        for (let attempt = 0; attempt < this.#options.maxReconnectAttempts; attempt++) {
            const delay = backoffDelay(attempt, this.#options.reconnectDelayMs, this.#options.maxReconnectDelayMs);
            this.#setState({ state: 'reconnecting', attempt: attempt + 1, retryAt: Date.now() + delay, lastClose });
            await new Promise((resolve) => {
                const timer = setTimeout(resolve, delay);
                this.#wake = () => { clearTimeout(timer); resolve(); };
            });
            this.#wake = null;
            if (this.#stopped)
                return null;
            this.#setState({ state: 'reconnecting', attempt: attempt + 1, retryAt: null, lastClose });
            try {
                const next = await this.#connect();
                if (this.#stopped) {
                    next.connection.close(1000, 'client stopped');
                    return null;
                }
                return next;
            }
            catch (error) {
                lastError = error;
            }
        }
        this.#giveUp(new NexusConnectionError('stopped', `The client gave up reconnecting: ${lastError?.message ?? 'no attempts'}`));
        return null;
    }
    #makeReady(connection) {
        this.#connection = connection;
        this.#setState({ state: 'connected', attempt: 0, retryAt: null });
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters)
            w.resolve(connection);
    }
    #whenReady() {
        if (this.#stopped)
            return Promise.reject(this.#stopError);
        if (this.#connection?.isOpen)
            return Promise.resolve(this.#connection);
        return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    }
    #giveUp(error) {
        this.#shutDown(error);
        this.#emit('closed', { error });
    }
    #shutDown(error) {
        this.#stopped = true;
        this.#stopError = error;
        this.#wake?.();
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters)
            w.reject(error);
        this.#setState({ state: 'disconnected', attempt: 0, retryAt: null });
    }
    #onNotification(notification) {
        if (notification.id)
            this.#lastId = notification.id;
        this.#emit('notification', notification);
    }
    #setState(patch) {
        this.#state = { ...this.#state, ...patch };
        this.#emit('state', this.#state);
    }
    #emit(type, value) {
        for (const listener of [...(this.#listeners.get(type) ?? [])]) {
            try {
                listener(value);
            }
            catch (error) {
                // One application handler must not stop the others, nor the client.
                console.error(`A Nexus '${type}' listener failed`, error);
            }
        }
    }
}
