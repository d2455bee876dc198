namespace Nexus.WsGateway.JsonRpc;

/// <summary>Error codes of JSON-RPC 2.0 and of docs/protocol.md section 4.3.</summary>
internal static class JsonRpcErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int Forbidden = -32001;
    public const int NotFound = -32002;
    public const int Conflict = -32003;
    public const int RateLimited = -32004;
    public const int Unavailable = -32005;
}
