using System.Text.Json;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// The per-client filter of docs/protocol.md section 4.2: <c>include</c> (null = all) and <c>exclude</c>,
/// names ending in <c>*</c> match by prefix. Immutable: changes return a new filter.
/// </summary>
/// <remarks>
/// Entitlement (section 2) is decided by routing before the filter, so the filter can only narrow what a client gets.
/// </remarks>
internal sealed class ClientFilter
{
    /// <summary>Longest name a filter takes (docs/protocol.md section 3), in UTF-16 code units.</summary>
    public const int MaxNameLength = 200;

    public static readonly ClientFilter All = new(null, []);

    // Arrays, not the interface: Allows walks them with a for loop and no enumerator allocation.
    private readonly string[]? _include;
    private readonly string[] _exclude;

    public ClientFilter(IReadOnlyList<string>? include, IReadOnlyList<string> exclude)
    {
        _include = include?.ToArray();
        _exclude = [.. exclude];
    }

    public IReadOnlyList<string>? Include => _include;

    public IReadOnlyList<string> Exclude => _exclude;

    /// <summary>Names held, <c>include</c> and <c>exclude</c> together: what <c>Gateway:MaxFilterNames</c> bounds.</summary>
    public int NameCount => (_include?.Length ?? 0) + _exclude.Length;

    /// <summary>Called for every recipient of every notification: must not allocate.</summary>
    public bool Allows(string channel)
    {
        if (_include is not null && !AnyMatches(_include, channel))
        {
            return false;
        }

        return !AnyMatches(_exclude, channel);
    }

    /// <summary><c>include</c> becomes <paramref name="channels"/> when it was null, else include ∪ channels; the names leave <c>exclude</c>.</summary>
    /// <remarks>Hash sets, not <c>Contains</c> scans: a filter near its limit changed by a long list stays linear (issue 11).</remarks>
    public ClientFilter Subscribe(IReadOnlyList<string> channels)
        => new(Union(_include ?? [], channels), Without(_exclude, channels));

    /// <summary>The names leave <c>include</c> (when it is a list) and join <c>exclude</c>.</summary>
    public ClientFilter Unsubscribe(IReadOnlyList<string> channels)
        => new(_include is null ? null : Without(_include, channels), Union(_exclude, channels));

    /// <summary>Writes <c>{ "include": null | [..], "exclude": [..] }</c>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("include"u8);
        if (_include is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            WriteList(writer, _include);
        }

        writer.WritePropertyName("exclude"u8);
        WriteList(writer, _exclude);
        writer.WriteEndObject();
    }

    public override string ToString() =>
        $"include={(_include is null ? "null" : "[" + string.Join(',', _include) + "]")} exclude=[{string.Join(',', _exclude)}]";

    private static void WriteList(Utf8JsonWriter writer, string[] names)
    {
        writer.WriteStartArray();
        foreach (var name in names)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
    }

    private static string[] Union(string[] first, IReadOnlyList<string> second)
    {
        var seen = new HashSet<string>(first, StringComparer.Ordinal);
        var result = new List<string>(first.Length + second.Count);
        result.AddRange(first);
        foreach (var name in second)
        {
            if (seen.Add(name))
            {
                result.Add(name);
            }
        }

        return [.. result];
    }

    private static string[] Without(string[] names, IReadOnlyList<string> removed)
    {
        if (names.Length == 0)
        {
            return names;
        }

        var drop = new HashSet<string>(removed, StringComparer.Ordinal);
        var result = new List<string>(names.Length);
        foreach (var name in names)
        {
            if (!drop.Contains(name))
            {
                result.Add(name);
            }
        }

        return [.. result];
    }

    private static bool AnyMatches(string[] names, string channel)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (Matches(names[i], channel))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(string name, string channel)
    {
        if (name.Length > 0 && name[^1] == '*')
        {
            return channel.AsSpan().StartsWith(name.AsSpan(0, name.Length - 1), StringComparison.Ordinal);
        }

        return string.Equals(name, channel, StringComparison.Ordinal);
    }
}
