using Microsoft.Extensions.Options;
using Nexus.WsGateway.Options;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// Cross-site WebSocket hijacking guard (docs/protocol.md section 5). A request passes when it has no <c>Origin</c>
/// (not a browser), when its <c>Origin</c> is listed in <c>Gateway:AllowedOrigins</c>, or when it is same-origin:
/// the Origin's scheme, host and port are those the client addressed. So an empty list allows only same-origin pages.
/// Behind the proxy the address the client used arrives as <c>X-Forwarded-Host</c>/<c>X-Forwarded-Proto</c> (YARP
/// sets them, and replaces the Host header with the gateway's own). Trusting them is safe here: a browser page
/// cannot add those headers to a WebSocket handshake, and a non-browser client can send any Origin anyway.
/// </summary>
internal sealed class OriginPolicy(IOptions<GatewayOptions> options)
{
    private readonly HashSet<string> _allowed = new(
        options.Value.AllowedOrigins.Select(o => o.TrimEnd('/')),
        StringComparer.OrdinalIgnoreCase);

    public bool IsAllowed(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        return string.IsNullOrEmpty(origin) || _allowed.Contains(origin.TrimEnd('/')) || IsSameOrigin(origin, request);
    }

    private static bool IsSameOrigin(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var originUri))
        {
            return false;
        }

        var forwardedHost = FirstValue(request.Headers["X-Forwarded-Host"].ToString());
        var host = forwardedHost is null ? request.Host : HostString.FromUriComponent(forwardedHost);
        var scheme = FirstValue(request.Headers["X-Forwarded-Proto"].ToString()) ?? request.Scheme;
        if (!host.HasValue || !string.Equals(originUri.Scheme, scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var port = host.Port ?? (string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? 443 : 80);
        return string.Equals(originUri.Host, host.Host, StringComparison.OrdinalIgnoreCase) && originUri.Port == port;
    }

    private static string? FirstValue(string header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var comma = header.IndexOf(',', StringComparison.Ordinal);
        return (comma < 0 ? header : header[..comma]).Trim();
    }
}
