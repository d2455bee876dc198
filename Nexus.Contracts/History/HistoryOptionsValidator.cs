using Microsoft.Extensions.Options;

namespace Nexus.Contracts.History;

/// <summary>Start-up check of <see cref="HistoryOptions"/>, naming the bad key.</summary>
public sealed class HistoryOptionsValidator : IValidateOptions<HistoryOptions>
{
    public ValidateOptionsResult Validate(string? name, HistoryOptions options)
    {
        var failures = new List<string>();
        if (options.Window < TimeSpan.FromSeconds(1) || options.Window > TimeSpan.FromDays(7))
        {
            failures.Add($"History:Window must be between 1 second and 7 days (was {options.Window}).");
        }

        if (options.MaxEntries is < 1 or > 100_000_000)
        {
            failures.Add($"History:MaxEntries must be between 1 and 100000000 (was {options.MaxEntries}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
