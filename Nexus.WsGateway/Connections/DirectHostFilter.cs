using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Nexus.WsGateway.Connections;

/// <summary>
/// ASP.NET Core's host filtering (<c>AllowedHosts</c>) for the direct upgrade path, which runs below the pipeline that
/// applies it (issue 11). Rather than a copy of its rules (punycode, wildcards, ports, empty hosts), it runs the
/// framework's own <see cref="HostFilteringMiddleware"/>, configured from the same options, on the parsed head: a Host
/// the pipeline would refuse is never accepted below it, and the request goes to Kestrel, whose pipeline answers 400
/// exactly as for any other request.
/// </summary>
internal sealed class DirectHostFilter
{
    private static readonly object s_allowed = new();

    private readonly HostFilteringMiddleware _filter;

    public DirectHostFilter(IOptionsMonitor<HostFilteringOptions> options)
    {
        // No logger: the pipeline's own instance logs the refusal when it answers the request.
        _filter = new HostFilteringMiddleware(
            static context =>
            {
                context.Items[s_allowed] = s_allowed;
                return Task.CompletedTask;
            },
            NullLogger<HostFilteringMiddleware>.Instance,
            options);
    }

    /// <summary>True when <paramref name="request"/> (a context built from the head, no response stream) passes.</summary>
    public async ValueTask<bool> AllowsAsync(HttpContext request)
    {
        // A refusal sets 400 and may write its page to the context's response body, which is Stream.Null here.
        await _filter.Invoke(request);
        return request.Items.ContainsKey(s_allowed);
    }
}
