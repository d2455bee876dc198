using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nexus.Client;
using static Nexus.Tests.Clients.ClientStackFixture;

namespace Nexus.Tests.Clients;

/// <summary>Issue 14: <c>AddNexusClient</c> for dependency injection, configured like <c>AddHttpClient</c> (per name, from code, configuration or services).</summary>
public sealed class NexusClientRegistrationTests(ClientStackFixture fixture) : IClassFixture<ClientStackFixture>
{
    [Fact]
    public async Task The_default_client_is_injected_with_its_options_and_its_token_provider_from_the_container()
    {
        var user = User("dina");
        var services = new ServiceCollection();
        services.AddSingleton(new TokenSource(Identity.Tokens.Create(user)));
        services.AddNexusClient((sp, options) =>
        {
            options.Url = fixture.Stack.SocketUrl;
            options.AccessTokenProvider = ct => sp.GetRequiredService<TokenSource>().GetAsync(ct);
        });
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<NexusClient>();
        Assert.Same(client, provider.GetRequiredService<NexusClient>());
        await fixture.Stack.StartAndRegisterAsync(client, user);
        Assert.Empty(await client.ListAgentsAsync());
        Assert.Equal(1, provider.GetRequiredService<TokenSource>().Calls);
    }

    [Fact]
    public async Task Named_clients_come_from_the_factory_with_options_bound_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nexus:Ops:Url"] = fixture.Stack.SocketUrl.ToString(),
            ["Nexus:Ops:DevUser"] = "ops-bot",
            ["Nexus:Ops:CallTimeout"] = "00:00:07",
        }).Build();
        var services = new ServiceCollection();
        services.AddNexusClient("ops", (_, _) => { });
        services.Configure<NexusClientOptions>("ops", configuration.GetSection("Nexus:Ops"));
        services.AddNexusClient("broken", (_, _) => { });
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<INexusClientFactory>();

        Assert.Equal(TimeSpan.FromSeconds(7), provider.GetRequiredService<IOptionsMonitor<NexusClientOptions>>().Get("ops").CallTimeout);
        await using var ops = factory.CreateClient("ops");
        await using var another = factory.CreateClient("ops");
        Assert.NotSame(ops, another);
        await fixture.Stack.StartAndRegisterAsync(ops, "ops-bot");
        Assert.Empty(await ops.ListAgentsAsync());

        var invalid = Assert.Throws<ArgumentException>(() => factory.CreateClient("broken"));
        Assert.Contains("NexusClientOptions.Url", invalid.Message, StringComparison.Ordinal);
    }

    private sealed class TokenSource(string token)
    {
        private int _calls;

        public int Calls => _calls;

        public ValueTask<string?> GetAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return ValueTask.FromResult<string?>(token);
        }
    }
}
