namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// The per-client filter of PROTOCOL.md section 4.2: <c>include</c> (null = all) and <c>exclude</c>,
/// names ending in <c>*</c> match by prefix. Immutable: changes return a new filter.
/// </summary>
internal sealed class ClientFilter
{
    public static readonly ClientFilter All = new(null, []);

    public ClientFilter(IReadOnlyList<string>? include, IReadOnlyList<string> exclude)
    {
        Include = include;
        Exclude = exclude;
    }

    public IReadOnlyList<string>? Include { get; }

    public IReadOnlyList<string> Exclude { get; }

    /// <summary>Called for every recipient of every notification: must not allocate.</summary>
    public bool Allows(string channel)
    {
        // Placeholder until the JSON-RPC work lands: the real rules replace this.
        return Include is null && Exclude.Count == 0;
    }
}
