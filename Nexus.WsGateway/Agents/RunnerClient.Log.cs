using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

internal sealed partial class RunnerClient
{
    [LoggerMessage(EventId = JsonRpcEventIds.RunnerUnavailable, Level = LogLevel.Warning, Message = "Agent runner unavailable for {Route}: {Reason}; answered -32005")]
    private partial void LogUnavailable(string route, string reason);

    [LoggerMessage(EventId = JsonRpcEventIds.RunnerRefusedCredential, Level = LogLevel.Error, Message = "Agent runner refused the gateway's service credential for {Route} (HTTP 401): Auth:ServiceKey must be the runner's; answered -32603")]
    private partial void LogCredentialRefused(string route);

    [LoggerMessage(EventId = JsonRpcEventIds.RunnerUnexpectedStatus, Level = LogLevel.Warning, Message = "Agent runner answered {Route} with HTTP {Status}: {Reason}")]
    private partial void LogUnexpectedStatus(string route, int status, string reason);
}
