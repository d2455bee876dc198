using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Gateway.Infrastructure;

/// <summary>One redis-server and one gateway shared by the tests of a class (tests use their own user names).</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private RedisServer? _redis;

    public GatewayHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        Host = await GatewayHost.StartAsync(_redis);
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
