using System.Collections.Concurrent;
using System.Text.Json;
using Nexus.Tests.Infrastructure;
using StackExchange.Redis;

namespace Nexus.Tests.Runner;

/// <summary>Records every notification published on <c>nexus:notify:*</c>, through a real Redis subscription.</summary>
public sealed class NotifyRecorder : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;
    private readonly ConcurrentQueue<Notification> _seen = new();

    private NotifyRecorder(ConnectionMultiplexer connection) => _connection = connection;

    public sealed record Notification(string RedisChannel, JsonElement Payload)
    {
        public string Event => Payload.GetProperty("event").GetString()!;

        public string Channel => Payload.GetProperty("channel").GetString()!;

        public JsonElement Data => Payload.GetProperty("data");

        public string? SessionId => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("sessionId", out var id) ? id.GetString() : null;
    }

    public IReadOnlyList<Notification> All => _seen.ToArray();

    public static async Task<NotifyRecorder> StartAsync(RedisServer redis)
    {
        var recorder = new NotifyRecorder(await redis.ConnectAsync());
        var queue = await recorder._connection.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("nexus:notify:*"));
        queue.OnMessage(m => recorder._seen.Enqueue(new Notification(m.Channel.ToString(), JsonDocument.Parse(m.Message.ToString()).RootElement.Clone())));
        return recorder;
    }

    public IReadOnlyList<Notification> ForSession(string sessionId) => All.Where(n => n.SessionId == sessionId).ToList();

    public async Task<Notification> WaitForAsync(Func<Notification, bool> match, string what, TimeSpan? timeout = null)
    {
        Notification? found = null;
        await Wait.UntilAsync(() => (found = All.FirstOrDefault(match)) is not null, what, timeout);
        return found!;
    }

    public Task<Notification> WaitForEventAsync(string sessionId, string @event, TimeSpan? timeout = null)
        => WaitForAsync(n => n.Event == @event && n.SessionId == sessionId, $"{@event} of {sessionId}", timeout);

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
