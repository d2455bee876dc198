using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Nexus.Bench.Micro -- --filter '*' --artifacts bench/results/micro
BenchmarkSwitcher.FromAssembly(typeof(Nexus.Bench.Micro.AllocatedPerRecipientColumn).Assembly).Run(args);
