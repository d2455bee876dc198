using Microsoft.Extensions.Options;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// <c>Gateway:AllowedOrigins</c> (PROTOCOL.md section 5): a browser's <c>Origin</c> must be listed; a request
/// without <c>Origin</c> (not a browser) passes; an empty list configures no check.
/// </summary>
internal sealed class OriginPolicy(IOptions<GatewayOptions> options)
{
    private readonly HashSet<string> _allowed = new(
        options.Value.AllowedOrigins.Select(o => o.TrimEnd('/')),
        StringComparer.OrdinalIgnoreCase);

    public bool IsAllowed(string? origin)
        => string.IsNullOrEmpty(origin) || _allowed.Count == 0 || _allowed.Contains(origin.TrimEnd('/'));
}
