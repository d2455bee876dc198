namespace Nexus.WsGateway.Agents;

/// <summary>What became of one call to the runner, in the terms the JSON-RPC methods answer with.</summary>
internal enum RunnerOutcome
{
    Ok,
    NotFound,
    Forbidden,
    Conflict,

    /// <summary>A limit of the runner refused the call (HTTP 429): JSON-RPC -32004 with its limit.</summary>
    Limited,
    BadRequest,
    Unavailable,
    Failed,
}
