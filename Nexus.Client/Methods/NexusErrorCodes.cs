namespace Nexus.Client;

/// <summary>The JSON-RPC error codes of docs/protocol.md section 4.3, as in <see cref="NexusRpcException.Code"/>.</summary>
public static class NexusErrorCodes
{
    /// <summary>The message was not JSON.</summary>
    public const int ParseError = -32700;

    /// <summary>Not a JSON-RPC 2.0 request, an empty batch, or a batch over the limit.</summary>
    public const int InvalidRequest = -32600;

    /// <summary>No such method.</summary>
    public const int MethodNotFound = -32601;

    /// <summary>Missing or wrong-typed params; <see cref="NexusRpcException.Data"/> is <c>{ param, message }</c>.</summary>
    public const int InvalidParams = -32602;

    /// <summary>Internal error (also a response too large).</summary>
    public const int InternalError = -32603;

    /// <summary>The caller may not do this (not the session's owner, not an approver).</summary>
    public const int Forbidden = -32001;

    /// <summary>No such session or approval request.</summary>
    public const int NotFound = -32002;

    /// <summary>The approval was already resolved or expired; <see cref="NexusRpcException.Data"/> is <c>{ requestId, status, by }</c>.</summary>
    public const int Conflict = -32003;

    /// <summary>Rate limited, or a quota reached; <see cref="NexusRpcException.Data"/> may be <c>{ limit, max }</c>.</summary>
    public const int RateLimited = -32004;

    /// <summary>A service behind the gateway did not answer in time.</summary>
    public const int Unavailable = -32005;
}
