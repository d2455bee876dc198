namespace Nexus.Tests.Infrastructure;

public sealed class RedisServerTests
{
    [Fact]
    public async Task Starts_answers_and_survives_a_restart_on_the_same_port()
    {
        await using var redis = await RedisServer.StartAsync();
        await using (var mux = await redis.ConnectAsync())
        {
            Assert.True((await mux.GetDatabase().PingAsync()) < TimeSpan.FromSeconds(5));
        }

        await redis.StopAsync();
        await redis.RestartAsync();
        await using var again = await redis.ConnectAsync();
        await again.GetDatabase().StringSetAsync("k", "v");
        Assert.Equal("v", (string?)await again.GetDatabase().StringGetAsync("k"));
    }
}
