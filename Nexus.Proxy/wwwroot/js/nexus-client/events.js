// Generated from clients/typescript/src by `npm run build` (do not edit; see docs/console.md).
// Notifications (docs/protocol.md section 4.1) and the typed data of the events Nexus publishes itself (section 6).
/** The names of the events of section 6. */
export const Events = Object.freeze({
    AgentStarted: 'agent.started',
    AgentProgress: 'agent.progress',
    AgentError: 'agent.error',
    AgentCompleted: 'agent.completed',
    ApprovalRequest: 'approval_request',
    ApprovalResolved: 'approval_resolved',
});
/** Channel names of docs/protocol.md section 2. */
export const Channels = Object.freeze({
    Global: 'global',
    Approval: 'approval',
    agent: (sessionId) => `agent:${sessionId}`,
    user: (userId) => `user:${userId}`,
});
const str = (v) => typeof v === 'string';
const num = (v) => typeof v === 'number' && Number.isFinite(v);
const optStr = (v) => v === undefined || v === null || typeof v === 'string';
const shapes = {
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
export function isEvent(notification, name) {
    const data = notification.data;
    return notification.event === name && typeof data === 'object' && data !== null && !Array.isArray(data)
        && shapes[name](data);
}
