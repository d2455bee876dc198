namespace Nexus.WsGateway.Agents;

/// <summary>What became of one call to the runner, in the terms the JSON-RPC methods answer with.</summary>
internal enum RunnerOutcome
{
    Ok,
    NotFound,
    Forbidden,
    Conflict,
    BadRequest,
    Unavailable,
    Failed,
}
