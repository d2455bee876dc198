using System.Text.Json;

namespace Nexus.Client;

/// <summary>
/// One notification from Nexus (docs/protocol.md section 4.1): the <c>params</c> of a JSON-RPC <c>notify</c>. The raw
/// <see cref="Data"/> is always there; <see cref="KnownEvent"/> gives the typed data of the events of section 6.
/// </summary>
public sealed class Notification
{
    private NexusEvent? _known;
    private bool _parsed;

    /// <summary>Creates a notification, e.g. to test code that consumes them.</summary>
    /// <param name="channel">The channel it was published on.</param>
    /// <param name="event">The event name.</param>
    /// <param name="data">The event's data (JSON <c>null</c> when the publisher gave none).</param>
    /// <param name="timestamp">When it was published.</param>
    /// <param name="id">Its id when it was published durably; null otherwise.</param>
    public Notification(string channel, string @event, JsonElement data, DateTimeOffset timestamp, string? id)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(@event);
        Channel = channel;
        Event = @event;
        Data = data;
        Timestamp = timestamp;
        Id = id;
    }

    /// <summary>The channel it was published on: <c>global</c>, <c>approval</c>, <c>agent:&lt;id&gt;</c>, <c>user:&lt;id&gt;</c> or any other name.</summary>
    public string Channel { get; }

    /// <summary>The event name, e.g. <c>agent.started</c> (<see cref="NexusEvents"/>).</summary>
    public string Event { get; }

    /// <summary>The event's data, passed through unchanged from the publisher.</summary>
    public JsonElement Data { get; }

    /// <summary>When it was published (the publisher's time, or the gateway's when the publisher gave none).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>
    /// The notification's id when it was published durably (section 1.1); null for a plain <c>PUBLISH</c>. Opaque:
    /// the client hands the last one back to <c>notify.resume</c> after a reconnect.
    /// </summary>
    public string? Id { get; }

    /// <summary>
    /// The typed data when <see cref="Event"/> names an event of section 6 and <see cref="Data"/> has its shape
    /// (<see cref="AgentStarted"/>, <see cref="AgentProgress"/>, <see cref="AgentError"/>, <see cref="AgentCompleted"/>,
    /// <see cref="ApprovalRequest"/>, <see cref="ApprovalResolved"/>); null for any other event, or data that does not match.
    /// </summary>
    public NexusEvent? KnownEvent
    {
        get
        {
            if (!_parsed)
            {
                _known = EventData.TryRead(Event, Data);
                _parsed = true;
            }

            return _known;
        }
    }

    /// <summary>Reads <see cref="Data"/> as <typeparamref name="T"/> with the caller's JSON metadata (any event, e.g. one's own).</summary>
    /// <typeparam name="T">The type of the data.</typeparam>
    /// <param name="typeInfo">Source-generated metadata of <typeparamref name="T"/>.</param>
    /// <returns>The data, or default when it is JSON <c>null</c>.</returns>
    /// <exception cref="JsonException">The data does not have the shape of <typeparamref name="T"/>.</exception>
    public T? GetData<T>(System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) => Data.Deserialize(typeInfo);

    /// <inheritdoc/>
    public override string ToString() => $"{Channel} {Event} {Id}".TrimEnd();
}
