using System.Text.Json;

namespace Nexus.WsGateway.JsonRpc;

/// <summary>
/// The per-client filter of PROTOCOL.md section 4.2: <c>include</c> (null = all) and <c>exclude</c>,
/// names ending in <c>*</c> match by prefix. Immutable: changes return a new filter.
/// </summary>
/// <remarks>
/// Entitlement (section 2) is decided by routing before the filter, so the filter can only narrow what a client gets.
/// </remarks>
internal sealed class ClientFilter
{
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
    public ClientFilter Subscribe(IReadOnlyList<string> channels)
    {
        var include = Union(_include ?? [], channels);
        var exclude = _exclude.Where(name => !channels.Contains(name, StringComparer.Ordinal)).ToArray();
        return new ClientFilter(include, exclude);
    }

    /// <summary>The names leave <c>include</c> (when it is a list) and join <c>exclude</c>.</summary>
    public ClientFilter Unsubscribe(IReadOnlyList<string> channels)
    {
        var include = _include?.Where(name => !channels.Contains(name, StringComparer.Ordinal)).ToArray();
        return new ClientFilter(include, Union(_exclude, channels));
    }

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
        var result = new List<string>(first);
        foreach (var name in second)
        {
            if (!result.Contains(name, StringComparer.Ordinal))
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
