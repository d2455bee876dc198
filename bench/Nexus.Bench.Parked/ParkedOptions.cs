using System.Globalization;

namespace Nexus.Bench.Parked;

/// <summary>Command line of the parked-sessions benchmark.</summary>
internal sealed record ParkedOptions(string Root, int Sessions, int IdleSeconds, int Concurrency, bool Approve)
{
    public static ParkedOptions Parse(string[] args)
    {
        var root = Directory.GetCurrentDirectory();
        int sessions = 10_000, idle = 30, concurrency = 8;
        var approve = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--root": root = args[++i]; break;
                case "--sessions": sessions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--idle-seconds": idle = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--approve": approve = true; break;
                default: throw new ArgumentException($"unknown option {args[i]}; options: --sessions N (10000), --idle-seconds S (30), --concurrency C (8), --approve, --root DIR");
            }
        }

        return new ParkedOptions(root, sessions, idle, concurrency, approve);
    }
}
