// Results of the methods of docs/protocol.md section 4.2. Times are epoch milliseconds, as on the wire.

/** A connection's filter: `include` null means every channel; a name ending in `*` matches by prefix. */
export interface Filter { include: string[] | null; exclude: string[] }

/** The result of `notify.resume`: `recovered` false means the id is gone and the application must re-sync. */
export interface ResumeResult { recovered: boolean; replayed: number }

/** Session statuses. */
export type SessionStatus = 'running' | 'waiting_approval' | 'completed' | 'failed' | 'cancelled';

/** One of the caller's sessions (`agent.list`). */
export interface AgentSession {
  sessionId: string; task: string; status: SessionStatus; startedAt: number; endedAt?: number; result?: string; reason?: string;
}

/** The result of `agent.cancel`. */
export interface AgentCancelResult { sessionId: string; status: 'cancelling' }

/** An approval request from `approval.list`: the request's data, and for a decided one (an audit record) its decision. */
export interface ApprovalRecord {
  requestId: string; sessionId: string; owner: string; tool: string; arguments: unknown; requestedAt: number; expiresAt: number;
  decision?: 'approved' | 'denied' | 'expired'; by?: string; reason?: string; decidedAt?: number;
  outcome?: { executed: boolean; result?: unknown };
}

/** The result of `approval.respond`. */
export interface ApprovalResponse { requestId: string; decision: 'approved' | 'denied'; status: 'resolved' }
