using Nexus.Contracts.Publishing;

namespace Nexus.AgentRunner.Durable;

/// <summary>What the durable stores need of a session this runner holds: its id, its fence and the progress step reached.</summary>
internal interface ISessionLease
{
    string SessionId { get; }

    Fence Fence { get; }

    int Steps { get; }
}
