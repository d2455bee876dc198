using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Nexus.Bench.Micro -- --filter '*' --artifacts bench/results/micro
// In process: BenchmarkDotNet's default toolchain looks for a project named like the assembly (Nexus.Bench, the name
// the gateway's InternalsVisibleTo admits), which does not exist; in-process runs measure allocations all the same.
string[] arguments = args.Contains("--inProcess") || args.Contains("-i") ? args : [.. args, "--inProcess"];
BenchmarkSwitcher.FromAssembly(typeof(Nexus.Bench.Micro.AllocatedPerRecipientColumn).Assembly).Run(arguments);
