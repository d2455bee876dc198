namespace Nexus.AgentRunner.Agent;

/// <summary>
/// Rules for a file name inside a session's sandbox folder: a single plain name, so no step (or model)
/// can write outside its own folder.
/// </summary>
internal static class SandboxFileName
{
    public const int MaxLength = 100;

    /// <summary>Null when <paramref name="name"/> is acceptable, else why not.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "the file name is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"the file name is longer than {MaxLength} characters";
        }

        if (name is "." or ".." || name.Contains("..", StringComparison.Ordinal))
        {
            return $"the file name '{name}' may not contain '..'";
        }

        if (name.IndexOfAny(['/', '\\', ':']) >= 0)
        {
            return $"the file name '{name}' may not contain a path separator";
        }

        if (name.Any(char.IsControl) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            return $"the file name '{name}' contains a character that is not allowed";
        }

        return null;
    }
}
