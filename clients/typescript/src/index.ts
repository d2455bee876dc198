// @nexus/client: the TypeScript client of Nexus (docs/protocol.md version 1.1). Browsers and Node, no runtime dependencies.

export { NexusClient } from './client.js';
export type { CallOptions, ClientEvents, ConnectionState, NexusClientOptions, ResyncReason, StateInfo } from './client.js';
export type { CloseInfo, WebSocketConstructor } from './connection.js';
export { ErrorCodes, NexusConnectionError, NexusError } from './errors.js';
export type { ConnectionErrorKind } from './errors.js';
export { Channels, Events, isEvent } from './events.js';
export type {
  AgentCompleted, AgentError, AgentProgress, AgentStarted, ApprovalRequest, ApprovalResolved, EventDataMap, Notification,
} from './events.js';
export type { AgentCancelResult, AgentSession, ApprovalRecord, ApprovalResponse, Filter, ResumeResult, SessionStatus } from './results.js';
export { backoffDelay } from './backoff.js';
