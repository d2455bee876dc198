using System.Globalization;

namespace Nexus.Bench.LoadGen.Measure;

/// <summary>
/// CPU and memory of a process from /proc (Linux): utime+stime of all its threads, VmRSS and
/// VmHWM; and the busy share of the whole machine from /proc/stat.
/// </summary>
internal static class ProcStats
{
    // USER_HZ is 100 on every Linux this runs on; /proc reports CPU time in these ticks.
    private const double TicksPerSecond = 100.0;

    /// <summary>CPU seconds (user + system) the process has used so far.</summary>
    public static double CpuSeconds(int pid) => ParseCpuSeconds(File.ReadAllText($"/proc/{pid}/stat"));

    public static double SelfCpuSeconds() => ParseCpuSeconds(File.ReadAllText("/proc/self/stat"));

    /// <summary>Resident set size now, in bytes.</summary>
    public static long RssBytes(int pid) => ParseStatusKilobytes(File.ReadLines($"/proc/{pid}/status"), "VmRSS:") * 1024;

    /// <summary>Peak resident set size since the process started, in bytes.</summary>
    public static long PeakRssBytes(int pid) => ParseStatusKilobytes(File.ReadLines($"/proc/{pid}/status"), "VmHWM:") * 1024;

    /// <summary>Busy and total jiffies of all cores together (first line of /proc/stat).</summary>
    public static (long Busy, long Total) MachineJiffies() => ParseMachineJiffies(File.ReadLines("/proc/stat").First());

    /// <summary>utime + stime of a <c>/proc/&lt;pid&gt;/stat</c> line, in seconds.</summary>
    public static double ParseCpuSeconds(string stat)
    {
        // The command name (field 2) may hold spaces and parentheses; the fields we need follow its last closing one.
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // rest[0] is field 3 (state), so utime (field 14) is rest[11] and stime (field 15) rest[12].
        var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>
    /// Busy and total jiffies of the <c>cpu</c> line of /proc/stat: total is user, nice, system, idle, iowait, irq,
    /// softirq and steal (guest time is already inside user); idle and iowait are not busy.
    /// </summary>
    public static (long Busy, long Total) ParseMachineJiffies(string cpuLine)
    {
        var fields = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum();
        var idle = fields[3] + fields[4];
        return (total - idle, total);
    }

    /// <summary>The value of a <c>Vm...: N kB</c> line of /proc/&lt;pid&gt;/status, in KB.</summary>
    public static long ParseStatusKilobytes(IEnumerable<string> lines, string key)
    {
        foreach (var line in lines)
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"{key} not found in the process status");
    }
}
