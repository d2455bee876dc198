using System.Globalization;
using Microsoft.Extensions.AI;

namespace Nexus.AgentRunner.Agent;

/// <summary>The built-in tools of a session: harmless ones, and <c>write_file</c>, which needs a human's approval.</summary>
internal static class AgentTools
{
    public const string Echo = "echo";
    public const string Now = "now";
    public const string Add = "add";
    public const string Sleep = "sleep";
    public const string WriteFile = "write_file";

    public static IList<AITool> Create(ISessionContext session, TimeProvider timeProvider) =>
    [
        AIFunctionFactory.Create((string text) => text, Echo, "Returns the given text unchanged."),
        AIFunctionFactory.Create(() => timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture), Now, "Returns the current UTC time (ISO 8601)."),
        AIFunctionFactory.Create((double a, double b) => (a + b).ToString(CultureInfo.InvariantCulture), Add, "Adds two numbers."),
        AIFunctionFactory.Create(
            (double seconds, CancellationToken cancellationToken) => SleepAsync(session, timeProvider, seconds, cancellationToken),
            Sleep,
            "Waits the given number of seconds (at most 3600), reporting progress each second."),
        new ApprovalRequiredAIFunction(AIFunctionFactory.Create(
            (string file, string text, CancellationToken cancellationToken) => session.Sandbox.WriteFileAsync(file, text, cancellationToken),
            WriteFile,
            "Writes a text file into the session's sandbox folder. A human must approve it.")),
    ];

    private static async Task<string> SleepAsync(ISessionContext session, TimeProvider timeProvider, double seconds, CancellationToken cancellationToken)
    {
        if (seconds is < 0 or > TaskGrammar.MaxSleepSeconds || double.IsNaN(seconds))
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, $"sleep takes 0 to {TaskGrammar.MaxSleepSeconds} seconds");
        }

        var remaining = TimeSpan.FromSeconds(seconds);
        var slept = TimeSpan.Zero;
        while (remaining > TimeSpan.Zero)
        {
            var chunk = remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1);
            await Task.Delay(chunk, timeProvider, cancellationToken);
            remaining -= chunk;
            slept += chunk;
            await session.ReportProgressAsync(
                string.Create(CultureInfo.InvariantCulture, $"slept {slept.TotalSeconds:0.#} of {seconds:0.#} s"), cancellationToken);
        }

        return string.Create(CultureInfo.InvariantCulture, $"slept {seconds:0.#} s");
    }
}
