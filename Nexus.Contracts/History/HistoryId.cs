using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Nexus.Contracts.History;

/// <summary>
/// The id of a durable notification, <c>&lt;epoch&gt;:&lt;ms&gt;-&lt;seq&gt;</c> (<see cref="HistoryLibrary"/>): the history it
/// belongs to, and its entry in that history's stream. Clients treat ids as opaque strings (docs/protocol.md section 4.1).
/// </summary>
public readonly record struct HistoryId(string Epoch, long Milliseconds, long Sequence)
{
    /// <summary>Longest id a client may hand back (docs/protocol.md section 4.2).</summary>
    public const int MaxLength = 64;

    /// <summary>The stream entry id, <c>ms-seq</c>.</summary>
    public string EntryId => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");

    public override string ToString() => Epoch + ":" + EntryId;

    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out HistoryId? id)
    {
        id = null;
        var colon = text.IndexOf(':');
        if (text.Length > MaxLength || colon <= 0 || !IsDigits(text[..colon]))
        {
            return false;
        }

        var entry = text[(colon + 1)..];
        var dash = entry.IndexOf('-');
        if (dash <= 0 || !IsDigits(entry[..dash]) || !IsDigits(entry[(dash + 1)..])
            || !long.TryParse(entry[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !long.TryParse(entry[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        id = new HistoryId(text[..colon].ToString(), ms, seq);
        return true;
    }

    /// <summary>The entry of <paramref name="epoch"/> whose stream id is <paramref name="entryId"/> (<c>ms-seq</c>).</summary>
    public static bool TryFromEntry(string epoch, string entryId, [NotNullWhen(true)] out HistoryId? id)
        => TryParse(epoch + ":" + entryId, out id);

    private static bool IsDigits(ReadOnlySpan<char> text) => text.Length is > 0 and <= 20 && !text.ContainsAnyExceptInRange('0', '9');
}
