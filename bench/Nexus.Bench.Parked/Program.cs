using Nexus.Bench.Parked;

// bench/parked.sh: what 10,000 sessions parked on approvals cost (issue 13). See bench/README.md.
return await new ParkedBench(ParkedOptions.Parse(args)).RunAsync();
