using System.Diagnostics;

namespace Nexus.Bench.LoadGen.Measure;

/// <summary>CPU used so far by the server, redis-server, the load generator and the machine, at one instant.</summary>
internal readonly record struct CpuSnapshot(long Timestamp, double Server, double Redis, double LoadGen, long MachineBusy, long MachineTotal)
{
    public static CpuSnapshot Take(int serverPid, int redisPid)
    {
        var (busy, total) = ProcStats.MachineJiffies();
        return new CpuSnapshot(
            Stopwatch.GetTimestamp(),
            ProcStats.CpuSeconds(serverPid),
            ProcStats.CpuSeconds(redisPid),
            ProcStats.SelfCpuSeconds(),
            busy,
            total);
    }
}

/// <summary>What was spent between two snapshots.</summary>
internal readonly record struct CpuWindow(double WallSeconds, double ServerSeconds, double RedisSeconds, double LoadGenSeconds, double MachineBusyShare)
{
    public static CpuWindow Between(CpuSnapshot start, CpuSnapshot end)
    {
        var total = end.MachineTotal - start.MachineTotal;
        return new CpuWindow(
            Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds,
            end.Server - start.Server,
            end.Redis - start.Redis,
            end.LoadGen - start.LoadGen,
            total > 0 ? (double)(end.MachineBusy - start.MachineBusy) / total : 0);
    }

    /// <summary>Cores the load generator kept busy on average.</summary>
    public double LoadGenCores => WallSeconds > 0 ? LoadGenSeconds / WallSeconds : 0;

    public double ServerCores => WallSeconds > 0 ? ServerSeconds / WallSeconds : 0;

    /// <summary>
    /// The load generator is taken as the bottleneck when the machine is nearly full and it uses at
    /// least as much CPU as the server: then the server is waiting for clients to read, not the reverse.
    /// </summary>
    public bool LoadGenSaturated => MachineBusyShare >= 0.9 && LoadGenSeconds >= ServerSeconds;
}
