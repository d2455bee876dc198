using Nexus.Bench.LoadGen.Clients;
using Nexus.Bench.LoadGen.Measure;
using Nexus.Bench.LoadGen.Report;
using Nexus.Bench.LoadGen.Servers;

namespace Nexus.Bench.LoadGen.Scenarios;

/// <summary>
/// Server memory per idle connection: RSS with N connected, silent clients minus RSS before, over N.
/// A few connections come and go first so start-up allocations of the connection path are not
/// charged to the idle connections.
/// </summary>
internal sealed class IdleScenario(int connections)
{
    public async Task<RunResult> RunAsync(ServerUnderTest server, int round, CancellationToken cancellationToken)
    {
        var result = new RunResult { Scenario = "idle", Server = server.Kind.Name, Clients = connections, Round = round };
        await using (var warm = await ClientFleet.ConnectAsync(20, server.Endpoint, server.Kind, 1024, TimeSpan.FromSeconds(30), cancellationToken))
        {
            result = result with { Error = warm.Failed > 0 ? warm.FirstError : null };
        }

        await Task.Delay(1000, cancellationToken);
        var before = await MedianRssAsync(server.Pid, cancellationToken);
        await using var fleet = await ClientFleet.ConnectAsync(connections, server.Endpoint, server.Kind, 1024, TimeSpan.FromSeconds(180), cancellationToken);
        using var run = new FanOutRun(connections, 1, fleet.Clients.Select(c => c.Index));
        fleet.Start(run);
        await Task.Delay(3000, cancellationToken);
        var after = await MedianRssAsync(server.Pid, cancellationToken);
        var disconnected = run.States.Count(s => s.Connected && s.Closed);
        return result with
        {
            Connected = fleet.Connected,
            ConnectFailed = fleet.Failed,
            ClientsDisconnected = disconnected,
            FirstCloseReason = run.States.FirstOrDefault(s => s.Closed)?.CloseReason,
            IdleRssBeforeMb = before / 1048576.0,
            IdleRssAfterMb = after / 1048576.0,
            IdleKbPerConnection = fleet.Connected > 0 ? (after - before) / 1024.0 / fleet.Connected : null,
            ServerPeakRssMb = ProcStats.PeakRssBytes(server.Pid) / 1048576.0,
            Error = fleet.Failed > connections / 100 ? $"{fleet.Failed} of {connections} failed to connect: {fleet.FirstError}" : result.Error,
        };
    }

    private static async Task<long> MedianRssAsync(int pid, CancellationToken cancellationToken)
    {
        var samples = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            samples.Add(ProcStats.RssBytes(pid));
            await Task.Delay(300, cancellationToken);
        }

        samples.Sort();
        return samples[1];
    }
}
