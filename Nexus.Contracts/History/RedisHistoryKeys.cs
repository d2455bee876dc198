namespace Nexus.Contracts.History;

/// <summary>The Redis keys of the history (docs/protocol.md section 1.1).</summary>
public static class RedisHistoryKeys
{
    /// <summary>Stream of every durable notification: entry id <c>ms-seq</c>, fields <c>c</c> (channel) and <c>p</c> (payload as published, without its id).</summary>
    public const string Stream = "nexus:history";

    /// <summary>Hash: <c>epoch</c>, <c>seq</c> (the last one given), <c>ms</c> (of the last id), <c>window</c> (ms) and <c>max</c> (entries) of the trimming.</summary>
    public const string Meta = "nexus:history:meta";
}
