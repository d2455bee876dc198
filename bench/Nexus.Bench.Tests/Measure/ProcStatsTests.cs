using System.Diagnostics;
using Nexus.Bench.LoadGen.Measure;

namespace Nexus.Bench.Tests.Measure;

/// <summary>CPU and memory accounting from /proc: the parsers on fixed lines, and the live reading against the runtime's own.</summary>
public sealed class ProcStatsTests
{
    [Fact]
    public void Cpu_seconds_are_utime_plus_stime_after_a_command_name_with_spaces_and_parentheses()
    {
        // Fields 14 and 15 (utime 1234, stime 566 ticks of 10 ms); the name "a) (b c" is field 2.
        const string stat = "4242 (a) (b c) S 1 4242 4242 0 -1 4194560 900 0 3 0 1234 566 7 8 20 0 12 0 555 123456789 2000 18446744073709551615";

        Assert.Equal(18.0, ProcStats.ParseCpuSeconds(stat), precision: 9);
    }

    [Fact]
    public void Machine_busy_jiffies_leave_out_idle_and_iowait_and_count_the_first_eight_fields()
    {
        // user nice system idle iowait irq softirq steal guest guest_nice: guest is already inside user.
        const string line = "cpu  100 5 50 800 40 3 2 1 70 0";

        var (busy, total) = ProcStats.ParseMachineJiffies(line);

        Assert.Equal(1001, total);
        Assert.Equal(161, busy);
    }

    [Fact]
    public void Status_lines_give_kilobytes_of_the_asked_key_only()
    {
        string[] status = ["Name:\tdotnet", "VmPeak:\t  999999 kB", "VmHWM:\t  204800 kB", "VmRSS:\t  102400 kB"];

        Assert.Equal(102400, ProcStats.ParseStatusKilobytes(status, "VmRSS:"));
        Assert.Equal(204800, ProcStats.ParseStatusKilobytes(status, "VmHWM:"));
        Assert.Throws<InvalidOperationException>(() => ProcStats.ParseStatusKilobytes(status, "VmSwap:"));
    }

    [Fact]
    public void The_own_process_cpu_read_from_proc_matches_what_the_runtime_reports()
    {
        // Burn a little CPU so that both readings move; /proc counts in 10 ms ticks, hence the tolerance.
        var spin = Stopwatch.StartNew();
        var x = 0.0;
        while (spin.ElapsedMilliseconds < 300)
        {
            x += Math.Sqrt(spin.ElapsedTicks);
        }

        var fromProc = ProcStats.SelfCpuSeconds();
        var fromRuntime = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

        Assert.True(x > 0);
        Assert.InRange(fromProc, fromRuntime - 0.05, fromRuntime + 0.05);
        Assert.True(ProcStats.RssBytes(Environment.ProcessId) > 1024 * 1024);
        Assert.True(ProcStats.PeakRssBytes(Environment.ProcessId) >= ProcStats.RssBytes(Environment.ProcessId) / 2);
    }

    [Fact]
    public void A_window_is_the_difference_of_two_snapshots()
    {
        var frequency = Stopwatch.Frequency;
        var start = new CpuSnapshot(Timestamp: 10 * frequency, Server: 5.0, Redis: 1.0, LoadGen: 2.0, MachineBusy: 1000, MachineTotal: 4000);
        var end = new CpuSnapshot(Timestamp: 12 * frequency, Server: 6.5, Redis: 1.25, LoadGen: 3.8, MachineBusy: 1380, MachineTotal: 4400);

        var window = CpuWindow.Between(start, end);

        Assert.Equal(2.0, window.WallSeconds, precision: 6);
        Assert.Equal(1.5, window.ServerSeconds, precision: 9);
        Assert.Equal(0.25, window.RedisSeconds, precision: 9);
        Assert.Equal(1.8, window.LoadGenSeconds, precision: 9);
        Assert.Equal(0.95, window.MachineBusyShare, precision: 9);
        Assert.Equal(0.9, window.LoadGenCores, precision: 6);
        Assert.Equal(0.75, window.ServerCores, precision: 6);
        Assert.True(window.LoadGenSaturated);
    }

    [Theory]
    [InlineData(0.89, 2.0, 1.0, false)] // the machine was not full
    [InlineData(0.95, 1.0, 2.0, false)] // full, but the server used more than the load generator
    [InlineData(0.90, 1.0, 1.0, true)]
    public void The_load_generator_is_saturated_only_on_a_full_machine_where_it_used_at_least_the_servers_cpu(
        double busy, double loadGen, double server, bool saturated)
    {
        var window = new CpuWindow(WallSeconds: 1, ServerSeconds: server, RedisSeconds: 0, LoadGenSeconds: loadGen, MachineBusyShare: busy);

        Assert.Equal(saturated, window.LoadGenSaturated);
    }
}
