// Notifications (docs/protocol.md section 4.1) and the typed data of the events Nexus publishes itself (section 6).

/** One notification: the `params` of a JSON-RPC `notify`. */
export interface Notification<TData = unknown> {
  /** The channel it was published on: `global`, `approval`, `agent:<id>`, `user:<id>` or any other name. */
  readonly channel: string;
  /** The event name, e.g. `agent.started` (see {@link Events}). */
  readonly event: string;
  /** The event's data, passed through unchanged from the publisher (`null` when it gave none). */
  readonly data: TData;
  /** When it was published, epoch milliseconds. */
  readonly timestamp: number;
  /** Its id when it was published durably (docs/protocol.md section 1.1): opaque; the client resumes from the last one. */
  readonly id?: string;
}

/** `agent.started` on `global`. */
export interface AgentStarted { sessionId: string; task: string; owner: string }
/** `agent.progress` on `agent:<sessionId>` (the owner only). */
export interface AgentProgress { sessionId: string; step: number; message: string }
/** `agent.error` on `global`; an `agent.completed` follows. */
export interface AgentError { sessionId: string; message: string }
/** `agent.completed` on `global`, exactly once per session; `reason` is `error`, `cancelled` or `denied`. */
export interface AgentCompleted { sessionId: string; success: boolean; result?: string; reason?: 'error' | 'cancelled' | 'denied' }
/** `approval_request` on `approval`: times are epoch milliseconds. */
export interface ApprovalRequest {
  requestId: string; sessionId: string; owner: string; tool: string; arguments: unknown; requestedAt: number; expiresAt: number;
}
/** `approval_resolved` on `approval`, exactly once per request; `by` is `system` on expiry. */
export interface ApprovalResolved {
  requestId: string; sessionId: string; decision: 'approved' | 'denied' | 'expired'; by: string; reason?: string;
}

/** The data of each event of section 6, by event name. */
export interface EventDataMap {
  'agent.started': AgentStarted;
  'agent.progress': AgentProgress;
  'agent.error': AgentError;
  'agent.completed': AgentCompleted;
  'approval_request': ApprovalRequest;
  'approval_resolved': ApprovalResolved;
}

/** The names of the events of section 6. */
export const Events = Object.freeze({
  AgentStarted: 'agent.started',
  AgentProgress: 'agent.progress',
  AgentError: 'agent.error',
  AgentCompleted: 'agent.completed',
  ApprovalRequest: 'approval_request',
  ApprovalResolved: 'approval_resolved',
} as const);

/** Channel names of docs/protocol.md section 2. */
export const Channels = Object.freeze({
  Global: 'global',
  Approval: 'approval',
  agent: (sessionId: string) => `agent:${sessionId}`,
  user: (userId: string) => `user:${userId}`,
});

type Check = (data: Record<string, unknown>) => boolean;
const str = (v: unknown) => typeof v === 'string';
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const optStr = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const shapes: Record<keyof EventDataMap, Check> = {
  'agent.started': (d) => str(d.sessionId) && str(d.task) && str(d.owner),
  'agent.progress': (d) => str(d.sessionId) && num(d.step) && str(d.message),
  'agent.error': (d) => str(d.sessionId) && str(d.message),
  'agent.completed': (d) => str(d.sessionId) && typeof d.success === 'boolean' && optStr(d.result) && optStr(d.reason),
  'approval_request': (d) => str(d.requestId) && str(d.sessionId) && str(d.owner) && str(d.tool) && num(d.requestedAt) && num(d.expiresAt),
  'approval_resolved': (d) => str(d.requestId) && str(d.sessionId) && str(d.decision) && str(d.by) && optStr(d.reason),
};

/**
 * Narrows a notification to one of the events of section 6: true when `event` is `name` and the data has that
 * event's shape (anyone may publish any event name, so a name alone proves nothing).
 *
 * ```ts
 * if (isEvent(n, 'approval_request')) await client.respondToApproval(n.data.requestId, 'approve');
 * ```
 */
export function isEvent<E extends keyof EventDataMap>(notification: Notification, name: E): notification is Notification<EventDataMap[E]> {
  const data = notification.data;
  return notification.event === name && typeof data === 'object' && data !== null && !Array.isArray(data)
    && shapes[name](data as Record<string, unknown>);
}
