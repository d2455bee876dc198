namespace Nexus.WsGateway.History;

/// <summary>Where a durable notification stands against the last one this gateway delivered.</summary>
internal enum HistoryPlacement
{
    /// <summary>The next one (or the first of a history): deliver it.</summary>
    Next,

    /// <summary>Delivered already (a catch-up read it from the history first): skip it.</summary>
    Duplicate,

    /// <summary>Some were missed in between (the subscriber was cut): read them from the history first.</summary>
    Gap,
}
