using System.Globalization;
using Nexus.Contracts.History;
using StackExchange.Redis;

namespace Nexus.Bench.LoadGen.Servers;

/// <summary>The benchmark's own redis-server on a free loopback port, stopped by its id at the end.</summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private RedisProcess(ChildProcess process, int port, ConnectionMultiplexer connection)
    {
        _process = process;
        Port = port;
        Connection = connection;
    }

    public int Port { get; }

    public int Pid => _process.Pid;

    /// <summary>The publisher's connection.</summary>
    public ConnectionMultiplexer Connection { get; }

    public static async Task<RedisProcess> StartAsync(string logPath)
    {
        var port = FreePort.Next();
        var process = ChildProcess.Start(
            "redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
            new Dictionary<string, string>(),
            logPath);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=1000");
                // The history's function library, as every Nexus service loads it (docs/protocol.md section 1.1).
                await connection.GetDatabase().ExecuteAsync("FUNCTION", "LOAD", "REPLACE", HistoryLibrary.Source);
                return new RedisProcess(process, port, connection);
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await _process.DisposeAsync();
    }
}
