namespace Nexus.WsGateway.JsonRpc;

internal sealed partial class JsonRpcDispatcher
{
    [LoggerMessage(EventId = JsonRpcEventIds.ParseError, Level = LogLevel.Debug, Message = "Connection {ConnectionId} sent a message that is not JSON: {Reason}")]
    private partial void LogParseError(string connectionId, string reason);

    [LoggerMessage(EventId = JsonRpcEventIds.InvalidRequest, Level = LogLevel.Debug, Message = "Connection {ConnectionId} sent an invalid request ({Reason})")]
    private partial void LogInvalidRequest(string connectionId, string reason);

    [LoggerMessage(EventId = JsonRpcEventIds.MethodNotFound, Level = LogLevel.Debug, Message = "Connection {ConnectionId} called unknown method {Method}")]
    private partial void LogMethodNotFound(string connectionId, string method);

    [LoggerMessage(EventId = JsonRpcEventIds.BatchTooLarge, Level = LogLevel.Debug, Message = "Connection {ConnectionId} sent a batch of {Count} requests, more than Gateway:MaxBatchSize ({Max}); answered one -32600")]
    private partial void LogBatchTooLarge(string connectionId, int count, int max);

    [LoggerMessage(EventId = JsonRpcEventIds.ResponseTooLarge, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: a reply of more than {Bytes} bytes would exceed Gateway:MaxQueuedBytes ({Max}); answered -32603 instead")]
    private partial void LogResponseTooLarge(string connectionId, long bytes, long max);

    [LoggerMessage(EventId = JsonRpcEventIds.MethodFailed, Level = LogLevel.Error, Message = "JSON-RPC method {Method} failed for connection {ConnectionId}; answered -32603")]
    private partial void LogMethodFailed(Exception exception, string method, string connectionId);
}
