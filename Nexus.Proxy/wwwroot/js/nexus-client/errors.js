// Generated from clients/typescript/src by `npm run build` (do not edit; see docs/console.md).
// Errors of the client: NexusError when the gateway answers a call with a JSON-RPC error (docs/protocol.md section 4.3),
// NexusConnectionError when there is no connection to answer it.
/** The JSON-RPC error codes of docs/protocol.md section 4.3. */
export const ErrorCodes = Object.freeze({
    ParseError: -32700,
    InvalidRequest: -32600,
    MethodNotFound: -32601,
    /** Missing or wrong-typed params; `data` is `{ param, message }`. */
    InvalidParams: -32602,
    InternalError: -32603,
    /** Not the session's owner, not an approver. */
    Forbidden: -32001,
    /** No such session or approval request. */
    NotFound: -32002,
    /** The approval was already resolved or expired; `data` is `{ requestId, status, by }`. */
    Conflict: -32003,
    /** Rate limited, or a quota reached; `data` may be `{ limit, max }`. */
    RateLimited: -32004,
    /** A service behind the gateway did not answer in time. */
    Unavailable: -32005,
});
/** The gateway answered a call with a JSON-RPC error. */
export class NexusError extends Error {
    /** The JSON-RPC error code (see {@link ErrorCodes}). */
    code;
    /** The error's `data` as sent: `{ param, message }` for -32602, `{ requestId, status, by }` for -32003. */
    data;
    /** The method whose call failed. */
    method;
    constructor(method, code, message, data) {
        super(`${method} failed: ${code} ${message}`);
        this.name = 'NexusError';
        this.method = method;
        this.code = code;
        this.data = data;
    }
    /** For -32602: the name of the bad parameter (`data.param`). */
    get param() {
        const data = this.data;
        return typeof data?.param === 'string' ? data.param : undefined;
    }
}
/** There was no connection to carry a call, or it was lost before the answer came. */
export class NexusConnectionError extends Error {
    /** Why. */
    kind;
    constructor(kind, message) {
        super(message);
        this.name = 'NexusConnectionError';
        this.kind = kind;
    }
}
