using Nexus.Tests.Infrastructure;

namespace Nexus.Tests.Clients;

/// <summary>Waits, with a timeout, for an asynchronous lookup to find something.</summary>
internal static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> lookup, string what, TimeSpan? timeout = null)
        where T : class
    {
        T? found = null;
        await Wait.UntilAsync(async () => (found = await lookup()) is not null, what, timeout);
        return found!;
    }
}
