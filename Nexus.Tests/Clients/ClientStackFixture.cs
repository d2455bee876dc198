namespace Nexus.Tests.Clients;

/// <summary>One <see cref="ClientStack"/> shared by the tests of a class; each test uses users of its own.</summary>
public sealed class ClientStackFixture : IAsyncLifetime
{
    public ClientStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await ClientStack.StartAsync();

    public async Task DisposeAsync() => await Stack.DisposeAsync();

    public static string User(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
}
