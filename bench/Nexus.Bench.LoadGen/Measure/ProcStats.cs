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
    public static double CpuSeconds(int pid) => CpuSeconds($"/proc/{pid}/stat");

    public static double SelfCpuSeconds() => CpuSeconds("/proc/self/stat");

    /// <summary>Resident set size now, in bytes.</summary>
    public static long RssBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>Peak resident set size since the process started, in bytes.</summary>
    public static long PeakRssBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    /// <summary>Busy and total jiffies of all cores together (first line of /proc/stat).</summary>
    public static (long Busy, long Total) MachineJiffies()
    {
        var line = File.ReadLines("/proc/stat").First();
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var total = fields.Take(8).Sum();
        var idle = fields[3] + fields[4]; // idle + iowait
        return (total - idle, total);
    }

    private static double CpuSeconds(string statPath)
    {
        var text = File.ReadAllText(statPath);
        // The command name (field 2) may hold spaces; the fields we need follow its closing parenthesis.
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // rest[0] is field 3 (state), so utime (field 14) is rest[11] and stime (field 15) rest[12].
        var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    private static long StatusKilobytes(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"{key} not found in /proc/{pid}/status");
    }
}
