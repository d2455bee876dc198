using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Nexus.Bench.Micro -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Nexus.Bench.Micro.AllocatedPerRecipientColumn).Assembly).Run(args);
