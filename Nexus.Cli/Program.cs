// nexus: the command-line client of Nexus (issue 14 item 3). Each command is in Commands/; README.md has the tour.
using System.CommandLine;
using Nexus.Cli.Commands;

var root = new RootCommand("Command-line client for the Nexus event gateway (docs/protocol.md 1.1).");
foreach (var option in Connection.Options)
{
    root.Options.Add(option);
}

root.Subcommands.Add(ListenCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ApprovalsCommand.Create());
root.Subcommands.Add(AgentsCommand.Create());
root.Subcommands.Add(TokenCommand.Create());
return await root.Parse(args).InvokeAsync();
