namespace Nexus.Tests.OperatorConsole;

/// <summary>
/// The console test classes run one after the other: each starts the whole app, and two at once on a
/// two-core machine would only make both slow. The restart test must not pull the gateway from under the others either.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection
{
    public const string Name = "Console (whole app in a browser)";
}
