using Microsoft.Extensions.DependencyInjection;
using Nexus.Tests.Gateway.Infrastructure;
using Nexus.Tests.Infrastructure;
using Nexus.WsGateway.Connections;

namespace Nexus.Tests.Identity;

/// <summary>One redis-server and one gateway that accepts <see cref="Tokens"/> (issuer and audience checked, no clock skew).</summary>
public sealed class TokenGatewayFixture : IAsyncLifetime
{
    private RedisServer? _redis;

    public GatewayHost Host { get; private set; } = null!;

    internal ConnectionRegistry Registry => Host.App.Services.GetRequiredService<ConnectionRegistry>();

    public Uri WsUri(string query = "") => Host.WebSocketUri(query);

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var settings = Tokens.Settings();
        settings["Auth:RestrictApprovals"] = "true";
        Host = await GatewayHost.StartAsync(_redis, settings);

        // No runner runs behind this gateway: an approver's approval.list fails after the approver check, and the
        // HTTP client's retries log that at Error.
        Host.AllowedErrorCategories.Add("Polly");
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
