using System.Globalization;
using System.Text.RegularExpressions;

namespace Nexus.AgentRunner.Agent;

/// <summary>
/// The planner's task grammar, documented in TASKS.md: steps joined with <c> then </c>, each one of
/// <c>echo</c>, <c>sleep</c>/<c>wait</c>, <c>write</c>, <c>now</c>, <c>add</c>.
/// </summary>
internal static partial class TaskGrammar
{
    public const double MaxSleepSeconds = 3600;

    private const string Known = "known steps: echo <text>, sleep <seconds>, wait <seconds>, write <file> <text>, now, add <a> <b>";

    public static IReadOnlyList<PlanStep> Parse(string task)
    {
        if (string.IsNullOrWhiteSpace(task))
        {
            throw new PlanException("The task is empty; " + Known + ".");
        }

        var parts = ThenSeparator().Split(task.Trim());
        var steps = new List<PlanStep>(parts.Length);
        for (var i = 0; i < parts.Length; i++)
        {
            steps.Add(ParseStep(parts[i].Trim(), i + 1));
        }

        return steps;
    }

    private static PlanStep ParseStep(string text, int number)
    {
        var space = text.IndexOfAny([' ', '\t']);
        var verb = (space < 0 ? text : text[..space]).ToLowerInvariant();
        var rest = space < 0 ? "" : text[(space + 1)..].Trim();
        return verb switch
        {
            "echo" when rest.Length > 0 => new PlanStep(AgentTools.Echo, new Dictionary<string, object?> { ["text"] = rest }),
            "echo" => throw Fail(number, "echo needs a text, e.g. 'echo hello'"),
            "sleep" or "wait" => new PlanStep(AgentTools.Sleep, new Dictionary<string, object?> { ["seconds"] = Seconds(rest, verb, number) }),
            "write" => Write(rest, number),
            "now" when rest.Length == 0 => new PlanStep(AgentTools.Now, new Dictionary<string, object?>()),
            "now" => throw Fail(number, "now takes no argument"),
            "add" => Add(rest, number),
            "" => throw Fail(number, "the step is empty"),
            _ => throw Fail(number, $"'{Shorten(verb)}' is not a known step; " + Known),
        };
    }

    private static double Seconds(string rest, string verb, int number)
    {
        if (!double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || double.IsNaN(seconds))
        {
            throw Fail(number, $"{verb} needs a number of seconds, e.g. '{verb} 5'");
        }

        if (seconds is < 0 or > MaxSleepSeconds)
        {
            throw Fail(number, $"{verb} takes 0 to {MaxSleepSeconds} seconds");
        }

        return seconds;
    }

    private static PlanStep Write(string rest, int number)
    {
        var space = rest.IndexOfAny([' ', '\t']);
        if (rest.Length == 0 || space < 0)
        {
            throw Fail(number, "write needs a file name and a text, e.g. 'write notes.txt hello'");
        }

        var file = rest[..space];
        if (SandboxFileName.Validate(file) is { } problem)
        {
            throw Fail(number, problem);
        }

        return new PlanStep(AgentTools.WriteFile, new Dictionary<string, object?> { ["file"] = file, ["text"] = rest[(space + 1)..].Trim() });
    }

    private static PlanStep Add(string rest, int number)
    {
        var numbers = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (numbers.Length != 2
            || !double.TryParse(numbers[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            || !double.TryParse(numbers[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var b))
        {
            throw Fail(number, "add needs two numbers, e.g. 'add 2 3'");
        }

        return new PlanStep(AgentTools.Add, new Dictionary<string, object?> { ["a"] = a, ["b"] = b });
    }

    private static PlanException Fail(int number, string why) => new($"Step {number} of the task is not understood: {why}.");

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    [GeneratedRegex(@"\s+then\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ThenSeparator();
}
