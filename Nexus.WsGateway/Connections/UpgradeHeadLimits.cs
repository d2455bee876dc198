using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// Kestrel's limits on a request head (<see cref="KestrelServerLimits"/>), applied by the direct upgrade path so that
/// it never takes a head Kestrel's HTTP layer would refuse (issue 11): one over a limit is left to Kestrel, which
/// answers it as it always does (431 for too many headers, 414 for a long request line).
/// </summary>
/// <param name="MaxHeaderCount"><see cref="KestrelServerLimits.MaxRequestHeaderCount"/>: header lines, each counted.</param>
/// <param name="MaxRequestLineBytes"><see cref="KestrelServerLimits.MaxRequestLineSize"/>: the request line with its CRLF.</param>
/// <param name="MaxHeadersBytes"><see cref="KestrelServerLimits.MaxRequestHeadersTotalSize"/>: the header lines with their CRLFs.</param>
internal readonly record struct UpgradeHeadLimits(int MaxHeaderCount, int MaxRequestLineBytes, int MaxHeadersBytes)
{
    /// <summary>Kestrel's defaults: 100 headers, an 8 KB request line, 32 KB of headers.</summary>
    public static UpgradeHeadLimits KestrelDefaults => From(new KestrelServerLimits());

    public static UpgradeHeadLimits From(KestrelServerLimits limits)
        => new(limits.MaxRequestHeaderCount, limits.MaxRequestLineSize, limits.MaxRequestHeadersTotalSize);
}
