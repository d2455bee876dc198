using System.Text.Json;
using Nexus.Contracts.Events;
using Nexus.WsGateway.Clients;
using Nexus.WsGateway.JsonRpc;

namespace Nexus.WsGateway.Agents;

/// <summary><c>agent.list {}</c> → <c>{ sessions }</c>: the caller's own sessions, as the runner lists them.</summary>
internal sealed class AgentListMethod(RunnerClient runner) : IJsonRpcMethod
{
    public string Name => "agent.list";

    public async ValueTask<JsonRpcResult> InvokeAsync(JsonElement? parameters, ClientContext client, CancellationToken cancellationToken)
    {
        if (!JsonRpcParams.TryGetObject(parameters, out _, out var error))
        {
            return JsonRpcResult.Failure(error);
        }

        var reply = await runner.ListSessionsAsync(client, cancellationToken);
        return reply is { Outcome: RunnerOutcome.Ok, Value: { } list }
            ? JsonRpcResult.Success(list, NexusJsonContext.Default.SessionListResponse)
            : JsonRpcResult.Failure(reply.ToError("not found", "forbidden"));
    }
}
